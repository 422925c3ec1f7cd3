"""The `flowmarket` command: argument parsing and output; the work is done in services."""
