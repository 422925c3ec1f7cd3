"""A stored order row as the API reports it: its status now and its `OrderOut`."""

from __future__ import annotations

from flowmarket.api.schemas import OrderOut
from flowmarket.db.models import Order
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


def order_out(row: Order, *, open_hour: int, min_nonce: int) -> OrderOut:
    stored = row.model_dump(include=set(OrderOut.model_fields))
    return OrderOut(**stored, status=order_status(row, open_hour=open_hour, min_nonce=min_nonce))
