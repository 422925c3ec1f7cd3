"""Trade to target: expected need + positions → one standing order per product.

At hour h, for each region and type with expected need, every delivery hour d
is traded through the finest product listed at h that covers it: the hourly
products (real-time for d = h, hourly forwards up to the hourly horizon), else
the monthly forward of its month, hour of day and day type, else the annual
forward. Those are the product's *own* hours. Hours no listed product covers
yet are not traded.

    target(d) = need(d) × ramp(d − h)                 (`ramp`, GB/h)
    held(d)   = Σ positions of products covering d    (`catalogue.rolling`)

A product p with own hours O_p and position x_p wants the position
x*_p = mean over O_p of (target(d) − held(d) + x_p), i.e. it fills the gap the
other products leave, in the least-squares sense for a product that delivers
the same rate in all its hours. Its order trades Δ = x*_p − x_p now, along the
curve of `strategy.curve` with the need-weighted mean valuation of O_p and
scale mean |need| over O_p. Hours without a row in the needs count as need 0;
products none of whose own hours have a row get no order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from flowmarket.catalogue.hours import IntArray, format_hour, month_start, to_datetime
from flowmarket.catalogue.listing import iter_keys
from flowmarket.catalogue.names import Kind, ProductKey
from flowmarket.catalogue.rolling import hedge_by_hour, parse_positions
from flowmarket.catalogue.spec import CatalogueSpec
from flowmarket.errors import FieldError
from flowmarket.strategy.curve import CurveParams, target_curve
from flowmarket.strategy.needs import Needs, Series
from flowmarket.strategy.ramp import ramp

_EPS = 1e-9


@dataclass(frozen=True)
class StrategyParams:
    """risk_aversion A > 0; capital_cost c ≥ 0 per year; horizon_hours T (None: the catalogue's)."""

    risk_aversion: float
    capital_cost: float
    horizon_hours: int | None = None
    price_band: float = 0.5

    def curve(self) -> CurveParams:
        return CurveParams(risk_aversion=self.risk_aversion, price_band=self.price_band)


@dataclass(frozen=True)
class Target:
    """What the tool aims at in one product (GB/h; valuation in tokens per GB)."""

    product: str
    own_hours: int
    need: float
    target: float
    position: float
    trade: float
    valuation: float


@dataclass(frozen=True)
class Plan:
    """Orders in the engine's format, one per product, and the targets behind them."""

    hour: int
    participant: str
    orders: tuple[dict[str, Any], ...]
    targets: tuple[Target, ...]

    def document(self) -> dict[str, Any]:
        """ORDERS.json for `flowmarket clear`, plus the hour and the targets for the reader."""
        return {
            "hour": self.hour,
            "hour_utc": format_hour(self.hour),
            "participant": self.participant,
            "orders": list(self.orders),
            "targets": [asdict(t) for t in self.targets],
        }


def order_id(participant: str, product: str) -> str:
    """Stable id of a participant's standing order in one product."""
    return f"{participant}/{product}"


def _own_hours(key: ProductKey, spec: CatalogueSpec, hour: int) -> IntArray:
    hours = key.delivery_hours()
    h = spec.horizons
    if key.kind.is_hourly:
        return hours
    keep = hours >= hour + h.hourly_window
    if key.kind is Kind.ANNUAL and h.monthly_months:
        now = to_datetime(hour)
        lo, hi = (
            month_start(now.year, now.month + 1),
            month_start(now.year, now.month + 1 + h.monthly_months),
        )
        keep &= (hours < lo) | (hours >= hi)
    return hours[keep]


def _target(
    key: ProductKey,
    own: IntArray,
    series: Series,
    held: Mapping[str, tuple[ProductKey, float]],
    hour: int,
    horizon: int,
    params: StrategyParams,
) -> Target | None:
    need, value, found = series.lookup(own)
    if not found.any():
        return None
    position = held[key.name][1] if key.name in held else 0.0
    share = ramp(own - hour, horizon, params.capital_cost)
    gap = need * share - hedge_by_hour(held, key.region, key.type, own) + position
    weights = np.abs(need[found])
    valuation = float(
        np.average(value[found], weights=weights) if weights.sum() > 0 else value[found].mean()
    )
    wanted = float(gap.mean())
    return Target(
        product=key.name,
        own_hours=int(own.size),
        need=float(np.abs(need).mean()),
        target=float((need * share).mean()),
        position=position,
        trade=wanted - position,
        valuation=valuation,
    )


def plan_orders(
    needs: Needs,
    spec: CatalogueSpec,
    hour: int,
    positions: Mapping[str, float],
    params: StrategyParams,
    participant: str,
) -> Plan:
    """The trade-to-target orders of `participant` at `hour` (see the module docstring).

    needs: expected need by (region, type); positions: GB/h held per product name.
    """
    if not participant:
        raise FieldError("participant", "must be a non-empty name")
    horizon = params.horizon_hours or spec.horizons.far_hours
    held = parse_positions(positions)
    curve = params.curve()
    orders: list[dict[str, Any]] = []
    targets: list[Target] = []
    for region in spec.regions:
        for type_ in spec.types:
            series = needs.get((region, type_))
            if series is None:
                continue
            for key in iter_keys(spec, hour, [region]):
                if key.type != type_:
                    continue
                own = _own_hours(key, spec, hour)
                target = (
                    _target(key, own, series, held, hour, horizon, params) if own.size else None
                )
                if target is None:
                    continue
                scale = max(target.need, abs(target.trade))
                if scale < _EPS:
                    continue
                points = target_curve(target.trade, scale, target.valuation, curve)
                targets.append(target)
                orders.append(
                    {
                        "id": order_id(participant, key.name),
                        "participant": participant,
                        "portfolio": {key.name: 1.0},
                        "curve": [[q, p] for q, p in points],
                    }
                )
    return Plan(hour=hour, participant=participant, orders=tuple(orders), targets=tuple(targets))
