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
from decimal import Context, Decimal
from functools import lru_cache

from flowmarket.errors import FieldError
from flowmarket.hashing import keccak_text
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


@lru_cache(maxsize=1 << 16)
def product_id(name: str) -> bytes:
    """A product's on-chain identifier: `keccak256(bytes(name))` (UTF-8), 32 bytes."""
    return keccak_text(name)
