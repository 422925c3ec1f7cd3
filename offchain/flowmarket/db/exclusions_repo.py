"""Orders the oracle left out of an hour, with the reason (`OrderExclusion`)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, col, select

from flowmarket.db.oracle_tables import OrderExclusion


def exclusion_rows(
    hour: int, *, stage: str, reasons: Mapping[str, str], owners: Mapping[str, str]
) -> list[OrderExclusion]:
    """Rows for `reasons` {order id: reason}; owners: order id → participant address."""
    return [
        OrderExclusion(
            hour=hour,
            order_hash=order_id,
            participant=owners[order_id],
            stage=stage,
            reason=reason[:1024],
        )
        for order_id, reason in sorted(reasons.items())
    ]


def hour_exclusions(session: Session, *, hour: int) -> list[OrderExclusion]:
    query = (
        select(OrderExclusion)
        .where(OrderExclusion.hour == hour)
        .order_by(col(OrderExclusion.order_hash))
    )
    return list(session.exec(query))
