"""The concrete products tradable at an hour, from a specification.

At hour h (hours since the epoch), for every region and type (in the
specification's order), the catalogue lists:

- the real-time product `rt:…:h`;
- hourly forwards for delivery hours h + 1 … h + 24·hourly_days − 1, so that
  real-time plus hourly products cover 24·hourly_days delivery hours;
- monthly forwards for each of the `monthly_months` calendar months after the
  month containing h, and annual forwards for each of the `annual_years`
  calendar years after the year containing h, each by hour of day (24) ×
  day type (weekday, weekend).

Per region that is types × (24·days + 48·(months + years)) products at every
hour: 3 × 24 × (2 × (5 + 12) + 30) = 4,608 for production (market.md §3),
3 × 168 = 504 for the demo (2,016 for its 4 regions).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flowmarket.catalogue.hours import format_hour, month_start, to_datetime, year_start
from flowmarket.catalogue.names import DAY_TYPES, Kind, ProductKey, realtime_name
from flowmarket.catalogue.spec import CatalogueSpec
from flowmarket.errors import FieldError

_DAY_WORDS = {"wd": "weekdays", "we": "weekend days"}


@dataclass(frozen=True)
class Product:
    """One tradable product and its metadata.

    name, kind (label), region, description, active: the `products` table's columns;
    type: service type; delivery_start/delivery_end: the delivery period in hours
    since the epoch (end exclusive); delivery_hour_count: hours in the delivery set.
    """

    key: ProductKey
    description: str
    delivery_hour_count: int
    active: bool = True

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def kind(self) -> str:
        return self.key.kind.label

    @property
    def region(self) -> str:
        return self.key.region

    @property
    def type(self) -> str:
        return self.key.type

    @property
    def delivery_start(self) -> int:
        return self.key.start

    @property
    def delivery_end(self) -> int:
        return self.key.period_end()

    def row(self) -> dict[str, Any]:
        """Exactly the columns of the API's `products` table."""
        return {
            "name": self.name,
            "kind": self.kind,
            "region": self.region,
            "description": self.description,
            "active": self.active,
        }


def describe(key: ProductKey) -> tuple[str, int]:
    """A one-line description of `key` and the number of hours it delivers."""
    what = f"{key.type} capacity in {key.region}"
    if key.kind.is_hourly:
        when = f"{format_hour(key.start).replace('T', ' ')}:00 UTC, one hour"
        if key.kind is Kind.REAL_TIME:
            return f"{what}, {when}; real-time (physical)", 1
        rt = realtime_name(key, key.start)
        return f"{what}, {when}; hourly forward settling against {rt}", 1
    hours = int(key.delivery_hours().size)
    begin = to_datetime(key.start)
    period = f"{begin:%Y-%m}" if key.kind is Kind.MONTHLY else f"{begin:%Y}"
    hod = key.hour_of_day
    if hod is None or key.day_type is None:
        raise FieldError("product", f"a {key.kind.label} product needs an hour of day and day type")
    return (
        f"{what}, {hod:02d}:00–{hod + 1:02d}:00 UTC on {_DAY_WORDS[key.day_type]} of {period} "
        f"({hours} hours); {key.kind.label.replace('-', ' ')} settling against "
        "each hour's real-time price",
        hours,
    )


def product(key: ProductKey) -> Product:
    """The `Product` (with metadata) of a key."""
    description, hours = describe(key)
    return Product(key=key, description=description, delivery_hour_count=hours)


def keys_for(spec: CatalogueSpec, hour: int, region: str, type_: str) -> Iterator[ProductKey]:
    """Keys listed at `hour` for one region and type: rt, hourly, monthly, annual forwards."""
    h = spec.horizons
    yield ProductKey(Kind.REAL_TIME, region, type_, hour)
    for d in range(hour + 1, hour + h.hourly_window):
        yield ProductKey(Kind.HOURLY, region, type_, d)
    now = to_datetime(hour)
    for k in range(1, h.monthly_months + 1):
        start = month_start(now.year, now.month + k)
        for hod in range(24):
            for day_type in DAY_TYPES:
                yield ProductKey(Kind.MONTHLY, region, type_, start, hod, day_type)
    for k in range(1, h.annual_years + 1):
        start = year_start(now.year + k)
        for hod in range(24):
            for day_type in DAY_TYPES:
                yield ProductKey(Kind.ANNUAL, region, type_, start, hod, day_type)


def _regions(spec: CatalogueSpec, regions: Sequence[str] | None) -> Sequence[str]:
    if regions is None:
        return spec.regions
    known = set(spec.regions)
    for region in regions:
        if region not in known:
            raise FieldError("region", f"{region!r} is not in catalogue {spec.name!r}")
    return regions


def iter_keys(
    spec: CatalogueSpec, hour: int, regions: Sequence[str] | None = None
) -> Iterator[ProductKey]:
    """Keys of the products listed at `hour` (optionally only some regions), lazily."""
    for region in _regions(spec, regions):
        for type_ in spec.types:
            yield from keys_for(spec, hour, region, type_)


def products_at(
    spec: CatalogueSpec, hour: int, regions: Sequence[str] | None = None
) -> tuple[Product, ...]:
    """The products listed at `hour`, with metadata (region-major, then type, kind, delivery)."""
    return tuple(product(key) for key in iter_keys(spec, hour, regions))


def product_names(
    spec: CatalogueSpec, hour: int, regions: Sequence[str] | None = None
) -> tuple[str, ...]:
    """Names of the products listed at `hour` (the ORDERS.json `products` list)."""
    return tuple(key.name for key in iter_keys(spec, hour, regions))
