"""The network supplier: sells capacity along an upward marginal-cost curve.

For each region and type it has a capacity C (GB/h) and a marginal cost rising
linearly from c_low at zero output to c_high at full output. For a delivery
hour d with S already sold (−Σ positions covering d), it offers the share of
its capacity that the trade-to-target ramp releases by now, Y = C·ramp(d − h)
(all of it in real time), so that capacity is sold progressively, like buyers
buy it. Its net-demand curve is q(p) = S − Y·clip((p − c_low)/(c_high − c_low)):
selling more as the price rises, and buying back what it sold if the price
falls below the cost of producing it.

Where the catalogue lists monthly and annual forwards it sells each of them for the
hours it is the finest listed product of (`strategy.coarse_own_hours`) the same way,
with the averages over those hours of S and Y, at its marginal costs per GB times the
hours the product delivers (a unit of a coarse forward is 1 GB in each of them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowmarket.agents.base import MarketView, Order, make_order
from flowmarket.catalogue import Kind, ProductKey
from flowmarket.catalogue.listing import keys_for
from flowmarket.strategy import coarse_own_hours, ramp

_EPS = 1e-9


@dataclass(frozen=True)
class Capacity:
    """capacity: GB/h; cost_low, cost_high: tokens per GB at zero and at full output."""

    region: str
    type: str
    capacity: float
    cost_low: float
    cost_high: float


@dataclass(frozen=True)
class Supplier:
    """A network supplier; capital_cost and horizon_hours shape its release ramp."""

    name: str
    capacities: tuple[Capacity, ...]
    capital_cost: float = 0.05
    horizon_hours: int | None = None

    def orders(self, view: MarketView) -> list[Order]:
        h = view.hour
        far = self.horizon_hours or view.spec.horizons.far_hours
        hours = np.arange(h, h + view.spec.horizons.hourly_window, dtype=np.int64)
        share = ramp(hours - h, far, self.capital_cost)
        out: list[Order] = []
        for cap in self.capacities:
            sold = -view.holdings.held(cap.region, cap.type, hours)
            offered = np.maximum(cap.capacity * share, sold)
            for k in range(hours.size):
                low, high = float(sold[k] - offered[k]), max(float(sold[k]), 0.0)
                if high - low < _EPS:
                    continue
                kind = Kind.REAL_TIME if k == 0 else Kind.HOURLY
                name = ProductKey(kind, cap.region, cap.type, int(hours[k])).name
                points = [(low, cap.cost_high), (high, cap.cost_low)]
                out.append(make_order(self.name, name, {name: 1.0}, points))
        coarse = view.spec.horizons.monthly_months or view.spec.horizons.annual_years
        for cap in self.capacities if coarse else ():
            out += self._coarse(view, cap, far)
        return out

    def _coarse(self, view: MarketView, cap: Capacity, far: int) -> list[Order]:
        """Orders for the monthly and annual forwards of one region and type."""
        out: list[Order] = []
        for key in keys_for(view.spec, view.hour, cap.region, cap.type):
            if key.kind.is_hourly:
                continue
            own = coarse_own_hours(key, view.spec, view.hour)
            if own.size == 0:
                continue
            sold = -float(np.mean(view.holdings.held(cap.region, cap.type, own)))
            share = float(np.mean(ramp(own - view.hour, far, self.capital_cost)))
            offered = max(cap.capacity * share, sold)
            low, high = sold - offered, max(sold, 0.0)
            if high - low < _EPS:
                continue
            n = int(key.delivery_hours().size)
            points = [(low, cap.cost_high * n), (high, cap.cost_low * n)]
            out.append(make_order(self.name, key.name, {key.name: 1.0}, points))
        return out
