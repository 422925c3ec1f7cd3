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
the same rate in all its hours (for an hourly product: Δ = target(d) − held(d)).
Its order trades Δ = x*_p − x_p now along the curve of `strategy.curve`, with
quantity scale max(|target|, |Δ|) and valuation per unit of the product: the
need-weighted mean valuation per GB over O_p times the hours it delivers (a unit of
a monthly forward is 1 GB in each of its ~22 hours, and is paid for once, at the
price of the clearing that trades it: market.md, prices and cash), so that a monthly
forward's price sits near the sum of its hours' prices, an annual's near the sum of
its months':
far from delivery, where the target is a small share of the need, the curve is
proportionally narrow, so a participant never offers to take on far more than
the ramp asks of it yet.
Hours without a row in the needs count as need 0; products none of whose own
hours have a row get no order (positions there are left alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from flowmarket.catalogue.hours import IntArray, format_hour, month_start, to_datetime
from flowmarket.catalogue.listing import keys_for
from flowmarket.catalogue.names import Kind, ProductKey
from flowmarket.catalogue.rolling import Holdings
from flowmarket.catalogue.spec import CatalogueSpec
from flowmarket.errors import FieldError
from flowmarket.strategy.curve import CurveParams, target_curve
from flowmarket.strategy.needs import FloatArray, Needs, Series
from flowmarket.strategy.ramp import ramp

_EPS = 1e-9


@dataclass(frozen=True)
class StrategyParams:
    """risk_aversion A > 0; capital_cost c ≥ 0 per year; horizon_hours T (None: the catalogue's).

    forward_cover scales the need targeted before delivery (1.0: exactly the
    expected need; a reseller may cover more forward and resell in real time).
    """

    risk_aversion: float
    capital_cost: float
    horizon_hours: int | None = None
    price_band: float = 0.5
    forward_cover: float = 1.0

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


def _targets_by_hour(
    series: Series, hours: IntArray, hour: int, horizon: int, params: StrategyParams
) -> tuple[FloatArray, FloatArray, FloatArray, np.ndarray]:
    """need, target, valuation and the rows-present mask for `hours` (each (k,))."""
    need, value, found = series.lookup(hours)
    share = ramp(hours - hour, horizon, params.capital_cost)
    cover = np.where(hours > hour, params.forward_cover, 1.0)
    return need, need * share * cover, value, found


def _hourly_targets(
    region: str,
    type_: str,
    series: Series,
    held: Holdings,
    spec: CatalogueSpec,
    hour: int,
    horizon: int,
    params: StrategyParams,
) -> list[Target]:
    hours = np.arange(hour, hour + spec.horizons.hourly_window, dtype=np.int64)
    need, target, value, found = _targets_by_hour(series, hours, hour, horizon, params)
    gap = target - held.held(region, type_, hours)
    out = []
    for k in np.flatnonzero(found):
        d = int(hours[k])
        kind = Kind.REAL_TIME if d == hour else Kind.HOURLY
        name = ProductKey(kind, region, type_, d).name
        out.append(
            Target(
                name,
                1,
                abs(float(need[k])),
                float(target[k]),
                held.position(name),
                float(gap[k]),
                float(value[k]),
            )
        )
    return out


def coarse_own_hours(key: ProductKey, spec: CatalogueSpec, hour: int) -> IntArray:
    """The delivery hours of coarse product `key` that no finer product listed at `hour`
    covers (the hours it is traded for)."""
    hours = key.delivery_hours()
    keep = hours >= hour + spec.horizons.hourly_window
    months = spec.horizons.monthly_months
    if key.kind is Kind.ANNUAL and months:
        now = to_datetime(hour)
        lo = month_start(now.year, now.month + 1)
        hi = month_start(now.year, now.month + 1 + months)
        keep &= (hours < lo) | (hours >= hi)
    out: IntArray = hours[keep]
    return out


def _coarse_target(
    key: ProductKey,
    series: Series,
    held: Holdings,
    spec: CatalogueSpec,
    hour: int,
    horizon: int,
    params: StrategyParams,
) -> Target | None:
    own = coarse_own_hours(key, spec, hour)
    if own.size == 0:
        return None
    need, target, value, found = _targets_by_hour(series, own, hour, horizon, params)
    if not found.any():
        return None
    position = held.position(key.name)
    gap = target - held.held(key.region, key.type, own) + position
    weights = np.abs(need[found])
    valuation = (
        np.average(value[found], weights=weights) if weights.sum() > 0 else value[found].mean()
    )
    return Target(
        product=key.name,
        own_hours=int(own.size),
        need=float(np.abs(need).mean()),
        target=float(target.mean()),
        position=position,
        trade=float(gap.mean()) - position,
        valuation=float(valuation) * int(key.delivery_hours().size),
    )


def plan_orders(
    needs: Needs,
    spec: CatalogueSpec,
    hour: int,
    positions: Mapping[str, float] | Holdings,
    params: StrategyParams,
    participant: str,
) -> Plan:
    """The trade-to-target orders of `participant` at `hour` (see the module docstring).

    needs: expected need by (region, type); positions: GB/h held per product name.
    """
    if not participant:
        raise FieldError("participant", "must be a non-empty name")
    horizon = params.horizon_hours or spec.horizons.far_hours
    held = positions if isinstance(positions, Holdings) else Holdings(positions)
    curve = params.curve()
    targets: list[Target] = []
    for region in spec.regions:
        for type_ in spec.types:
            series = needs.get((region, type_))
            if series is None:
                continue
            targets += _hourly_targets(region, type_, series, held, spec, hour, horizon, params)
            if spec.horizons.monthly_months or spec.horizons.annual_years:
                for key in keys_for(spec, hour, region, type_):
                    if not key.kind.is_hourly:
                        t = _coarse_target(key, series, held, spec, hour, horizon, params)
                        targets += [t] if t is not None else []
    kept: list[Target] = []
    orders: list[dict[str, Any]] = []
    for t in targets:
        scale = max(abs(t.target), abs(t.trade))
        if scale < _EPS:
            continue
        kept.append(t)
        points = target_curve(t.trade, scale, t.valuation, curve)
        orders.append(
            {
                "id": order_id(participant, t.product),
                "participant": participant,
                "portfolio": {t.product: 1.0},
                "curve": [[q, p] for q, p in points],
            }
        )
    return Plan(hour=hour, participant=participant, orders=tuple(orders), targets=tuple(kept))
