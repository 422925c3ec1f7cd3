"""Standing orders: replace an order only when the agent's wanted curve really moved.

Orders persist from hour to hour (market.md §4). Each hour an agent states the
orders it wants; `diff_orders` compares them with what stands: new ids are
placed, ids no longer wanted are cancelled, and a standing order is replaced
only if its portfolio changed or a curve point moved by more than `tolerance`
× the curve's scale (largest |quantity|, largest |price|). A kept order is the
old one, so the book sent to clearing is exactly what stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flowmarket.agents.base import Order


@dataclass(frozen=True)
class BookChange:
    """What one agent's wanted orders change in the standing book."""

    placed: tuple[Order, ...]
    replaced: tuple[Order, ...]
    cancelled: tuple[str, ...]
    kept: int


def _moved(old: Order, new: Order, tolerance: float) -> bool:
    if old["portfolio"] != new["portfolio"] or len(old["curve"]) != len(new["curve"]):
        return True
    q_scale = max(abs(q) for q, _ in new["curve"]) or 1.0
    p_scale = max(abs(p) for _, p in new["curve"]) or 1.0
    for (q0, p0), (q1, p1) in zip(old["curve"], new["curve"], strict=True):
        if abs(q1 - q0) > tolerance * q_scale or abs(p1 - p0) > tolerance * p_scale:
            return True
    return False


def diff_orders(
    standing: Mapping[str, Order], wanted: Sequence[Order], tolerance: float
) -> BookChange:
    """Changes from `standing` (one participant's orders by id) to `wanted`."""
    placed, replaced = [], []
    seen = set()
    kept = 0
    for order in wanted:
        seen.add(order["id"])
        old = standing.get(order["id"])
        if old is None:
            placed.append(order)
        elif _moved(old, order, tolerance):
            replaced.append(order)
        else:
            kept += 1
    cancelled = tuple(oid for oid in standing if oid not in seen)
    return BookChange(tuple(placed), tuple(replaced), cancelled, kept)


def apply_change(standing: dict[str, Order], change: BookChange) -> None:
    """Apply `change` to `standing` in place."""
    for oid in change.cancelled:
        del standing[oid]
    for order in (*change.placed, *change.replaced):
        standing[order["id"]] = order
