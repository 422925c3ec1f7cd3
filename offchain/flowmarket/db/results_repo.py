"""Repository functions for cleared hours: public results, per-order and per-participant
entries, positions, and the commitment columns the oracle fills."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from flowmarket.db.models import HourOrder, HourParticipant, HourProduct, HourResult, Position


def store_hour(
    session: Session,
    *,
    result: HourResult,
    products: Sequence[HourProduct],
    orders: Sequence[HourOrder],
    participants: Sequence[HourParticipant],
) -> None:
    """Store one cleared hour and add its trades to positions, in one transaction."""
    session.add(result)
    session.add_all(products)
    session.add_all(orders)
    session.add_all(participants)
    for entry in participants:
        for product, quantity in entry.trades.items():
            position = session.get(Position, (entry.participant, product))
            if position is None:
                position = Position(
                    participant=entry.participant, product=product, quantity=0.0, updated_hour=0
                )
            position.quantity += quantity
            position.updated_hour = result.hour
            session.add(position)
    session.commit()


def get_hour(session: Session, *, hour: int) -> HourResult | None:
    return session.get(HourResult, hour)


def latest_hour(session: Session) -> int | None:
    value = session.exec(select(func.max(HourResult.hour))).one()
    return int(value) if value is not None else None


def hour_products(session: Session, *, hour: int) -> list[HourProduct]:
    query = select(HourProduct).where(HourProduct.hour == hour).order_by(col(HourProduct.product))
    return list(session.exec(query))


def hour_product(session: Session, *, hour: int, product: str) -> HourProduct | None:
    return session.get(HourProduct, (hour, product))


def hour_participant(session: Session, *, hour: int, participant: str) -> HourParticipant | None:
    return session.get(HourParticipant, (hour, participant))


def prices_before(session: Session, *, hour: int) -> dict[str, float]:
    """Prices of the latest cleared hour before `hour` ({} when none)."""
    previous = session.exec(select(func.max(HourResult.hour)).where(HourResult.hour < hour)).one()
    if previous is None:
        return {}
    return {row.product: row.price for row in hour_products(session, hour=int(previous))}


def positions(session: Session, *, participant: str) -> list[Position]:
    query = (
        select(Position).where(Position.participant == participant).order_by(col(Position.product))
    )
    return list(session.exec(query))


def participant_history(
    session: Session, *, participant: str, limit: int = 10_000
) -> list[HourParticipant]:
    """The participant's entries per cleared hour, oldest first."""
    query = (
        select(HourParticipant)
        .where(HourParticipant.participant == participant)
        .order_by(col(HourParticipant.hour))
        .limit(limit)
    )
    return list(session.exec(query))


def participant_order_fills(session: Session, *, participant: str) -> list[HourOrder]:
    query = (
        select(HourOrder)
        .where(HourOrder.participant == participant)
        .order_by(col(HourOrder.hour), col(HourOrder.order_hash))
    )
    return list(session.exec(query))


def accumulated_cash(session: Session, *, participant: str, until_hour: int | None = None) -> float:
    """Sum of the participant's cash flows (capacity tokens; negative = pays)."""
    query = select(func.coalesce(func.sum(HourParticipant.cash), 0.0)).where(
        HourParticipant.participant == participant
    )
    if until_hour is not None:
        query = query.where(HourParticipant.hour <= until_hour)
    return float(session.exec(query).one())
