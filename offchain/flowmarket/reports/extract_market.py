"""Prices and volumes as arrays: heatmaps hour cleared × hours ahead, volume series.

Pure functions of `ProductRow`s. Products are grouped by (region, type) through the
catalogue's name parser; only hourly products (real-time and hourly forwards) have a
single delivery hour and so a place on the hours-ahead axis. Names that are not
catalogue names, and monthly/annual forwards, are counted in `skipped`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from flowmarket.catalogue import Kind, ProductKey, parse_name
from flowmarket.errors import FieldError
from flowmarket.reports.record import ProductRow

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Group = tuple[str, str]
"""(region, service type)"""


@lru_cache(maxsize=65_536)
def product_key(name: str) -> ProductKey | None:
    """The catalogue fields of a product name, None if it is not a catalogue name."""
    try:
        return parse_name(name)
    except FieldError:
        return None


@dataclass(frozen=True)
class Heatmap:
    """Prices of one region and type.

    hours: (T,) hours cleared; ahead: (A,) hours ahead = delivery hour − hour cleared,
    0 (real time) to the longest hourly forward; price: (A, T) tokens per GB, NaN where
    the product was not in that hour's book.
    """

    hours: IntArray
    ahead: IntArray
    price: FloatArray


@dataclass(frozen=True)
class VolumeSeries:
    """Traded volume of one region and type per hour cleared, GB/h bought.

    real_time: (T,) of the real-time product; forward: (T,) summed over every forward.
    """

    hours: IntArray
    real_time: FloatArray
    forward: FloatArray


def groups_of(rows: Sequence[ProductRow]) -> list[Group]:
    """Every (region, type) traded, sorted."""
    keys = {product_key(name) for _, name, *_ in rows}
    return sorted({(k.region, k.type) for k in keys if k is not None})


def skipped_products(rows: Sequence[ProductRow]) -> int:
    """How many distinct product names have no place on the hours-ahead axis."""
    names = {name for _, name, *_ in rows}
    return sum(1 for n in names if (k := product_key(n)) is None or not k.kind.is_hourly)


def price_heatmaps(rows: Sequence[ProductRow], hours: Sequence[int]) -> dict[Group, Heatmap]:
    """{(region, type): Heatmap} over the cleared `hours` (columns, ascending)."""
    columns = {hour: t for t, hour in enumerate(hours)}
    cells: dict[Group, list[tuple[int, int, float]]] = {}
    for hour, name, price, _volume, _slope in rows:
        key = product_key(name)
        if key is None or not key.kind.is_hourly or hour not in columns:
            continue
        cells.setdefault((key.region, key.type), []).append(
            (key.start - hour, columns[hour], price)
        )
    out: dict[Group, Heatmap] = {}
    for group, entries in sorted(cells.items()):
        depth = max(0, max(a for a, _, _ in entries)) + 1
        matrix = np.full((depth, len(hours)), np.nan)
        for ahead, column, price in entries:
            if ahead >= 0:
                matrix[ahead, column] = price
        out[group] = Heatmap(
            hours=np.asarray(hours, dtype=np.int64),
            ahead=np.arange(depth, dtype=np.int64),
            price=matrix,
        )
    return out


def volume_series(rows: Sequence[ProductRow], hours: Sequence[int]) -> dict[Group, VolumeSeries]:
    """{(region, type): VolumeSeries} over the cleared `hours`; coarse forwards count as
    forwards."""
    columns = {hour: t for t, hour in enumerate(hours)}
    real: dict[Group, FloatArray] = {}
    forward: dict[Group, FloatArray] = {}
    for hour, name, _price, volume, _slope in rows:
        key = product_key(name)
        if key is None or hour not in columns:
            continue
        group = (key.region, key.type)
        target = real if key.kind is Kind.REAL_TIME else forward
        for series in (real, forward):
            series.setdefault(group, np.zeros(len(hours)))
        target[group][columns[hour]] += volume
    return {
        group: VolumeSeries(np.asarray(hours, dtype=np.int64), real[group], forward[group])
        for group in sorted(real)
    }
