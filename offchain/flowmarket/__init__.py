"""flowmarket: an open-access market for network capacity, settled on a blockchain."""

__version__ = "0.1.0"
