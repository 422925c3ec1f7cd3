"""Hourly flow-trading clearing (market.md §4–5): pure numpy/scipy, no I/O.

Pipeline: `curves` (validate, decompose into linear orders) → `newton` (dual
semismooth Newton) → `prices` (unique prices: projection of the prior) →
`certificate`. `clear` is the array API, `clear_document` the JSON contract, whose
documents are typed in `schema` (`OrdersDoc`, `PriorDoc`, `ResultDoc`, `ClearFn`).

Price rule (market.md §5). Quantities are unique; prices are the Euclidean
projection of the prior prices onto the set of prices that support them:

- the prior is the previous hour's prices; a product missing from it, or every
  product when there is none, has prior 0 — so without history the clearing
  price closest to 0 is chosen (e.g. the best bid when bids and asks overlap
  on an interval above 0);
- a product with no orders keeps its prior price;
- a market with no possible trade (best bid below best ask, per product) clears
  zero quantities at the prior clipped to [best bid, best ask];
- an order exactly at a kink of its curve constrains prices by an inequality
  (the side it cannot move past), not an equality.

Groups of products whose prices are not unique are projected densely up to
`SolverOptions.exact_projection_limit` products and by a certified sparse QP
beyond (`sparse_projection`, solved by `projection_qp`). `Certificate.projection_exact`
is False only when that QP's answer fails its certificate; the prices are then still
clearing prices, but not necessarily the closest one.
"""

from flowmarket.clearing.document import clear_document, parse_orders, result_document
from flowmarket.clearing.engine import clear
from flowmarket.clearing.model import (
    Certificate,
    ClearingResult,
    LinearOrders,
    OrderBook,
    SolverOptions,
    SolverStats,
)
from flowmarket.clearing.schema import (
    CertificateDoc,
    ClearFn,
    OrderDoc,
    OrderResult,
    OrdersDoc,
    ParticipantResult,
    PriorDoc,
    ProductResult,
    ResultDoc,
)

__all__ = [
    "Certificate",
    "CertificateDoc",
    "ClearFn",
    "ClearingResult",
    "LinearOrders",
    "OrderBook",
    "OrderDoc",
    "OrderResult",
    "OrdersDoc",
    "ParticipantResult",
    "PriorDoc",
    "ProductResult",
    "ResultDoc",
    "SolverOptions",
    "SolverStats",
    "clear",
    "clear_document",
    "parse_orders",
    "result_document",
]
