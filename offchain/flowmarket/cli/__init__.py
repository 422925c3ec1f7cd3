"""The `flowmarket` command: argument parsing and output; the packages it calls do the work."""
