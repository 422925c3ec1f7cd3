"""The file `flowmarket order submit --file` reads: orders (and cancels) sent as one
signed batch.

    {"orders": [{"portfolio": {"premium-eu": 1.0}, "curve": [[-5, 12], [10, 4]],
                 "from_hour": 500001, "until_hour": 500024,
                 "nonce": 12, "replaces": "0x…"}, ...],
     "cancels": ["0x…", ...]}

Units: curve points are [GB/h, capacity tokens per GB]; hours are hours since the Unix
epoch. `portfolio` and `curve` are required; `from_hour` defaults to the open hour,
`until_hour` to `from_hour`, `nonce` to the next unused ones in file order; `replaces`
names an open order this one replaces. A bare list is read as the `orders`. Parsed
strictly: an unknown key is an error naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowmarket.cli.jsonfile import read_json_file
from flowmarket.errors import FieldError

ORDER_KEYS = {"portfolio", "curve", "from_hour", "until_hour", "nonce", "replaces"}


@dataclass(frozen=True)
class OrderDraft:
    """One order of the file; None where the file leaves the default."""

    portfolio: dict[str, float]
    curve: list[tuple[float, float]]
    from_hour: int | None
    until_hour: int | None
    nonce: int | None
    replaces: str | None


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(field, f"must be a number, got {value!r}")
    return float(value)


def _integer(raw: dict[str, Any], key: str, where: str) -> int | None:
    value = raw.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise FieldError(f"{where}.{key}", f"must be an integer, got {value!r}")
    return value


def _draft(raw: Any, where: str) -> OrderDraft:
    if not isinstance(raw, dict):
        raise FieldError(where, "must be an object")
    for key in sorted(set(raw) - ORDER_KEYS):
        raise FieldError(
            f"{where}.{key}", f"unknown key (allowed: {', '.join(sorted(ORDER_KEYS))})"
        )
    portfolio, curve = raw.get("portfolio"), raw.get("curve")
    if not isinstance(portfolio, dict) or not portfolio:
        raise FieldError(f"{where}.portfolio", "must be an object {product: weight}")
    if not isinstance(curve, list) or not all(isinstance(p, list) and len(p) == 2 for p in curve):
        raise FieldError(f"{where}.curve", "must be a list of [quantity, price] points")
    replaces = raw.get("replaces")
    if replaces is not None and not isinstance(replaces, str):
        raise FieldError(f"{where}.replaces", "must be an order id (0x + 64 hex digits)")
    return OrderDraft(
        portfolio={str(k): _number(w, f"{where}.portfolio.{k}") for k, w in portfolio.items()},
        curve=[
            (_number(q, f"{where}.curve[{k}][0]"), _number(p, f"{where}.curve[{k}][1]"))
            for k, (q, p) in enumerate(curve)
        ],
        from_hour=_integer(raw, "from_hour", where),
        until_hour=_integer(raw, "until_hour", where),
        nonce=_integer(raw, "nonce", where),
        replaces=replaces,
    )


def read_order_file(path: Path) -> tuple[list[OrderDraft], list[str]]:
    """(orders, cancels) of the file; FieldError naming the entry and key."""
    raw = read_json_file(path, "orders file")
    if isinstance(raw, list):
        raw = {"orders": raw}
    if not isinstance(raw, dict):
        raise FieldError("orders file", "must be an object with 'orders' (and 'cancels')")
    for key in sorted(set(raw) - {"orders", "cancels"}):
        raise FieldError(key, "unknown key (allowed: orders, cancels)")
    orders, cancels = raw.get("orders", []), raw.get("cancels", [])
    if not isinstance(orders, list):
        raise FieldError("orders", "must be a list of orders")
    if not isinstance(cancels, list) or not all(isinstance(c, str) for c in cancels):
        raise FieldError("cancels", "must be a list of order ids")
    return [_draft(order, f"orders[{i}]") for i, order in enumerate(orders)], list(cancels)
