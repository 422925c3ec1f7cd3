"""Right-continuous step functions of price: a bidder's demand, a seller's supply.

A step function is a tuple of points `(price, quantity)` with strictly increasing
prices; its value at a price p is the quantity of the last point whose price is at or
below p (right-continuous: a step at price s already applies at s). Below the first
point a demand is undefined (a round's schedule starts at the round's start price)
and a supply is 0 (its first point is the reserve price).

Units: prices in wei per GB (capacity tokens × 10¹⁸), quantities in 10⁻¹⁸ GB: plain
Python integers, so every sum and comparison is exact.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from flowmarket.errors import InvalidInput

Point = tuple[int, int]
Steps = tuple[Point, ...]


def value_at(steps: Steps, price: int, *, below: int | None = None) -> int:
    """The step function's quantity at `price`; `below` answers prices under the first
    point (None: such a price is a programming error and raises InvalidInput)."""
    index = bisect_right([p for p, _ in steps], price) - 1
    if index < 0:
        if below is None:
            raise InvalidInput(f"price: {price} is below the first point {steps[0][0]}")
        return below
    return steps[index][1]


def value_before(steps: Steps, price: int) -> int | None:
    """The quantity just below `price` (the left limit), None when `price` is at or
    below the first point (the function says nothing below it)."""
    index = bisect_right([p for p, _ in steps], price - 1) - 1
    return None if index < 0 else steps[index][1]


def breakpoints(steps: Sequence[Point]) -> list[int]:
    """The prices where the function may change."""
    return [p for p, _ in steps]


def flat(price: int, quantity: int) -> Steps:
    """One point: `quantity` at every price from `price` on."""
    return ((price, quantity),)
