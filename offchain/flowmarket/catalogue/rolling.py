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
cancel, so both readings give the same cash flows. `hedge_by_hour` computes
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


def parse_positions(positions: Mapping[str, float]) -> dict[str, tuple[ProductKey, float]]:
    """Positions by product name with their parsed keys; zero positions are dropped."""
    out: dict[str, tuple[ProductKey, float]] = {}
    for name, value in positions.items():
        try:
            key = parse_name(name)
        except FieldError as exc:
            raise FieldError(f"positions.{name}", exc.reason) from exc
        if value != 0.0:
            out[name] = (key, float(value))
    return out


def hedge_by_hour(
    positions: Mapping[str, tuple[ProductKey, float]], region: str, type_: str, hours: IntArray
) -> FloatArray:
    """(len(hours),) GB/h held for each delivery hour: Σ of positions covering it.

    positions: output of `parse_positions`; only products of `region` and `type_` count.
    """
    total = np.zeros(hours.shape, dtype=np.float64)
    for key, value in positions.values():
        if key.region == region and key.type == type_:
            total += value * key.covers(hours)
    return total
