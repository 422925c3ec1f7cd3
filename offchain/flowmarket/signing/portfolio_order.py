"""EIP-712 typed data of a portfolio order: one curve over several named portfolios
(docs/portfolios.md).

"Up to 1 GB/h of east and west together at up to 5" is one curve whose quantity is the
weighted sum of the rates of the portfolios it names. Such an order is signed as its own
struct type, so every `Order` keeps its type and its id (nothing already signed changes):

    PortfolioOrder(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,
                   bytes32 replaces,Portfolio[] portfolios,int256[] curveQuantities,
                   int256[] curvePrices)
    Portfolio(string name,int256 weight,bytes32[] products,int256[] weights)

- The type hash is that of the primary type's string followed by `Portfolio`'s (the
  EIP-712 rule for referenced struct types).
- `portfolios` is listed in ascending order of name (Python `sorted`, by code point);
  `weight` is the portfolio's weight in the curve's quantity (the curve values
  Σ weight × the portfolio's rate); each portfolio's `products` are listed in ascending
  order of product name with `weights[k]` the weight of `products[k]` (as in `Order`).
- An array of structs is keccak256 of the concatenated `hashStruct` of its members.
- Numbers are 18-decimal fixed point, the order's id is its EIP-712 digest, as for
  `Order`. An `OrderBatch` carries `Order` structs only: a portfolio order is signed alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flowmarket.hashing import keccak, keccak_text
from flowmarket.signing.fixed_point import product_id, to_fixed
from flowmarket.signing.struct_hash import (
    type_hash,
    word_address,
    word_bytes32,
    word_int,
    word_uint,
)

PORTFOLIO_TYPE_STRING = "Portfolio(string name,int256 weight,bytes32[] products,int256[] weights)"
PORTFOLIO_ORDER_PRIMARY = (
    "PortfolioOrder(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,"
    "bytes32 replaces,Portfolio[] portfolios,int256[] curveQuantities,int256[] curvePrices)"
)
PORTFOLIO_ORDER_TYPE_STRING = PORTFOLIO_ORDER_PRIMARY + PORTFOLIO_TYPE_STRING


@dataclass(frozen=True)
class NamedPortfolio:
    """One portfolio of a portfolio order: its name (unique in the order), its weight in
    the curve's quantity and its products {product: weight}."""

    name: str
    weight: float
    products: Mapping[str, float]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "weight": self.weight, "products": dict(self.products)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> NamedPortfolio:
        """The inverse of `as_json` (stored rows are written by `as_json` only)."""
        products = {str(k): float(v) for k, v in dict(raw["products"]).items()}
        return cls(name=str(raw["name"]), weight=float(raw["weight"]), products=products)


def ordered(portfolios: Sequence[NamedPortfolio]) -> list[NamedPortfolio]:
    """The portfolios in their signed order (by name)."""
    return sorted(portfolios, key=lambda p: p.name)


def _where(k: int) -> str:
    return f"order.portfolios[{k}]"


def portfolio_struct(k: int, portfolio: NamedPortfolio) -> dict[str, Any]:
    """The EIP-712 `Portfolio` message of the k-th portfolio (in signed order)."""
    names = sorted(portfolio.products)
    return {
        "name": portfolio.name,
        "weight": to_fixed(portfolio.weight, field=f"{_where(k)}.weight"),
        "products": [product_id(n) for n in names],
        "weights": [
            to_fixed(portfolio.products[n], field=f"{_where(k)}.products.{n}") for n in names
        ],
    }


def hash_portfolio(k: int, portfolio: NamedPortfolio) -> bytes:
    """`hashStruct` of one `Portfolio`."""
    names = sorted(portfolio.products)
    weights = b"".join(
        word_int(to_fixed(portfolio.products[n], field=f"{_where(k)}.products.{n}")) for n in names
    )
    return keccak(
        type_hash(PORTFOLIO_TYPE_STRING)
        + keccak_text(portfolio.name)
        + word_int(to_fixed(portfolio.weight, field=f"{_where(k)}.weight"))
        + keccak(b"".join(product_id(n) for n in names))
        + keccak(weights)
    )


def hash_portfolio_order(
    *,
    participant: str,
    nonce: int,
    from_hour: int,
    until_hour: int,
    replaces: str,
    portfolios: Sequence[NamedPortfolio],
    curve: tuple[tuple[float, float], ...],
) -> bytes:
    """`hashStruct` of a `PortfolioOrder` (byte packing as `struct_hash.hash_order`)."""
    members = b"".join(hash_portfolio(k, p) for k, p in enumerate(ordered(portfolios)))
    quantities = b"".join(
        word_int(to_fixed(q, field=f"order.curve[{k}][0]")) for k, (q, _) in enumerate(curve)
    )
    prices = b"".join(
        word_int(to_fixed(p, field=f"order.curve[{k}][1]")) for k, (_, p) in enumerate(curve)
    )
    return keccak(
        type_hash(PORTFOLIO_ORDER_TYPE_STRING)
        + word_address(participant)
        + word_uint(nonce)
        + word_uint(from_hour)
        + word_uint(until_hour)
        + word_bytes32(replaces)
        + keccak(members)
        + keccak(quantities)
        + keccak(prices)
    )
