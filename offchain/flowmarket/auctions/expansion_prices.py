"""Prices and payments of a selected expansion: the lowest uniform price per unit of
capacity on each leg that recovers the built alternative's cost.

Given the built alternatives and the winning packages, leg l sells
sold_l = Σ_{winners} d_{j,l}; its price is P_l = K_l / sold_l (cost per unit sold;
0 on a leg built at no cost). A winner pays Σ_l P_l · d_{j,l}. Checked here in exact
rational arithmetic, the selection is *priced* when

- capacity: sold_l ≤ Q_l on every leg (no winner uses a leg that is not built);
- cost recovery: every built leg with a positive cost sells something, so its
  revenue P_l · sold_l equals K_l exactly;
- individual rationality: every winner's payment is at most its bid.

Payments in wei follow `money.cost_shares` (each leg's payments sum to exactly its
cost, nobody pays above its bid).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from flowmarket.auctions.expansion_milp import Selection
from flowmarket.auctions.expansion_spec import ExpansionSpec, PackageBid
from flowmarket.money import WAD, cost_shares


@dataclass(frozen=True)
class LegOutcome:
    """A leg's result: the alternative built (index, or None), capacity (10⁻¹⁸ GB/h) and
    cost (wei) built, capacity sold, and the price in wei per GB/h (exact)."""

    leg: str
    alternative: int | None
    capacity: int
    cost: int
    sold: int
    price: Fraction


@dataclass(frozen=True)
class PackageAward:
    bidder: str
    capacities: Mapping[str, int]
    payment: int
    bid: int


@dataclass(frozen=True)
class ExpansionResult:
    """legs: each leg's outcome; awards: the winners; in_the_money: losing bidders whose
    package uses only built legs and whose bid covers its price at the final prices
    (uniform prices with lumpy costs cannot always clear everyone who would pay them)."""

    legs: tuple[LegOutcome, ...]
    awards: tuple[PackageAward, ...]
    in_the_money: tuple[str, ...] = ()

    @property
    def surplus(self) -> int:
        """As-bid surplus in wei: winning bids minus built costs."""
        return sum(a.bid for a in self.awards) - sum(leg.cost for leg in self.legs)

    @property
    def total_payments(self) -> int:
        return sum(a.payment for a in self.awards)


def leg_outcomes(
    spec: ExpansionSpec, bids: Sequence[PackageBid], selection: Selection
) -> tuple[LegOutcome, ...]:
    """Sold capacity and exact prices per leg; a built leg that sells nothing at no cost
    is reported as not built."""
    out = []
    for leg in spec.legs:
        sold = sum(bids[j].capacities.get(leg.name, 0) for j in selection.winners)
        index = selection.built.get(leg.name)
        if index is None or (sold == 0 and leg.alternatives[index].cost == 0):
            out.append(LegOutcome(leg.name, None, 0, 0, sold, Fraction(0)))
            continue
        alt = leg.alternatives[index]
        price = Fraction(alt.cost * WAD, sold) if sold else Fraction(0)
        out.append(LegOutcome(leg.name, index, alt.capacity, alt.cost, sold, price))
    return tuple(out)


def priced(legs: Sequence[LegOutcome], bids: Sequence[PackageBid], winners: Sequence[int]) -> bool:
    """True when the selection meets capacity, cost recovery and individual rationality."""
    by_leg = {leg.leg: leg for leg in legs}
    for leg in legs:
        if leg.sold > leg.capacity or (leg.cost > 0 and leg.sold == 0):
            return False
    for j in winners:
        pay = sum(by_leg[n].price * d for n, d in bids[j].capacities.items()) / WAD
        if pay > bids[j].amount:
            return False
    return True


def in_the_money_losers(
    legs: Sequence[LegOutcome], bids: Sequence[PackageBid], winners: Sequence[int]
) -> tuple[str, ...]:
    """Losing bidders whose package, on built legs only, is priced at most at its bid."""
    by_leg = {leg.leg: leg for leg in legs}
    won = set(winners)
    out = []
    for j, bid in enumerate(bids):
        if j in won or any(by_leg[n].alternative is None for n in bid.capacities):
            continue
        if sum(by_leg[n].price * d for n, d in bid.capacities.items()) / WAD <= bid.amount:
            out.append(bid.bidder)
    return tuple(sorted(out))


def payments(
    legs: Sequence[LegOutcome], bids: Sequence[PackageBid], winners: Sequence[int]
) -> tuple[PackageAward, ...]:
    """Each winner's payment in wei: per leg, `money.cost_shares` of the leg's cost."""
    paid = {bids[j].bidder: 0 for j in winners}
    amount = {bids[j].bidder: bids[j].amount for j in winners}
    for leg in legs:
        on = {
            bids[j].bidder: bids[j].capacities[leg.leg]
            for j in winners
            if leg.leg in bids[j].capacities
        }
        if leg.cost == 0 or not on:
            continue
        room = {b: amount[b] - paid[b] for b in on}
        for bidder, share in cost_shares(leg.cost, on, room).items():
            paid[bidder] += share
    return tuple(
        PackageAward(bids[j].bidder, dict(bids[j].capacities), paid[bids[j].bidder], bids[j].amount)
        for j in sorted(winners, key=lambda j: bids[j].bidder)
    )
