"""The term arbitrageur: holds an annual forward at the sum of its months.

While a year's twelve monthly forwards are listed next to its annual forward (every
December for the next year), a unit of the annual (1 GB in each of its hours) is
exactly a unit of each of the twelve monthly forwards of the same hour of day and day
type, so its price should be their sum. For each such annual P with children M_1 …
M_12 the arbitrageur trades the spread portfolio {P: +1, M_1: −1, …, M_12: −1}
(priced π_P − Σ π_M) around 0: at spread price s it wants the position
clip(−L·s/w, −L, L), w = `band` × the last Σ π_M (the stated band), L the position
limit (GB/h); the order trades from its current position x in P to that target, points
(−L − x, +w), (L − x, −w). Inside the clearing this bounds |π_P − Σ π_M| by w while
its limit lasts. The position is riskless: it adds the same GB/h to every hour of the
year as it takes away. Without last prices for all twelve months it waits (the
annual's own price is not needed: the spread's fair value is 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from flowmarket.agents.base import MarketView, Order, make_order
from flowmarket.catalogue import Kind, ProductKey, parse_name
from flowmarket.catalogue.hours import month_start, to_datetime


def children(key: ProductKey) -> tuple[str, ...]:
    """The twelve monthly forwards an annual forward is made of (same hour and day type)."""
    year = to_datetime(key.start).year
    return tuple(
        ProductKey(Kind.MONTHLY, key.region, key.type, month_start(year, m), key.hour_of_day,
                   key.day_type).name
        for m in range(1, 13)
    )  # fmt: skip


@dataclass(frozen=True)
class TermArbitrageur:
    """limit: GB/h per annual forward; band: the stated band, a fraction of Σ π_M."""

    name: str
    limit: float = 40.0
    band: float = 0.02

    def orders(self, view: MarketView) -> list[Order]:
        listed = set(view.products)
        out: list[Order] = []
        for name in view.products:
            if not name.startswith("fwd-y:"):
                continue
            months = children(parse_name(name))
            if not all(m in listed for m in months):
                continue
            prices = [view.last_price(m) for m in months]
            if any(p is None for p in prices):
                continue
            level = sum(abs(p) for p in prices if p is not None)
            width = self.band * max(level, 1e-6)
            x = view.holdings.position(name)
            limit = max(self.limit, abs(x) + 1e-6)
            portfolio = {name: 1.0, **{m: -1.0 for m in months}}
            points = [(-limit - x, width), (limit - x, -width)]
            out.append(make_order(self.name, f"{name}-vs-months", portfolio, points))
        return out
