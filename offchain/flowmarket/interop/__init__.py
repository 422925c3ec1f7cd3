"""Other markets' file formats, read into flowmarket's own."""
