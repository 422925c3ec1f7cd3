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
from flowmarket.memo import BoundedMemo, standing_memo
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
        judged = _judged(order, limits)
        stage, breach, risk = Exclusion.ORDER_LIMITS, judged.breach, judged.risk
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


@dataclass(frozen=True)
class _Judged:
    """An order against the order limits: the first limit it breaks, else its risk."""

    order: SignedOrder
    limits: OrderLimits
    breach: Breach | None
    risk: OrderRisk | None


# Keyed by the order object: the snapshot reads a standing order as the same object every
# hour (`orders_repo.standing_orders` remembers them), so its limits check and risk, 12 µs
# an order, are computed once while the limits stay, not every hour (bench/README.md). An
# entry holds its order, so no other object has that id while it is kept.
_JUDGED: BoundedMemo[int, _Judged] = standing_memo()


def _judged(order: SignedOrder, limits: OrderLimits) -> _Judged:
    seen = _JUDGED.get(id(order))
    if seen is not None and seen.order is order and seen.limits == limits:
        return seen
    parts = risk_parts(order)
    breach = order_breach(order, parts, limits)
    judged = _Judged(order, limits, breach, OrderRisk.of_parts(parts) if breach is None else None)
    _JUDGED.put(id(order), judged)
    return judged


def _sentence(breach: Breach) -> str:
    return f"{breach.field}: {breach.reason}"
