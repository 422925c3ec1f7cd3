"""The per-hour journal: the steps an hour goes through and what each one stores.

    snapshotted  orders at the close, after the collateral rules; fee rate      (snapshot)
    cleared      the clearing result; results, positions and exact amounts     (solve)
    sent         the commit transaction's nonce, hash and signed bytes         (commit)
    committed    the block that holds it and the commitment                    (commit)
    published    commitment columns, proofs, publication file, requirements   (publish)

Each step reads only what earlier steps stored and writes its own output in one
database transaction together with the new step name, so a crash anywhere leaves the
hour at a step boundary and the next run resumes from there. `sent` is the one step
whose outcome is on the chain: its recovery asks the ledger (see `commit`).
"""

from __future__ import annotations

import time

from sqlmodel import Session

from flowmarket.db import oracle_repo
from flowmarket.db.oracle_tables import OracleHour
from flowmarket.errors import JournalError

SNAPSHOTTED = "snapshotted"
CLEARED = "cleared"
SENT = "sent"
COMMITTED = "committed"
PUBLISHED = "published"
STEPS = (SNAPSHOTTED, CLEARED, SENT, COMMITTED, PUBLISHED)
NEXT = {SNAPSHOTTED: (CLEARED,), CLEARED: (SENT,), SENT: (SENT, COMMITTED), COMMITTED: (PUBLISHED,)}


def advance(session: Session, row: OracleHour, step: str, *, commit: bool = True) -> OracleHour:
    """Move `row` to `step` (checked against the step order) and store it."""
    if step not in NEXT.get(row.step, ()):
        raise JournalError(f"hour {row.hour}: cannot go from step {row.step!r} to {step!r}")
    row.step = step
    row.updated_at = time.time()
    session.add(row)
    if commit:
        session.commit()
    return row


def load(session: Session, hour: int, *, light: bool = False) -> OracleHour | None:
    """Hour `hour`'s journal row; `light` defers its large documents (read the step and
    the transaction fields, or write, without decoding megabytes of JSON)."""
    return oracle_repo.journal_hour(session, hour=hour, light=light)


def is_done(row: OracleHour | None) -> bool:
    return row is not None and row.step == PUBLISHED
