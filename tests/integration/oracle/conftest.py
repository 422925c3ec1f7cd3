"""One demo deployment per module (reverted afterwards); a fresh world per test."""

from oracle_harness import deployed, world

__all__ = ["deployed", "world"]
