"""Storage of real-time delivery: usage reports, positions at delivery, settlements.

Amounts are Python integers here (10^-18 GB, wei) and decimal strings in the tables
(`usage_tables`). `store_usage` is the intake's one transaction: an hour that is final
(the clearing that settles it is stored) refuses reports, and a (hour, product,
participant) already reported accepts only the same quantity again (a duplicate that
changes nothing), so a retried or replayed report is never counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from flowmarket.db.models import HourProduct, HourResult
from flowmarket.db.usage_tables import DeliveryPosition, UsageReport, UsageSettlement
from flowmarket.errors import Conflict, FieldError


@dataclass(frozen=True)
class UsageBatch:
    """A verified batch: (product, participant, 10^-18 GB) entries of one delivery hour."""

    hour: int
    entries: tuple[tuple[str, str, int], ...]
    batch_hash: str
    operator: str
    signature: str


def is_final(session: Session, *, hour: int, lag: int) -> bool:
    """True once the clearing of hour + lag, which settles hour's usage, is stored."""
    return session.get(HourResult, hour + lag) is not None


def store_usage(
    session: Session, batch: UsageBatch, *, lag: int, reported_at: float
) -> tuple[list[UsageReport], bool]:
    """Store `batch` atomically; (its rows as stored, True when every entry was stored
    before with the same quantity). Conflict when the hour is final or an entry
    contradicts a stored one, FieldError when an entry's product was not cleared in the
    hour; nothing is written then."""
    if is_final(session, hour=batch.hour, lag=lag):
        raise Conflict(
            "report.hour",
            f"usage of hour {batch.hour} is final: it was settled in the clearing of hour "
            f"{batch.hour + lag}",
        )
    rows: list[UsageReport] = []
    new = False
    for k, (product, participant, quantity) in enumerate(batch.entries):
        if session.get(HourProduct, (batch.hour, product)) is None:
            raise FieldError(
                f"report.entries[{k}].product",
                f"{product} has no real-time price of hour {batch.hour}: not delivered yet, "
                "or not a listed product",
            )
        stored = session.get(UsageReport, (batch.hour, product, participant))
        if stored is not None:
            if int(stored.quantity) != quantity:
                raise Conflict(
                    f"report.entries[{k}].gb",
                    f"{participant} already has {stored.quantity} (10^-18 GB) of {product} "
                    "reported; a report is final once accepted",
                )
            rows.append(stored)
            continue
        new = True
        row = UsageReport(
            hour=batch.hour,
            product=product,
            participant=participant,
            quantity=str(quantity),
            batch_hash=batch.batch_hash,
            operator=batch.operator,
            signature=batch.signature,
            reported_at=reported_at,
        )
        session.add(row)
        rows.append(row)
    session.commit()
    return rows, not new


def unsettled_reports(session: Session, *, hour: int) -> list[UsageReport]:
    """Hour `hour`'s reports not settled yet, by product and participant."""
    query = (
        select(UsageReport)
        .where(UsageReport.hour == hour, col(UsageReport.settled_hour).is_(None))
        .order_by(col(UsageReport.product), col(UsageReport.participant))
    )
    return list(session.exec(query))


def add_delivery_positions(
    session: Session, *, hour: int, positions: Iterable[tuple[str, str, int]]
) -> None:
    """Record (product, participant, 10^-18 GB) positions at delivery; no commit."""
    session.add_all(
        DeliveryPosition(hour=hour, product=product, participant=participant, quantity=str(q))
        for product, participant, q in positions
        if q != 0
    )


def delivery_positions(session: Session, *, hour: int) -> dict[str, dict[str, int]]:
    """{product: {participant: 10^-18 GB}} held at delivery in hour `hour`."""
    out: dict[str, dict[str, int]] = {}
    for row in session.exec(select(DeliveryPosition).where(DeliveryPosition.hour == hour)):
        out.setdefault(row.product, {})[row.participant] = int(row.quantity)
    return out


def add_settlements(
    session: Session,
    rows: Sequence[UsageSettlement],
    reports: Sequence[UsageReport],
    *,
    settled_hour: int,
) -> None:
    """Store a metered hour's settlement and mark its reports settled; no commit."""
    session.add_all(rows)
    for report in reports:
        report.settled_hour = settled_hour
        session.add(report)


def settlements(
    session: Session, *, participant: str | None = None, hour: int | None = None
) -> list[UsageSettlement]:
    """Settled delivery rows, by hour, product and participant (filtered when given)."""
    query = select(UsageSettlement)
    if participant is not None:
        query = query.where(UsageSettlement.participant == participant)
    if hour is not None:
        query = query.where(UsageSettlement.hour == hour)
    order = (
        col(UsageSettlement.hour),
        col(UsageSettlement.product),
        col(UsageSettlement.participant),
    )
    return list(session.exec(query.order_by(*order)))
