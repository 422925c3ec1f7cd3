"""The report tests reuse the oracle integration harness (a demo deployment per module
and a SQLite world) to clear a few real hours on the session node."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oracle"))

from oracle_harness import deployed

__all__ = ["deployed"]
