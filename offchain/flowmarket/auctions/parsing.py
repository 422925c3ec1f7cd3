"""Strict readers for auction documents (specs, bids): every problem names its field.

Numbers are decimals as JSON writes them and become exact 18-decimal integers
(`signing.fixed_point.to_fixed`): token amounts in wei, quantities in 10⁻¹⁸ GB.
Unknown keys are errors, never ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Set
from typing import Any

from eth_utils.address import is_address, to_checksum_address

from flowmarket.errors import FieldError
from flowmarket.signing.fixed_point import to_fixed

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_PRODUCT_NAME = 128


def mapping(value: Any, *, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FieldError(field, f"must be an object, got {type(value).__name__}")
    return value


def keys(
    doc: Mapping[str, Any], *, field: str, required: Set[str], optional: Set[str] = frozenset()
) -> None:
    """Raise FieldError for a missing required key or any key not in either set."""
    for key in sorted(required - set(doc)):
        raise FieldError(_join(field, key), "is required")
    for key in sorted(set(doc) - required - set(optional)):
        raise FieldError(_join(field, key), "unknown key")


def sequence(value: Any, *, field: str, min_items: int = 0) -> list[Any]:
    if not isinstance(value, list):
        raise FieldError(field, f"must be a list, got {type(value).__name__}")
    if len(value) < min_items:
        raise FieldError(field, f"needs at least {min_items} item(s), got {len(value)}")
    return value


def amount(value: Any, *, field: str, positive: bool = False) -> int:
    """A non-negative decimal as an exact 18-decimal integer (strictly positive with
    `positive`)."""
    result = to_fixed(value, field=field)
    if result < 0 or (positive and result == 0):
        raise FieldError(field, f"must be {'positive' if positive else 'non-negative'}")
    return result


def integer(value: Any, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(field, f"must be an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise FieldError(field, f"must be in [{low}, {high}], got {value}")
    return value


def name(value: Any, *, field: str) -> str:
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise FieldError(
            field, "must be 1-64 characters of a-z, 0-9 and '-', not starting with '-'"
        )
    return value


def product_name(value: Any, *, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_PRODUCT_NAME:
        raise FieldError(field, f"must be a product name of 1-{MAX_PRODUCT_NAME} characters")
    return value


def address(value: Any, *, field: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise FieldError(field, f"not an address: {value!r}")
    return str(to_checksum_address(value))


def multiple_of(value: int, unit: int, *, field: str, what: str) -> int:
    if value % unit:
        raise FieldError(field, f"must be a multiple of the {what}")
    return value


def unique_names(names: Sequence[str], *, field: str) -> None:
    """FieldError at `field[k].name` for the first name that appears twice."""
    seen: set[str] = set()
    for k, item in enumerate(names):
        if item in seen:
            raise FieldError(f"{field}[{k}].name", f"{item!r} appears twice")
        seen.add(item)


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key
