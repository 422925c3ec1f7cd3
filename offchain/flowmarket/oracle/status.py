"""The oracle's state as an operator reads it (`flowmarket status`), from the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.db import oracle_repo
from flowmarket.oracle.clock import OracleClock
from flowmarket.states import JournalStep


def oracle_status(engine: Engine, *, now: float, alerts: int = 10) -> dict[str, Any]:
    """last cleared / committed hour, the hour due now, lag (hours), in-flight hours,
    open settlement weeks and the latest alerts (warnings, RPC failures, defaults)."""
    with Session(engine) as session:
        row = oracle_repo.clock_row(session)
        clock = (
            None if row is None else OracleClock(row.genesis_hour, row.epoch_s, row.hour_length_s)
        )
        last_cleared = oracle_repo.latest_journal_hour(
            session,
            steps=(
                JournalStep.CLEARED,
                JournalStep.SENT,
                JournalStep.COMMITTED,
                JournalStep.PUBLISHED,
            ),
        )
        last_committed = oracle_repo.latest_journal_hour(
            session, steps=(JournalStep.COMMITTED, JournalStep.PUBLISHED)
        )
        unfinished = oracle_repo.unfinished_hours(session, finished=JournalStep.PUBLISHED)
        weeks = oracle_repo.open_weeks(session)
        recent = oracle_repo.recent_alerts(session, limit=alerts)
    due = None if clock is None else clock.last_closed_hour(now)
    if due is None or clock is None:
        lag = None
    else:
        lag = due - (clock.genesis_hour - 1 if last_committed is None else last_committed)
    return {
        "clock": None
        if clock is None
        else {
            "genesis_hour": clock.genesis_hour,
            "epoch_s": clock.epoch_s,
            "hour_length_s": clock.hour_length_s,
        },
        "last_cleared_hour": last_cleared,
        "last_committed_hour": last_committed,
        "due_hour": due,
        "lag_hours": lag,
        "in_flight": [{"hour": r.hour, "step": r.step, "tx_hash": r.tx_hash} for r in unfinished],
        "open_weeks": [{"week": w.week, "status": w.status, "root": w.root} for w in weeks],
        "warnings": [
            {"at": a.at, "hour": a.hour, "kind": a.kind, "message": a.message} for a in recent
        ],
    }
