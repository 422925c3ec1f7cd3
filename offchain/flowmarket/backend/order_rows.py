"""A stored order row as the API reports it: its status now and its `OrderOut`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select as sa_select
from sqlmodel import Session

from flowmarket.api.schemas import OrderOut, OutcomeOut
from flowmarket.db.models import HourOrder, Order
from flowmarket.db.results_repo import table_of
from flowmarket.states import OrderStatus


def order_status(row: Order, *, open_hour: int, min_nonce: int) -> OrderStatus:
    """The first that applies: replaced, cancelled, invalidated, expired, else open."""
    if row.replaced_by is not None:
        return OrderStatus.REPLACED
    if row.cancelled_at is not None:
        return OrderStatus.CANCELLED
    if row.nonce < min_nonce:
        return OrderStatus.INVALIDATED
    if row.until_hour < open_hour:
        return OrderStatus.EXPIRED
    return OrderStatus.OPEN


def order_out(
    row: Order, *, open_hour: int, min_nonce: int, outcomes: Sequence[OutcomeOut] = ()
) -> OrderOut:
    stored = row.model_dump(include=set(OrderOut.model_fields) - {"outcomes"})
    return OrderOut(
        **stored,
        status=order_status(row, open_hour=open_hour, min_nonce=min_nonce),
        outcomes=list(outcomes),
    )


def outcomes_of(session: Session, rows: Sequence[Order]) -> dict[str, list[OutcomeOut]]:
    """{order hash: its cleared hours, oldest first} for the non-convex and portfolio
    orders of `rows` (a portfolio order's with the rate of each of its portfolios)."""
    hashes = [row.order_hash for row in rows if row.terms is not None or row.portfolios]
    out: dict[str, list[OutcomeOut]] = {h: [] for h in hashes}
    t = table_of(HourOrder).c
    for start in range(0, len(hashes), 500):
        query = (
            sa_select(t.order_hash, t.hour, t.accepted, t.quantity, t.portfolio_rates)
            .where(t.order_hash.in_(hashes[start : start + 500]))
            .order_by(t.hour)
        )
        for order_hash, hour, accepted, quantity, rates in session.connection().execute(query):
            out[order_hash].append(
                OutcomeOut(hour=hour, accepted=accepted, quantity=quantity, portfolios=rates)
            )
    return out
