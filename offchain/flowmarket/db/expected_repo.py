"""Repository functions for participants' signed expected-position reports.

`record_report` stores a report and applies its quantities to `expected_positions` (the
table the oracle's collateral rule reads) in one transaction, after raising the
participant's report nonce with a compare-and-set, so that of two concurrent reports
the one with the higher nonce always wins and a stale or replayed one changes nothing.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flowmarket.db.expected_tables import ExpectedReport, ExpectedReportNonce
from flowmarket.db.oracle_tables import ExpectedPosition
from flowmarket.errors import Conflict

_ATTEMPTS = 3


def last_nonce(session: Session, *, participant: str) -> int | None:
    """The participant's highest accepted report nonce, or None before its first report."""
    row = session.get(ExpectedReportNonce, participant)
    return None if row is None else row.last_nonce


def get_report(session: Session, *, report_hash: str) -> ExpectedReport | None:
    return session.get(ExpectedReport, report_hash)


def current_positions(session: Session, *, participant: str) -> list[ExpectedPosition]:
    """The participant's expected positions as the oracle reads them, by product name."""
    query = (
        select(ExpectedPosition)
        .where(ExpectedPosition.participant == participant)
        .order_by(col(ExpectedPosition.product))
    )
    return list(session.exec(query))


def _raise_nonce(session: Session, *, participant: str, nonce: int) -> bool:
    """Set the participant's last nonce to `nonce` if it is higher; False otherwise."""
    statement = (
        update(ExpectedReportNonce)
        .where(
            col(ExpectedReportNonce.participant) == participant,
            col(ExpectedReportNonce.last_nonce) < nonce,
        )
        .values(last_nonce=nonce)
    )
    for _ in range(_ATTEMPTS):
        if session.connection().execute(statement).rowcount == 1:
            return True
        row = session.get(ExpectedReportNonce, participant, populate_existing=True)
        if row is None:
            session.add(ExpectedReportNonce(participant=participant, last_nonce=nonce))
            session.flush()  # a concurrent first report makes this an IntegrityError: retried
            return True
        if row.last_nonce >= nonce:
            return False
        # The row was committed between the two statements (PostgreSQL, read committed):
        # update it again, now that it is visible.
    return False


def _apply(session: Session, report: ExpectedReport) -> None:
    """Overwrite the reported products' rows; a quantity of 0 removes the row."""
    session.connection().execute(
        delete(ExpectedPosition).where(
            col(ExpectedPosition.participant) == report.participant,
            col(ExpectedPosition.product).in_(list(report.positions)),
        )
    )
    session.add_all(
        ExpectedPosition(
            participant=report.participant,
            product=product,
            quantity=quantity,
            reported_at=report.reported_at,
        )
        for product, quantity in report.positions.items()
        if quantity != 0.0
    )


def record_report(session: Session, *, report: ExpectedReport) -> tuple[ExpectedReport, bool]:
    """Store `report` and apply it; returns (the stored report, duplicate).

    The same report again (same id) returns the stored one with duplicate=True and
    changes nothing. Raises Conflict ("report.nonce") when the nonce is not above the
    participant's last accepted report nonce.
    """
    for _ in range(_ATTEMPTS):
        stored = session.get(ExpectedReport, report.report_hash)
        if stored is not None:
            return stored, True
        try:
            if not _raise_nonce(session, participant=report.participant, nonce=report.nonce):
                session.rollback()
                stored = session.get(ExpectedReport, report.report_hash)
                if stored is not None:  # the same report, committed meanwhile
                    return stored, True
                last = last_nonce(session, participant=report.participant)
                raise Conflict(
                    "report.nonce",
                    f"{report.nonce} was already used or is stale: the last accepted report "
                    f"nonce is {last}; sign the report again with a nonce above it",
                )
            session.add(report)
            _apply(session, report)
            session.commit()
        except IntegrityError:
            session.rollback()  # a concurrent report with this id or this first nonce
            continue
        session.refresh(report)
        return report, False
    raise Conflict("report.nonce", f"{report.nonce}: concurrent reports; retry")
