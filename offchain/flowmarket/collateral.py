"""The collateral rule (market.md §6), pure: requirements, states, order cutting.

The one definition of the rule: the oracle applies it before clearing
(`oracle.snapshot`) and posts the requirements (`oracle.publish`); the participant page
shows the same state and message (`backend.governance_view`); reports plot it.

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
from flowmarket.money import BPS_DENOMINATOR, WAD, from_wad, to_wad_many
from flowmarket.states import CollateralStatus, OrderCut


@dataclass(frozen=True)
class CollateralParams:
    """`IMarketParameters.CollateralParams`, basis points."""

    initial_margin_bps: int
    deviation_margin_bps: int
    warning_buffer_bps: int

    @classmethod
    def from_chain(cls, raw: Sequence[Any]) -> CollateralParams:
        """From `MarketParameters.collateralParams()`'s tuple, in declaration order."""
        return cls(int(raw[0]), int(raw[1]), int(raw[2]))


@dataclass(frozen=True)
class CollateralState:
    """One participant's collateral against its requirement, wei, and what that makes it."""

    participant: str
    collateral: int
    requirement: int
    state: CollateralStatus
    warning_trigger: int  # excess below this (wei) warns: warning_buffer_bps of requirement
    warning_buffer_bps: int

    @property
    def excess(self) -> int:
        return self.collateral - self.requirement

    @property
    def must_cut(self) -> bool:
        return self.state.cuts_orders

    @property
    def message(self) -> str:
        """What the participant is told (amounts in tokens)."""
        if self.state == CollateralStatus.RESTRICTED:
            return (
                "restricted after collateral was seized for an unpaid settlement: orders that "
                "move you to a less balanced position are cut before clearing"
            )
        if self.state == CollateralStatus.BELOW:
            return (
                f"collateral is {from_wad(-self.excess):g} tokens below the requirement: orders "
                "that move you to a less balanced position will be cut before clearing"
            )
        if self.state == CollateralStatus.WARNING:
            return (
                f"excess collateral {from_wad(self.excess):g} tokens is below the warning "
                f"trigger {from_wad(self.warning_trigger):g} "
                f"({self.warning_buffer_bps / 100:g} % of the requirement): deposit more"
            )
        return "collateral covers the requirement and the warning buffer"


def value_of(quantities: Mapping[str, float], prices: Mapping[str, int]) -> int:
    """Σ |q_k| · |price_k| in wei (q in GB/h, prices wei per GB; unpriced products 0)."""
    wads = to_wad_many(list(quantities.values()))
    exact = sum(abs(q) * abs(prices.get(k, 0)) for k, q in zip(quantities, wads, strict=True))
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
        value_of(position, prices) * params.initial_margin_bps // BPS_DENOMINATOR
        + value_of(deviation, prices) * params.deviation_margin_bps // BPS_DENOMINATOR
    )


def classify(
    participant: str, *, collateral: int, required: int, params: CollateralParams, restricted: bool
) -> CollateralState:
    """Restricted (after a seizure) whatever its collateral; else below when the excess
    collateral − required (wei) is negative; else warning when the excess is below the
    trigger ⌊required · warningBufferBps / 10⁴⌋; else ok."""
    excess = collateral - required
    trigger = required * params.warning_buffer_bps // BPS_DENOMINATOR
    if restricted:
        state = CollateralStatus.RESTRICTED
    elif excess < 0:
        state = CollateralStatus.BELOW
    elif excess < trigger:
        state = CollateralStatus.WARNING
    else:
        state = CollateralStatus.OK
    return CollateralState(
        participant, collateral, required, state, trigger, params.warning_buffer_bps
    )


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
    a segment is left. Points are (GB/h, price), price never increasing in quantity."""
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
) -> tuple[dict[str, Any], dict[str, OrderCut]]:
    """Apply the cutting rule to an ORDERS.json document.

    cut: {participant: position {product: GB/h}} for every participant to cut.
    Returns (the new document, {order id: "clipped" | "removed"}). Orders of other
    participants are unchanged; the input is not modified. A clipped order keeps the
    curve it was signed with as `signed_curve` (its fill leaf commits that curve and the
    window [first, last quantity of the clipped curve], which always contains 0). A
    non-convex order (one with a `kind`, docs/nonconvex.md) of a participant to cut is
    removed: its decision set (a block, a minimum fill, a start-up) cannot be clipped
    towards balance; so is a portfolio order (docs/portfolios.md): its portfolios' rates
    are not one direction.
    """
    out_orders: list[dict[str, Any]] = []
    changes: dict[str, OrderCut] = {}
    for order in orders_doc["orders"]:
        position = cut.get(order["participant"])
        if position is None:
            out_orders.append(dict(order))
            continue
        if order.get("kind", "curve") != "curve" or "portfolios" in order:
            changes[order["id"]] = OrderCut.REMOVED
            continue
        lo, hi = towards_balance(position, order["portfolio"])
        clipped = clip_curve(order["curve"], lo, hi)
        if clipped is None:
            changes[order["id"]] = OrderCut.REMOVED
            continue
        if clipped == [[float(q), float(p)] for q, p in sorted(order["curve"])]:
            out_orders.append(dict(order))
            continue
        changes[order["id"]] = OrderCut.CLIPPED
        out_orders.append({**order, "curve": clipped, "signed_curve": order["curve"]})
    return {**orders_doc, "orders": out_orders}, changes
