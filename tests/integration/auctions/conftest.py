"""The auction tests against a live market reuse the oracle integration harness and its
fixtures (a demo deployment per module, a fresh SQLite world per test), and serve the
API live for the CLI (`live_cli`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oracle"))

from live_cli import live
from oracle_harness import deployed, world

__all__ = ["deployed", "live", "world"]
