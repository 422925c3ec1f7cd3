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

Every change of step goes through `advance`, which checks it against
`states.JOURNAL_NEXT`; every read of a row a step needs goes through `require`, which
raises `JournalError` (never an `assert`) when the row or the document is missing.
"""

from __future__ import annotations

import time
from typing import cast

from sqlmodel import Session

from flowmarket.clearing import OrdersDoc, ResultDoc
from flowmarket.db import oracle_repo
from flowmarket.db.oracle_tables import OracleHour
from flowmarket.errors import JournalError
from flowmarket.states import JOURNAL_NEXT, JournalStep


def step_of(row: OracleHour) -> JournalStep:
    """The row's step as the enum; a value no step has is a `JournalError`."""
    try:
        return JournalStep(row.step)
    except ValueError:
        raise JournalError(f"hour {row.hour}: unknown journal step {row.step!r}") from None


def advance(
    session: Session, row: OracleHour, step: JournalStep, *, commit: bool = True
) -> OracleHour:
    """Move `row` to `step` (checked against `JOURNAL_NEXT`) and store it."""
    current = step_of(row)
    if step not in JOURNAL_NEXT[current]:
        raise JournalError(f"hour {row.hour}: cannot go from step '{current}' to '{step}'")
    row.step = step.value
    row.updated_at = time.time()
    session.add(row)
    if commit:
        session.commit()
    return row


def load(session: Session, hour: int, *, light: bool = False) -> OracleHour | None:
    """Hour `hour`'s journal row; `light` defers its large documents (read the step and
    the transaction fields, or write, without decoding megabytes of JSON)."""
    return oracle_repo.journal_hour(session, hour=hour, light=light)


def require(session: Session, hour: int, *, light: bool = False) -> OracleHour:
    """Hour `hour`'s journal row, which the calling step needs: `JournalError` if absent."""
    row = load(session, hour, light=light)
    if row is None:
        raise JournalError(f"hour {hour}: not in the journal")
    return row


def engine_doc_of(row: OracleHour) -> OrdersDoc:
    """The journaled engine document (stored by the snapshot step, from an `OrdersDoc`)."""
    return cast(OrdersDoc, row.engine_doc)


def result_of(row: OracleHour) -> ResultDoc:
    """The journaled RESULT document (stored by the solve step, from a `ResultDoc`)."""
    if row.result_doc is None:
        raise JournalError(f"hour {row.hour}: at step '{row.step}' but no clearing result")
    return cast(ResultDoc, row.result_doc)


def commitment_of(row: OracleHour) -> dict[str, str]:
    """The journaled commitment (stored by the commit step)."""
    if row.commitment is None:
        raise JournalError(f"hour {row.hour}: at step '{row.step}' but no commitment")
    return row.commitment
