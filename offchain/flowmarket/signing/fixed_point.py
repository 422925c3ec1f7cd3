"""Exact decimal ↔ int256 fixed-point conversion for signed messages (18 decimals).

Quantities (GB/h), prices (capacity tokens per GB) and portfolio weights travel as
JSON numbers and are signed as `int256` with 18 decimals, the way a contract would
hold them. A number converts to `round(value × 10¹⁸)` only when that is exact: the
shortest decimal that reads back as the same float (Python's `repr`, JavaScript's
`Number.toString`) may have at most 18 digits after the point. Anything else is
refused, so two encoders can never disagree by a rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Context, Decimal
from typing import Any

import numpy as np

from flowmarket.errors import FieldError
from flowmarket.hashing import product_id as product_id
from flowmarket.money import DECIMALS, WAD, decimal_wad

INT256_MAX = 2**255 - 1
INT256_MIN = -(2**255)
# Enough digits for any int256 times 10^18: the default context's 28 would round a
# large integer's product silently.
EXACT = Context(prec=120)


def to_fixed(value: float, *, field: str) -> int:
    """Return `value × 10¹⁸` as an exact integer; `field` names the value in errors."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(field, f"must be a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise FieldError(field, "must be a finite number")
    result = _scaled(value, field)
    if not INT256_MIN <= result <= INT256_MAX:
        raise FieldError(field, f"{value!r} is outside the int256 fixed-point range")
    return result


# fixed_many's fast path: a float that is d / 10^9 for an integer |d| < 10^15 (at most 15
# significant digits and 9 decimals: most signed numbers)
_NANO = 10**9
_FAST_DIGITS = 1e15


def fixed_many(values: Sequence[Any], field: Callable[[int], str]) -> list[int]:
    """`to_fixed` of each of `values` (`field(i)` names the i-th in errors), at once.

    The oracle converts every committed order's weights and curve, hour after hour: a
    float that is exactly the double nearest to d / 10^9 for an integer |d| < 10^15 is
    converted in numpy without its decimal text. That is `to_fixed`'s own answer, d ×
    10^9: the decimal d / 10^9 has at most 15 significant digits and reads back as the
    value, so its shortest form (`repr`) has at most as many digits and reads back as the
    same double, and two decimals of at most 15 significant digits never read back as the
    same double (IEEE double's 15-digit guarantee): the shortest form is d / 10^9 itself.
    d is found as rint(value × 10^9), within a quarter of 1 of the exact product below
    10^15 (two roundings of 2^-53), and checked by dividing back (correctly rounded).
    Every other value (integers, more digits, anything invalid) goes through `to_fixed`.
    """
    n = len(values)
    floats = np.fromiter(
        (v if type(v) is float else math.nan for v in values), dtype=np.float64, count=n
    )
    with np.errstate(invalid="ignore", over="ignore"):
        nanos = np.rint(floats * _NANO)
        fast = (np.abs(nanos) < _FAST_DIGITS) & (nanos / _NANO == floats)
    out = [d * _NANO for d in np.where(fast, nanos, 0.0).astype(np.int64).tolist()]
    for i in np.flatnonzero(~fast).tolist():
        out[i] = to_fixed(values[i], field=field(i))
    return out


def _scaled(value: int | float, field: str) -> int:
    """value × 10¹⁸ from its shortest decimal form, exactly. A plain "-12.345" form (most
    numbers) is split at the point in integers: the oracle converts every order's curve
    each hour, and this is several times faster than the decimal module, which takes
    the rest (exponent forms such as 1e-05 or 1.5e+20)."""
    if isinstance(value, int):
        return value * WAD
    text = repr(value)
    whole, point, fraction = text.partition(".")
    if point and "e" not in fraction and len(fraction) <= DECIMALS:
        return decimal_wad(whole, fraction)
    scaled = EXACT.multiply(Decimal(text), WAD)
    if scaled != scaled.to_integral_value():
        raise FieldError(field, f"{value!r} has more than {DECIMALS} decimals")
    return int(scaled)


def signable(value: float) -> float:
    """`value` rounded to 18 decimals, so `to_fixed` accepts it (a computed float such as
    1.2345678901234567e-05 has 22). Clients round once here, before signing."""
    return round(value, DECIMALS)


def from_fixed(value: int) -> float:
    """Inverse of `to_fixed`: the float nearest to `value / 10¹⁸` (Python's integer
    division is correctly rounded; a 28-digit decimal quotient could round twice)."""
    return value / WAD
