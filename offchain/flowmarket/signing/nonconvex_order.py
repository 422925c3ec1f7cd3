"""EIP-712 typed data of a non-convex order (docs/nonconvex.md): all-or-nothing (a block,
possibly across hours), minimum fill, start-up cost.

A non-convex order is signed as its own struct type, so every curve order keeps its
`Order` type and its id (nothing already signed changes):

    NonConvexOrder(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,
                   bytes32 replaces,string kind,bytes32[] products,int256[] weights,
                   int256[] curveQuantities,int256[] curvePrices,int256 quantity,
                   int256 price,int256 minQuantity,int256 fixedCost)

- `kind` is "all_or_nothing", "min_fill" or "startup"; the fields a kind does not use
  are zero (the curve arrays empty for "all_or_nothing"): `quantity` and `price` for
  "all_or_nothing" (trade `quantity` GB/h of the portfolio or nothing, at most/at least
  `price` per unit of the portfolio), the curve and `minQuantity` for "min_fill", the
  curve and `fixedCost` (tokens per hour) for "startup".
- Everything else is as in `Order` (`typed_data`): products sorted by name, numbers in
  18-decimal fixed point, the order's id is its EIP-712 digest.
- An `OrderBatch` carries `Order` structs only: a non-convex order is signed alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowmarket.errors import FieldError
from flowmarket.hashing import keccak, keccak_text
from flowmarket.signing.fixed_point import product_id, to_fixed
from flowmarket.signing.struct_hash import (
    type_hash,
    word_address,
    word_bytes32,
    word_int,
    word_uint,
)

NONCONVEX_ORDER_TYPE_STRING = (
    "NonConvexOrder(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,"
    "bytes32 replaces,string kind,bytes32[] products,int256[] weights,"
    "int256[] curveQuantities,int256[] curvePrices,int256 quantity,int256 price,"
    "int256 minQuantity,int256 fixedCost)"
)
NONCONVEX_KINDS = ("all_or_nothing", "min_fill", "startup")
# The JSON keys (the `flowmarket clear` contract's) each kind uses besides the portfolio.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "all_or_nothing": ("quantity", "price"),
    "min_fill": ("curve", "min_quantity"),
    "startup": ("curve", "fixed_cost"),
}
TERM_FIELDS = ("quantity", "price", "min_quantity", "fixed_cost")


@dataclass(frozen=True)
class NonConvexTerms:
    """What a non-convex order adds to a portfolio and a curve; unused fields are 0."""

    kind: str
    quantity: float = 0.0
    price: float = 0.0
    min_quantity: float = 0.0
    fixed_cost: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """`{"kind", ...}` with the kind's own scalar fields (the clear contract's keys)."""
        out: dict[str, Any] = {"kind": self.kind}
        for name in KIND_FIELDS[self.kind]:
            if name != "curve":
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> NonConvexTerms:
        """The inverse of `as_json` (stored rows are written by `as_json` only)."""
        return cls(kind=str(raw["kind"]), **{k: float(raw[k]) for k in TERM_FIELDS if k in raw})


def hash_nonconvex_order(
    *,
    participant: str,
    nonce: int,
    from_hour: int,
    until_hour: int,
    replaces: str,
    portfolio: Mapping[str, float],
    curve: tuple[tuple[float, float], ...],
    terms: NonConvexTerms,
) -> bytes:
    """`hashStruct` of a `NonConvexOrder` (byte packing as `struct_hash.hash_order`)."""
    if terms.kind not in NONCONVEX_KINDS:
        raise FieldError(
            "order.kind", f"expected one of {list(NONCONVEX_KINDS)}, got {terms.kind!r}"
        )
    names = sorted(portfolio)
    weights = b"".join(
        word_int(to_fixed(portfolio[n], field=f"order.portfolio.{n}")) for n in names
    )
    quantities = b"".join(
        word_int(to_fixed(q, field=f"order.curve[{k}][0]")) for k, (q, _) in enumerate(curve)
    )
    prices = b"".join(
        word_int(to_fixed(p, field=f"order.curve[{k}][1]")) for k, (_, p) in enumerate(curve)
    )
    return keccak(
        type_hash(NONCONVEX_ORDER_TYPE_STRING)
        + word_address(participant)
        + word_uint(nonce)
        + word_uint(from_hour)
        + word_uint(until_hour)
        + word_bytes32(replaces)
        + keccak_text(terms.kind)
        + keccak(b"".join(product_id(n) for n in names))
        + keccak(weights)
        + keccak(quantities)
        + keccak(prices)
        + b"".join(
            word_int(to_fixed(getattr(terms, name), field=f"order.{name}")) for name in TERM_FIELDS
        )
    )


def terms_struct(terms: NonConvexTerms) -> dict[str, Any]:
    """The EIP-712 message fields a non-convex order adds to an `Order`'s."""
    return {
        "kind": terms.kind,
        "quantity": to_fixed(terms.quantity, field="order.quantity"),
        "price": to_fixed(terms.price, field="order.price"),
        "minQuantity": to_fixed(terms.min_quantity, field="order.min_quantity"),
        "fixedCost": to_fixed(terms.fixed_cost, field="order.fixed_cost"),
    }
