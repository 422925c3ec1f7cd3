"""Hourly flow-trading clearing (market.md §4–5): pure numpy/scipy, no I/O.

Pipeline: `curves` (validate, decompose into linear orders) → `newton` (dual
semismooth Newton) → `prices` (unique prices: projection of the prior) →
`certificate`. `clear` is the array API, `clear_document` the JSON contract.
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

__all__ = [
    "Certificate",
    "ClearingResult",
    "LinearOrders",
    "OrderBook",
    "SolverOptions",
    "SolverStats",
    "clear",
    "clear_document",
    "parse_orders",
    "result_document",
]
