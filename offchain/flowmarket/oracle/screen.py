"""Step 1b of an hour: leave out the standing orders the governed limits or their
participant's collateral do not allow (`order_limits`), with the reason.

Orders are taken oldest first (the order `orders_repo.standing_orders` reads them), so
when a participant's orders together exceed its rate or its collateral, the ones it
placed first stand and the later ones are left out: the same rule the API applies when
an order arrives, now with the limits, collateral and prices of the close. Participants
the collateral rule cuts (below their requirement, or restricted) are not checked
against their collateral: their orders may only move them towards balance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flowmarket.collateral import CollateralParams
from flowmarket.order_limits import (
    Breach,
    OrderLimits,
    OrderRisk,
    collateral_breach,
    rate_breach,
    worst_case,
)
from flowmarket.orders import SignedOrder, order_breach, risk_parts
from flowmarket.states import Exclusion


@dataclass(frozen=True)
class Books:
    """What the screen reads per participant: its requirement now (the collateral rule's,
    owed cash included) and its collateral {participant: wei}; last prices wei/GB."""

    requirements: Mapping[str, int]
    collateral: Mapping[str, int]
    prices: Mapping[str, int]
    exempt: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Screened:
    """The orders that stand, and {order hash: (stage, reason)} for those left out."""

    kept: list[SignedOrder]
    excluded: dict[str, tuple[Exclusion, str]]


def screen_orders(
    orders: Sequence[SignedOrder], *, limits: OrderLimits, params: CollateralParams, books: Books
) -> Screened:
    """Apply the order limits, the participant rate and the worst-case collateral check."""
    kept: list[SignedOrder] = []
    excluded: dict[str, tuple[Exclusion, str]] = {}
    rates: dict[str, float] = {}
    exposures: dict[str, int] = {}
    for order in orders:
        who = order.participant
        parts = risk_parts(order)
        stage, breach = Exclusion.ORDER_LIMITS, order_breach(order, parts, limits)
        risk = OrderRisk.of_parts(parts) if breach is None else None
        rate = 0.0 if risk is None else risk.rate
        exposure = 0
        if risk is not None:
            stage, breach = (
                Exclusion.PARTICIPANT_RATE,
                rate_breach(rates.get(who, 0.0), rate, limits),
            )
        if risk is not None and breach is None and who not in books.exempt:
            exposure = risk.exposure(books.prices)
            total = worst_case(books.requirements[who], exposures.get(who, 0) + exposure, params)
            stage, breach = Exclusion.COLLATERAL, collateral_breach(books.collateral[who], total)
        if breach is not None:
            excluded[order.order_hash] = (stage, _sentence(breach))
            continue
        rates[who] = rates.get(who, 0.0) + rate
        exposures[who] = exposures.get(who, 0) + exposure
        kept.append(order)
    return Screened(kept, excluded)


def _sentence(breach: Breach) -> str:
    return f"{breach.field}: {breach.reason}"
