"""A broadcaster that needs capacity for an event's six hours or not at all: the demo's
block orders (docs/nonconvex.md).

Once a day, at `PLACE_HOUR` UTC, it places ONE all-or-nothing order: buy `quantity` GB/h
of each of the six hourly forwards of that evening's event (delivery 18:00–23:00 UTC)
in its region, paying at most `price` per unit of that portfolio (the six hours
together). Its budget alternates with the day: on a day with a budget the limit is
`GENEROUS` × the region's reference cost per GB and hour (the supplier's marginal cost
tops out at 1.8 ×, `population`), on a day without it is `STINGY` × (below the supplier's
cheapest capacity, 0.6 ×), so over a week some blocks are accepted and some rejected.
The order stands for the one hour it is placed in; the market accepts it only at
prices under which it does not lose (Σ of the six prices ≤ its price per unit).
"""

from __future__ import annotations

from dataclasses import dataclass

from flowmarket.agents.base import MarketView, Order
from flowmarket.catalogue import format_hour

EVENT_HOURS = range(18, 24)
PLACE_HOUR = 8
GENEROUS, STINGY = 3.5, 0.4
BUDGET_DAYS = (True, False, True, True, False, True, False)  # by day of the week


@dataclass(frozen=True)
class Broadcaster:
    """name: the agent (its wallet); region, type: where its events are; cost: the
    region-type's reference cost per GB (`Population.reference_cost`)."""

    name: str
    region: str
    type: str
    cost: float
    quantity: float = 10.0

    def orders(self, view: MarketView) -> list[Order]:
        if view.hour % 24 != PLACE_HOUR:
            return []
        day = format_hour(view.hour)[:10]
        portfolio = {f"fwd-h:{self.region}:{self.type}:{day}T{h:02d}": 1.0 for h in EVENT_HOURS}
        if not set(portfolio) <= set(view.products):
            return []
        factor = GENEROUS if BUDGET_DAYS[(view.hour // 24) % len(BUDGET_DAYS)] else STINGY
        return [
            {
                "id": f"{self.name}/event-{day}",
                "participant": self.name,
                "portfolio": portfolio,
                "kind": "all_or_nothing",
                "quantity": self.quantity,
                "price": round(factor * self.cost * len(EVENT_HOURS), 6),
            }
        ]
