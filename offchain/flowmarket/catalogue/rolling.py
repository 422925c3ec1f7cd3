"""How positions roll from forwards into real time (the mapping the oracle settles by).

Forward products are financial (market.md §3): a position of x GB/h in a product
settles, for every hour d of its delivery set, against the real-time price of d.
At hour d the hourly forward for d stops being listed and `rt:…:d` is listed
instead; monthly and annual forwards stop being listed once their month/year
starts, yet keep settling hour by hour until it ends.

Equivalently (the two-settlement rule of electricity markets), at hour d a
participant's real-time exposure in a region and type is the sum of its
positions in every product whose delivery set contains d, including `rt:…:d`
itself: the real-time auction only trades deviations from what was bought
forward. Settling a forward position x at π_rt(d) and buying x back at π_rt(d)
cancel, so both readings give the same cash flows. `Holdings.held` computes
that sum; the trade-to-target tool and the demo's agents steer by it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from flowmarket.catalogue.hours import IntArray
from flowmarket.catalogue.names import Kind, ProductKey, parse_name, realtime_name
from flowmarket.errors import FieldError

FloatArray = npt.NDArray[np.float64]


def successor(name: str) -> str | None:
    """The real-time product an hourly forward becomes at delivery (None for other kinds)."""
    key = parse_name(name)
    if key.kind is Kind.HOURLY:
        return realtime_name(key, key.start)
    return None


def predecessor(name: str) -> str | None:
    """The hourly forward a real-time product was before its delivery hour (else None)."""
    key = parse_name(name)
    if key.kind is Kind.REAL_TIME:
        return ProductKey(Kind.HOURLY, key.region, key.type, key.start).name
    return None


def settles_against(name: str) -> tuple[str, ...]:
    """The real-time products a product's position settles against, one per delivery hour."""
    key = parse_name(name)
    return tuple(realtime_name(key, int(d)) for d in key.delivery_hours())


class Holdings:
    """A participant's positions grouped for fast exposure queries (GB/h per product).

    `held(region, type, hours)` is Σ of the positions covering each hour: hourly
    products (rt, fwd-h) by direct lookup, monthly/annual forwards by their masks.
    Zero positions are dropped; names are validated (`FieldError` names the entry).
    """

    def __init__(self, positions: Mapping[str, float]) -> None:
        self._by_name: dict[str, float] = {}
        hourly: dict[tuple[str, str], dict[int, float]] = {}
        self._coarse: dict[tuple[str, str], list[tuple[ProductKey, float]]] = {}
        self._dense_cache: dict[tuple[str, str], tuple[int, FloatArray]] = {}
        for name, value in positions.items():
            try:
                key = parse_name(name)
            except FieldError as exc:
                raise FieldError(f"positions.{name}", exc.reason) from exc
            if value == 0.0:
                continue
            self._by_name[name] = float(value)
            group = (key.region, key.type)
            if key.kind.is_hourly:
                by_hour = hourly.setdefault(group, {})
                by_hour[key.start] = by_hour.get(key.start, 0.0) + float(value)
            else:
                self._coarse.setdefault(group, []).append((key, float(value)))
        self._hourly = {
            group: (
                np.array(sorted(h), dtype=np.int64),
                np.array([h[k] for k in sorted(h)], dtype=np.float64),
            )
            for group, h in hourly.items()
        }

    def position(self, name: str) -> float:
        """The position in one product (0 if none)."""
        return self._by_name.get(name, 0.0)

    def items(self) -> list[tuple[str, float]]:
        """Non-zero positions (name, GB/h), in insertion order."""
        return list(self._by_name.items())

    def held(self, region: str, type_: str, hours: IntArray) -> FloatArray:
        """(len(hours),) GB/h held for each delivery hour in `region` and `type_`."""
        total = np.zeros(hours.shape, dtype=np.float64)
        if (region, type_) in self._hourly:
            known, values = self._hourly[(region, type_)]
            idx = np.minimum(np.searchsorted(known, hours), known.size - 1)
            total += np.where(known[idx] == hours, values[idx], 0.0)
        dense = self._dense(region, type_)
        if dense is not None:
            base, values = dense
            offset = hours - base
            inside = (offset >= 0) & (offset < values.size)
            total[inside] += values[offset[inside]]
        return total

    def _dense(self, region: str, type_: str) -> tuple[int, FloatArray] | None:
        """(first hour, GB/h held per hour from there) of the monthly and annual forwards of
        one region and type, built once: one pass over their delivery hours, so an
        agent asking about every listed product costs hours, not products × hours."""
        coarse = self._coarse.get((region, type_))
        if not coarse:
            return None
        if (region, type_) not in self._dense_cache:
            base = min(key.start for key, _ in coarse)
            values = np.zeros(max(key.period_end() for key, _ in coarse) - base)
            for key, value in coarse:
                values[key.delivery_hours() - base] += value
            self._dense_cache[(region, type_)] = (base, values)
        return self._dense_cache[(region, type_)]
