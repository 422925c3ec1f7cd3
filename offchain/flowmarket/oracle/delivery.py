"""Which products are delivered: they leave the live state once their last hour clears.

A product whose delivery period ended with hour h (its `period_end()` ≤ h + 1) is
settled hour by hour and needs no more collateral, so after clearing h the oracle drops
every position and expected position in it; its hourly history (`hour_products`,
`hour_participants`) stays. A name that is not a catalogue name (tests and hand-made
books trade e.g. "premium") has no delivery period and is never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from flowmarket.catalogue import parse_name


@lru_cache(maxsize=65_536)
def period_end(product: str) -> int | None:
    """The first hour after `product`'s delivery period, or None for a non-catalogue name."""
    try:
        return parse_name(product).period_end()
    except ValueError:  # FieldError, and int() of a malformed hour
        return None


def delivered_by(products: Iterable[str], hour: int) -> list[str]:
    """The products, sorted, whose delivery is over once hour `hour` is cleared."""
    out = []
    for product in products:
        end = period_end(product)
        if end is not None and end <= hour + 1:
            out.append(product)
    return sorted(out)
