"""The arbitrageur: trades region spreads back towards their average.

For each pair of regions (A, B) and each type, and each delivery hour d up to
`hours_ahead` ahead (real time included), it trades the spread portfolio
{A(d): +1, B(d): −1}: long A, short B, priced π_A − π_B. Its fair value f is the
mean of the last prices of that spread over all delivery hours it trades (the
spread term structure mean-reverts; a deviation at one hour is an opportunity).
Its target spread position is clip(L·(f − s)/w, −L, L) at spread price s, w =
`band` × the pair's mean price level, L the position limit; the order trades
from the current position x (its position in leg A, GB/h) to that target:
points (−L − x, f + w), (L − x, f − w). Without prices for both legs it waits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowmarket.agents.base import MarketView, Order, make_order
from flowmarket.catalogue import Kind, ProductKey


@dataclass(frozen=True)
class Arbitrageur:
    """pairs: disjoint (region A, region B); limit: GB/h per spread; band: fraction of price."""

    name: str
    pairs: tuple[tuple[str, str], ...]
    types: tuple[str, ...]
    limit: float = 40.0
    hours_ahead: int = 24
    band: float = 0.25

    def _spread_orders(self, view: MarketView, a: str, b: str, type_: str) -> list[Order]:
        h = view.hour
        hours = np.arange(h, h + min(self.hours_ahead, view.spec.horizons.hourly_window))
        legs, spreads, levels = [], [], []
        for d in hours:
            kind = Kind.REAL_TIME if d == h else Kind.HOURLY
            name_a = ProductKey(kind, a, type_, int(d)).name
            name_b = ProductKey(kind, b, type_, int(d)).name
            pa, pb = view.last_price(name_a), view.last_price(name_b)
            if pa is not None and pb is not None:
                legs.append((int(d), name_a, name_b))
                spreads.append(pa - pb)
                levels.append(0.5 * (abs(pa) + abs(pb)))
        if len(legs) < 2:
            return []
        fair = float(np.mean(spreads))
        width = self.band * max(float(np.mean(levels)), 1e-6)
        held = view.holdings.held(a, type_, np.array([d for d, _, _ in legs], dtype=np.int64))
        out = []
        for (_, name_a, name_b), x in zip(legs, held, strict=True):
            limit = max(self.limit, abs(float(x)) + 1e-6)
            points = [(-limit - x, fair + width), (limit - x, fair - width)]
            key = f"{name_a}-vs-{name_b.split(':')[1]}"
            out.append(make_order(self.name, key, {name_a: 1.0, name_b: -1.0}, points))
        return out

    def orders(self, view: MarketView) -> list[Order]:
        out: list[Order] = []
        for a, b in self.pairs:
            for type_ in self.types:
                out += self._spread_orders(view, a, b, type_)
        return out
