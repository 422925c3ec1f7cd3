"""Participants that buy through the trade-to-target tool, from a demand profile.

A `DemandProfile` is one region and type's need: a daily cycle (peak hour in
UTC, relative amplitude), a weekend factor and noise. The need that will be
realised in hour d is base(d)·(1 + σ·z(d)) with z a deterministic normal of the
profile's stream; the forecast made at hour h approaches it linearly over the
last `info_hours` before delivery (earlier, the forecast is the base). Service
providers, resellers and synthetic participants are `StrategyTrader`s that
differ by their profiles and strategy parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowmarket.agents.base import MarketView, Order
from flowmarket.agents.noise import FloatArray, IntArray, normals
from flowmarket.catalogue.hours import weekend_mask
from flowmarket.strategy import Series, StrategyParams, plan_orders


@dataclass(frozen=True)
class DemandProfile:
    """level: mean need GB/h; amplitude: daily swing (fraction); peak_hour: UTC;
    weekend: factor on Saturdays/Sundays; valuation: tokens per GB at target;
    volatility: relative sd of the realised need; key: noise stream."""

    region: str
    type: str
    level: float
    amplitude: float
    peak_hour: int
    weekend: float
    valuation: float
    volatility: float
    key: int
    info_hours: int = 48

    def base(self, hours: IntArray) -> FloatArray:
        """(k,) expected need (GB/h) before any information about the hour."""
        phase = 2.0 * np.pi * ((hours % 24) - self.peak_hour) / 24.0
        day = np.where(weekend_mask(hours), self.weekend, 1.0)
        out: FloatArray = self.level * day * (1.0 + self.amplitude * np.cos(phase))
        return out

    def realised(self, hours: IntArray) -> FloatArray:
        """(k,) the need that will materialise in each hour (≥ 0)."""
        out: FloatArray = np.maximum(
            self.base(hours) * (1.0 + self.volatility * normals(self.key, hours)), 0.0
        )
        return out

    def forecast(self, hours: IntArray, now: int) -> FloatArray:
        """(k,) the need expected at hour `now` for delivery `hours` (exact at delivery)."""
        base = self.base(hours)
        known = np.clip(1.0 - (hours - now) / self.info_hours, 0.0, 1.0)
        out: FloatArray = base + (self.realised(hours) - base) * known
        return out


@dataclass(frozen=True)
class StrategyTrader:
    """A buyer trading to target with `flowmarket.strategy` (role: a label for reports)."""

    name: str
    role: str
    profiles: tuple[DemandProfile, ...]
    params: StrategyParams

    def orders(self, view: MarketView) -> list[Order]:
        far = self.params.horizon_hours or view.spec.horizons.far_hours
        hours = np.arange(view.hour, view.hour + far, dtype=np.int64)
        needs = {
            (p.region, p.type): Series(
                hours=hours,
                need=p.forecast(hours, view.hour),
                valuation=np.full(hours.shape, p.valuation),
            )
            for p in self.profiles
        }
        plan = plan_orders(needs, view.spec, view.hour, view.holdings, self.params, self.name)
        return list(plan.orders)
