"""Rounds of the simultaneous ascending clock: aggregate demand, posted prices, the end.

Round t offers every product at an interval `[start, end]`. After it closes, per
product, with D(p) the sum of the bids' demands and S(p) the supply:

- D(end) > S(end): excess demand; the price keeps rising: the next round's interval
  is `[end, next_price(end)]` and the round's posted price is `end`.
- otherwise the posted price is the smallest p in `[start, end]` with D(p) ≤ S(p)
  (demand ≤ supply; D − S is a right-continuous step function that never rises, so
  it is `start` or one of the bids' or supply's price points), and the product waits
  at that price: the next interval is `[posted, posted]`. If later switching brings
  its demand above supply again, its price rises again from there.

The auction ends after the first round in which no product has excess demand at its
end price; the posted prices of that round are the clearing prices. Only the
aggregate demand at the end price is disclosed after a round (plus the posted price
and whether demand exceeded supply), never a bidder's own bid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flowmarket.auctions.clock_bids import ClockBid, RoundState
from flowmarket.auctions.clock_spec import ClockSpec
from flowmarket.auctions.steps import value_at


@dataclass(frozen=True)
class ProductRound:
    """One product in a closed round: prices wei per GB, quantities 10⁻¹⁸ GB."""

    product: str
    start: int
    end: int
    demand_at_end: int
    supply_at_end: int
    posted: int

    @property
    def excess(self) -> bool:
        return self.demand_at_end > self.supply_at_end


@dataclass(frozen=True)
class RoundOutcome:
    """A closed round: per product results, and the next round (None when it was final)."""

    state: RoundState
    products: tuple[ProductRound, ...]
    next: RoundState | None

    @property
    def final(self) -> bool:
        return self.next is None

    @property
    def posted(self) -> dict[str, int]:
        return {p.product: p.posted for p in self.products}


def first_round(spec: ClockSpec) -> RoundState:
    """Round 1: every product from its reserve price up one increment."""
    start = {p.name: p.reserve for p in spec.products}
    return RoundState(1, start, {n: spec.next_price(p) for n, p in start.items()})


def aggregate(bids: Mapping[str, ClockBid], product: str, price: int) -> int:
    """D(price): the sum of the bids' demands for `product` (10⁻¹⁸ GB)."""
    return sum(bid.quantity(product, price) for bid in bids.values())


def close_round(spec: ClockSpec, state: RoundState, bids: Mapping[str, ClockBid]) -> RoundOutcome:
    """Process round `state` with each bidder's effective bid ({bidder: bid})."""
    rows = tuple(_product_round(spec, state, name, bids) for name in spec.names)
    if not any(row.excess for row in rows):
        return RoundOutcome(state, rows, None)
    start = {row.product: row.posted for row in rows}
    end = {row.product: spec.next_price(row.end) if row.excess else row.posted for row in rows}
    return RoundOutcome(state, rows, RoundState(state.number + 1, start, end))


def _product_round(
    spec: ClockSpec, state: RoundState, name: str, bids: Mapping[str, ClockBid]
) -> ProductRound:
    supply = spec.product(name).supply
    start, end = state.start[name], state.end[name]
    demand_end = aggregate(bids, name, end)
    supply_end = value_at(supply, end, below=0)
    if demand_end > supply_end:
        posted = end
    else:
        candidates = {start, *(p for p, _ in supply if start < p <= end)}
        for bid in bids.values():
            candidates.update(p for p, _ in bid.demand.get(name, ()) if start < p <= end)
        # D − S never rises with the price: the first candidate that clears is the smallest.
        posted = next(
            p
            for p in sorted(candidates)
            if aggregate(bids, name, p) <= value_at(supply, p, below=0)
        )
    return ProductRound(name, start, end, demand_end, supply_end, posted)
