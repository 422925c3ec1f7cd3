"""Simulated clock-auction bidders (demo, tests, benchmarks): straightforward bidding.

A `ValueBidder` wants capacity in some products of a group at a linearly falling
marginal value: its k-th lot (k = 0, 1, ...) of product p is worth
`values[p] − slope · k` wei per GB, up to `max_lots` lots. In each round and group
it bids on the product with the largest surplus `value − start price` (switching
when another product of the group became the better deal), demanding at every price
of the round's interval the lots worth at least that price, capped by its eligibility
(the activity rule). Integers throughout, prices on the auction's tick grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flowmarket.auctions.clock_bids import MAX_POINTS_PER_PRODUCT, ClockBid, Eligibility, RoundState
from flowmarket.auctions.clock_spec import ClockSpec
from flowmarket.auctions.steps import Steps


@dataclass(frozen=True)
class ValueBidder:
    """values: {product: wei per GB of the first lot}; slope: wei per GB per lot."""

    bidder: str
    values: Mapping[str, int]
    slope: int
    max_lots: int

    def lots_at(self, product: str, price: int) -> int:
        """Lots worth at least `price`: min(max_lots, ⌊(v − price)/slope⌋ + 1), 0 above v."""
        value = self.values[product]
        if price > value:
            return 0
        return min(self.max_lots, (value - price) // self.slope + 1)

    def bid(
        self, spec: ClockSpec, state: RoundState, allowed: Eligibility, revision: int = 0
    ) -> ClockBid:
        """This round's bid: per group, a schedule for the best product (maybe none)."""
        demand: dict[str, Steps] = {}
        for group, names in spec.groups().items():
            wanted = [n for n in names if n in self.values and self.values[n] >= state.start[n]]
            if not wanted:
                continue
            best = max(wanted, key=lambda n: (self.values[n] - state.start[n], n))
            product = spec.product(best)
            cap = None if allowed is None else allowed.get(group, 0) // (product.points * spec.lot)
            steps = self._schedule(spec, best, state.start[best], state.end[best], cap)
            if steps[0][1] > 0:
                demand[best] = steps
        return ClockBid(self.bidder, spec.name, state.number, revision, demand)

    def _schedule(
        self, spec: ClockSpec, product: str, start: int, end: int, cap: int | None
    ) -> Steps:
        """Points (price, 10⁻¹⁸ GB) at the start price and wherever the lots drop."""

        def lots(price: int) -> int:
            n = self.lots_at(product, price)
            return n if cap is None else min(n, cap)

        points = [(start, lots(start) * spec.lot)]
        held = lots(start)
        while held > 0:
            # The first price on the tick grid at which the held-th lot is no longer worth it.
            limit = self.values[product] - self.slope * (held - 1)
            price = (limit // spec.tick + 1) * spec.tick
            if price > end:
                break
            held = lots(price)
            points.append((price, held * spec.lot))
        if len(points) > MAX_POINTS_PER_PRODUCT:
            points = points[: MAX_POINTS_PER_PRODUCT - 1] + points[-1:]
        return tuple(points)
