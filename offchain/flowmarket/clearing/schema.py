"""The JSON documents at the engine boundary, as types: ORDERS.json, PRIOR.json, RESULT.json.

`flowmarket clear`, the oracle and anyone re-verifying a published hour exchange these
documents with the engine (`document.clear_document`). They are TypedDicts, not
classes, because they are the JSON itself: a document read from a file is checked by
`document.parse_orders` / `parse_prior` and then has exactly these keys.

Units: quantities GB/h (of an order's portfolio, or of a product), prices capacity
tokens per GB, cash capacity tokens (negative = pays), welfare capacity tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NotRequired, TypedDict


class OrderDoc(TypedDict):
    """One order: `portfolio` {product: weight}, `curve` [[quantity, price], ...] with
    quantity strictly increasing, price strictly decreasing, quantity range containing 0."""

    id: str
    participant: str
    portfolio: dict[str, float]
    curve: list[list[float]]


class OrdersDoc(TypedDict):
    """ORDERS.json. Without `products` the catalogue is every product the orders and
    the prior name, sorted."""

    products: NotRequired[list[str]]
    orders: list[OrderDoc]


class PriorDoc(TypedDict):
    """PRIOR.json: the previous hour's prices, the tie-break towards which prices that
    are not unique are chosen (a product missing here has prior 0)."""

    prices: dict[str, float]


class OrderResult(TypedDict):
    quantity: float  # GB/h of the order's portfolio traded (signed like its curve)


class ProductResult(TypedDict):
    volume: float  # GB/h bought = GB/h sold
    slope: float  # d(price)/d(volume) at the clearing point


class ParticipantResult(TypedDict):
    trades: dict[str, float]  # product -> GB/h (+ = bought), zero trades left out
    cash: float  # capacity tokens, -Σ price · trade (negative = pays)


class CertificateDoc(TypedDict):
    """How well the solution clears: residuals of market balance and of each order
    trading where its curve says, in GB/h; the duality gap in capacity tokens."""

    max_imbalance: float
    max_order_gap: float
    duality_gap: float
    projection_exact: bool  # False when the prices are clearing but maybe not the closest


class ResultDoc(TypedDict):
    """RESULT.json: per product, order and participant; the committed roots derive
    from it (`oracle.hour_commitment.build_hour_bundle`)."""

    prices: dict[str, float]
    orders: dict[str, OrderResult]
    participants: dict[str, ParticipantResult]
    products: dict[str, ProductResult]
    welfare: float
    certificate: CertificateDoc


# The clearing function the oracle runs (`document.clear_document`, or a test double).
ClearFn = Callable[[OrdersDoc, PriorDoc | None], ResultDoc]
