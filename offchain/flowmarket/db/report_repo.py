"""Read-only queries of `flowmarket report`: a range of cleared hours in bulk.

Every function reads; nothing here writes. Hours are the market's hour indices, ranges
are inclusive, results are ordered by hour. Columns are selected explicitly where rows
carry large payloads (Merkle proofs, engine documents) that a report does not need.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from flowmarket.db.models import HourOrder, HourParticipant, HourProduct, HourResult
from flowmarket.db.oracle_tables import OracleAlert, OracleHour, OracleHourAmount, OracleWeek

ProductRow = tuple[int, str, float, float, float]
ParticipantRow = tuple[int, str, dict[str, float], float]
CollateralRow = tuple[int, int, dict[str, Any]]


def hour_bounds(session: Session) -> tuple[int, int] | None:
    """(first, last) cleared hour, or None when nothing has been cleared."""
    low, high = session.exec(select(func.min(HourResult.hour), func.max(HourResult.hour))).one()
    return None if low is None or high is None else (int(low), int(high))


def hour_results(session: Session, *, first: int, last: int) -> list[HourResult]:
    query = (
        select(HourResult)
        .where(HourResult.hour >= first, HourResult.hour <= last)
        .order_by(col(HourResult.hour))
    )
    return list(session.exec(query))


def product_rows(session: Session, *, first: int, last: int) -> list[ProductRow]:
    """(hour, product, price, volume, slope) of every cleared product in the range."""
    table = HourProduct.__table__.c  # type: ignore[attr-defined]
    query = (
        sa_select(table.hour, table.product, table.price, table.volume, table.slope)
        .where(col(HourProduct.hour) >= first, col(HourProduct.hour) <= last)
        .order_by(col(HourProduct.hour), col(HourProduct.product))
    )
    return [
        (int(h), str(p), float(pr), float(v), float(s)) for h, p, pr, v, s in session.execute(query)
    ]


def participant_rows(session: Session, *, last: int) -> list[ParticipantRow]:
    """(hour, participant, trades {product: GB/h}, cash tokens) of every hour up to `last`
    (from the first hour: positions accumulate from the start)."""
    query = (
        select(
            HourParticipant.hour,
            HourParticipant.participant,
            HourParticipant.trades,
            HourParticipant.cash,
        )
        .where(HourParticipant.hour <= last)
        .order_by(col(HourParticipant.hour), col(HourParticipant.participant))
    )
    return [(int(h), str(p), dict(t), float(c)) for h, p, t, c in session.exec(query)]


def distinct_orders(session: Session, *, first: int, last: int) -> int:
    """How many different orders stood in at least one hour of the range."""
    query = select(func.count(func.distinct(HourOrder.order_hash))).where(
        HourOrder.hour >= first, HourOrder.hour <= last
    )
    return int(session.exec(query).one())


def collateral_rows(session: Session, *, first: int, last: int) -> list[CollateralRow]:
    """(hour, fee_bps, collateral document) of every journaled hour in the range."""
    query = (
        select(OracleHour.hour, OracleHour.fee_bps, OracleHour.collateral)
        .where(OracleHour.hour >= first, OracleHour.hour <= last)
        .order_by(col(OracleHour.hour))
    )
    return [(int(h), int(f), dict(c)) for h, f, c in session.exec(query)]


def engine_document(session: Session, *, hour: int) -> dict[str, Any] | None:
    """The order book the oracle cleared in `hour` (after the collateral rules)."""
    query = select(OracleHour.engine_doc).where(OracleHour.hour == hour)
    document = session.exec(query).first()
    return None if document is None else dict(document)


def hour_amounts(session: Session, *, first: int, last: int) -> list[OracleHourAmount]:
    query = (
        select(OracleHourAmount)
        .where(OracleHourAmount.hour >= first, OracleHourAmount.hour <= last)
        .order_by(col(OracleHourAmount.hour), col(OracleHourAmount.participant))
    )
    return list(session.exec(query))


def weeks(session: Session) -> list[OracleWeek]:
    return list(session.exec(select(OracleWeek).order_by(col(OracleWeek.week))))


def alerts(session: Session, *, first: int, last: int) -> list[OracleAlert]:
    """Alerts raised for an hour of the range, oldest first."""
    query = (
        select(OracleAlert)
        .where(col(OracleAlert.hour).is_not(None))
        .where(col(OracleAlert.hour) >= first, col(OracleAlert.hour) <= last)
        .order_by(col(OracleAlert.id))
    )
    return list(session.exec(query))
