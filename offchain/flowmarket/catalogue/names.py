"""Product names ↔ structured fields (the naming scheme).

    rt:REGION:TYPE:YYYY-MM-DDTHH          real-time, delivery hour (UTC)
    fwd-h:REGION:TYPE:YYYY-MM-DDTHH       hourly forward for that delivery hour
    fwd-m:REGION:TYPE:YYYY-MM:HH:wd|we    monthly forward: hour of day HH (UTC) on
                                          weekdays (wd, Mon–Fri) or weekend days (we)
    fwd-y:REGION:TYPE:YYYY:HH:wd|we       annual forward, same pattern over a year

e.g. `rt:eu-west:premium:2026-11-22T14`, `fwd-m:eu-west:fast:2027-03:09:we`.
Names sort by kind, region, type, then delivery; they are at most 78 characters.
A product's delivery set is the hours it pays the real-time price for (one hour
for rt/fwd-h; every matching hour of the month or year for fwd-m/fwd-y).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from flowmarket.catalogue.hours import (
    IntArray,
    format_hour,
    month_start,
    parse_hour,
    to_datetime,
    weekend_mask,
    year_start,
)
from flowmarket.errors import FieldError

_PART = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
DAY_TYPES = ("wd", "we")


class Kind(Enum):
    """Product kinds: the value is the name prefix; `label` is the `products.kind` column."""

    REAL_TIME = "rt"
    HOURLY = "fwd-h"
    MONTHLY = "fwd-m"
    ANNUAL = "fwd-y"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_hourly(self) -> bool:
        return self in (Kind.REAL_TIME, Kind.HOURLY)


_LABELS = {
    Kind.REAL_TIME: "real-time",
    Kind.HOURLY: "hourly-forward",
    Kind.MONTHLY: "monthly-forward",
    Kind.ANNUAL: "annual-forward",
}


@dataclass(frozen=True, order=True)
class ProductKey:
    """The structured fields of a product name.

    start: first hour of the delivery period (the delivery hour for rt/fwd-h, the
    first hour of the month or year otherwise); hour_of_day (0–23) and day_type
    ("wd"/"we") only for monthly and annual forwards.
    """

    kind: Kind
    region: str
    type: str
    start: int
    hour_of_day: int | None = None
    day_type: str | None = None

    @property
    def name(self) -> str:
        return format_name(self)

    def period_end(self) -> int:
        """First hour after the delivery period (exclusive)."""
        if self.kind.is_hourly:
            return self.start + 1
        begin = to_datetime(self.start)
        if self.kind is Kind.MONTHLY:
            return month_start(begin.year, begin.month + 1)
        return year_start(begin.year + 1)

    def delivery_hours(self) -> IntArray:
        """(k,) the hours this product settles against, ascending."""
        if self.kind.is_hourly:
            return np.array([self.start], dtype=np.int64)
        hours = np.arange(self.start, self.period_end(), dtype=np.int64)
        weekend = weekend_mask(hours)
        keep = (hours % 24 == self.hour_of_day) & (weekend == (self.day_type == "we"))
        out: IntArray = hours[keep]
        return out

    def covers(self, hours: IntArray) -> npt.NDArray[np.bool_]:
        """Boolean mask: which of `hours` are in this product's delivery set."""
        inside = (hours >= self.start) & (hours < self.period_end())
        if self.kind.is_hourly:
            return np.asarray(inside)
        pattern = (hours % 24 == self.hour_of_day) & (
            weekend_mask(hours) == (self.day_type == "we")
        )
        return np.asarray(inside & pattern)


def format_name(key: ProductKey) -> str:
    """The product name of `key` (see the module docstring)."""
    head = f"{key.kind.value}:{key.region}:{key.type}"
    if key.kind.is_hourly:
        return f"{head}:{format_hour(key.start)}"
    begin = to_datetime(key.start)
    period = (
        f"{begin.year:04d}-{begin.month:02d}" if key.kind is Kind.MONTHLY else f"{begin.year:04d}"
    )
    return f"{head}:{period}:{key.hour_of_day:02d}:{key.day_type}"


def _period_start(kind: Kind, text: str, name: str) -> int:
    if kind.is_hourly:
        return parse_hour(text, f"product {name!r}: delivery hour")
    pattern = _MONTH if kind is Kind.MONTHLY else _YEAR
    match = pattern.match(text)
    if match is None:
        expected = "YYYY-MM" if kind is Kind.MONTHLY else "YYYY"
        raise FieldError(f"product {name!r}", f"period must be {expected}, got {text!r}")
    year = int(match.group(1))
    if kind is Kind.ANNUAL:
        return year_start(year)
    month = int(match.group(2))
    if not 1 <= month <= 12:
        raise FieldError(f"product {name!r}", f"month must be 01–12, got {text!r}")
    return month_start(year, month)


# The same few thousand names are parsed again and again (every holding of every agent,
# every order's portfolio, every hour); a key is immutable, so one parse serves them all.
@lru_cache(maxsize=1 << 16)
def parse_name(name: str) -> ProductKey:
    """Inverse of `format_name`; `FieldError` says which part of the name is wrong."""
    parts = name.split(":")
    kinds = {k.value: k for k in Kind}
    if not parts or parts[0] not in kinds:
        raise FieldError(f"product {name!r}", f"kind must be one of {sorted(kinds)}")
    kind = kinds[parts[0]]
    expected = 4 if kind.is_hourly else 6
    if len(parts) != expected:
        raise FieldError(f"product {name!r}", f"a {kind.label} name has {expected} ':' parts")
    for label, part in (("region", parts[1]), ("type", parts[2])):
        if not _PART.match(part):
            raise FieldError(f"product {name!r}", f"bad {label} {part!r}")
    start = _period_start(kind, parts[3], name)
    if kind.is_hourly:
        return ProductKey(kind, parts[1], parts[2], start)
    if not re.fullmatch(r"\d{2}", parts[4]) or int(parts[4]) > 23:
        raise FieldError(f"product {name!r}", f"hour of day must be 00–23, got {parts[4]!r}")
    if parts[5] not in DAY_TYPES:
        raise FieldError(f"product {name!r}", f"day type must be wd or we, got {parts[5]!r}")
    return ProductKey(kind, parts[1], parts[2], start, int(parts[4]), parts[5])


def realtime_name(key: ProductKey, hour: int) -> str:
    """The real-time product of `key`'s region and type for delivery `hour`."""
    return format_name(ProductKey(Kind.REAL_TIME, key.region, key.type, hour))
