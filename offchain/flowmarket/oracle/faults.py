"""Fault injection for the crash tests (never set in production).

`FLOWMARKET_ORACLE_CRASH_AT=<step>` makes the oracle process end with `os._exit(137)`,
the status of a SIGKILL, the moment it reaches that step: no `finally`, no flush, no
database rollback, exactly as if the machine died there. `FLOWMARKET_ORACLE_CRASH_HOUR`
picks the hour (-1: the first hour that reaches the step).
"""

from __future__ import annotations

import logging
import os

from flowmarket.config import Settings
from flowmarket.errors import InvalidInput

CRASH_POINTS = ("after_snapshot", "after_solve", "after_send", "after_record")
KILLED_STATUS = 137

log = logging.getLogger("flowmarket.oracle")


def check_crash_setting(settings: Settings) -> None:
    if settings.oracle_crash_at and settings.oracle_crash_at not in CRASH_POINTS:
        raise InvalidInput(
            f"oracle_crash_at: {settings.oracle_crash_at!r} is not one of {', '.join(CRASH_POINTS)}"
        )


def crash_point(settings: Settings, step: str, *, hour: int) -> None:
    """Exit the process here when the fault-injection settings name this step and hour."""
    if settings.oracle_crash_at != step:
        return
    if settings.oracle_crash_hour not in (-1, hour):
        return
    log.warning("fault injection: crashing", extra={"hour": hour, "step": step})
    for handler in logging.getLogger().handlers:
        handler.flush()
    os._exit(KILLED_STATUS)
