"""Collateral rules (market.md §6), pure: requirements, warning states, order cutting.

Requirement of a participant, in capacity-token wei, from the governed parameters
(`MarketParameters.collateralParams`, basis points) and the previous hour's prices
(wei per GB, `flowmarket.money`):

    value(v)    = Σ_k |v_k| · |price_k|                        (v in GB/h, 18 decimals)
    requirement = ⌊value(position) · initialMarginBps / 10⁴⌋
                + ⌊value(position − expected) · deviationMarginBps / 10⁴⌋

`expected` is the position the participant reported (zero where it reported none).
Excess = collateral − requirement. A participant is *warned* when its excess is below
`warningBufferBps` of its requirement, and *below* when its excess is negative. For a
participant below zero, or restricted after a seizure, each order is cut to the part of
its curve that moves the participant towards balance (a flat position): along its
portfolio w an order trades x, changing the position p by w·x, so it may trade only
between 0 and x* = −(w·p)/(w·w), the point of the line closest to balance. An order
that cannot move the participant towards balance at all is removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from flowmarket.errors import InvalidOrder
from flowmarket.money import WAD, to_wad

BPS = 10_000
OK, WARNING, BELOW, RESTRICTED = "ok", "warning", "below", "restricted"


@dataclass(frozen=True)
class CollateralParams:
    """`IMarketParameters.CollateralParams`, basis points."""

    initial_margin_bps: int
    deviation_margin_bps: int
    warning_buffer_bps: int


@dataclass(frozen=True)
class CollateralState:
    """One participant's collateral position, wei; state is ok/warning/below/restricted."""

    participant: str
    collateral: int
    requirement: int
    state: str

    @property
    def excess(self) -> int:
        return self.collateral - self.requirement

    @property
    def must_cut(self) -> bool:
        return self.state in (BELOW, RESTRICTED)


def value_of(quantities: Mapping[str, float], prices: Mapping[str, int]) -> int:
    """Σ |q_k| · |price_k| in wei (q in GB/h, prices wei per GB; unpriced products 0)."""
    exact = sum(abs(to_wad(q)) * abs(prices.get(k, 0)) for k, q in quantities.items())
    return exact // WAD


def requirement(
    position: Mapping[str, float],
    expected: Mapping[str, float],
    prices: Mapping[str, int],
    params: CollateralParams,
) -> int:
    """The collateral requirement in wei (formula in the module docstring)."""
    products = set(position) | set(expected)
    deviation = {k: position.get(k, 0.0) - expected.get(k, 0.0) for k in products}
    return (
        value_of(position, prices) * params.initial_margin_bps // BPS
        + value_of(deviation, prices) * params.deviation_margin_bps // BPS
    )


def classify(
    participant: str, *, collateral: int, required: int, params: CollateralParams, restricted: bool
) -> CollateralState:
    excess = collateral - required
    if restricted:
        state = RESTRICTED
    elif excess < 0:
        state = BELOW
    elif excess < required * params.warning_buffer_bps // BPS:
        state = WARNING
    else:
        state = OK
    return CollateralState(participant, collateral, required, state)


def towards_balance(
    position: Mapping[str, float], portfolio: Mapping[str, float]
) -> tuple[float, float]:
    """The trade range [lo, hi] (GB/h of the portfolio, lo ≤ 0 ≤ hi) that never moves
    `position` away from balance: between 0 and x* = −(w·p)/(w·w)."""
    dot = sum(w * position.get(k, 0.0) for k, w in portfolio.items())
    norm = sum(w * w for w in portfolio.values())
    if norm == 0.0 or dot == 0.0:
        return 0.0, 0.0
    target = -dot / norm
    return min(0.0, target), max(0.0, target)


def clip_curve(curve: Sequence[Sequence[float]], lo: float, hi: float) -> list[list[float]] | None:
    """The piecewise-linear curve restricted to quantities in [lo, hi]; None when less than
    a segment is left. Points are (GB/h, price), price strictly decreasing in quantity."""
    points = sorted((float(q), float(p)) for q, p in curve)
    start, end = max(lo, points[0][0]), min(hi, points[-1][0])
    if not start < end:
        return None
    kept = [[q, p] for q, p in points if start < q < end]
    return [[start, _price_at(points, start)], *kept, [end, _price_at(points, end)]]


def _price_at(points: Sequence[tuple[float, float]], q: float) -> float:
    for (q0, p0), (q1, p1) in pairwise(points):
        if q0 <= q <= q1:
            if q == q0:
                return p0
            if q == q1:
                return p1
            return p0 + (p1 - p0) * (q - q0) / (q1 - q0)
    raise InvalidOrder(f"curve: quantity {q} is outside the curve")


def cut_orders(
    orders_doc: Mapping[str, Any],
    *,
    cut: Mapping[str, Mapping[str, float]],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Apply the cutting rule to an ORDERS.json document.

    cut: {participant: position {product: GB/h}} for every participant to cut.
    Returns (the new document, {order id: "clipped" | "removed"}). Orders of other
    participants are unchanged; the input is not modified.
    """
    out_orders: list[dict[str, Any]] = []
    changes: dict[str, str] = {}
    for order in orders_doc["orders"]:
        position = cut.get(order["participant"])
        if position is None:
            out_orders.append(dict(order))
            continue
        lo, hi = towards_balance(position, order["portfolio"])
        clipped = clip_curve(order["curve"], lo, hi)
        if clipped is None:
            changes[order["id"]] = "removed"
            continue
        if clipped != [[float(q), float(p)] for q, p in sorted(order["curve"])]:
            changes[order["id"]] = "clipped"
        out_orders.append({**order, "curve": clipped})
    return {**orders_doc, "orders": out_orders}, changes
