"""Stage 4: quantities, per-product and per-participant outputs, and the certificate."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.curves import curve_quantity
from flowmarket.clearing.dual import (
    DualOperators,
    column_prices,
    dual_value,
    inside,
    primal_value,
    response,
)
from flowmarket.clearing.model import (
    Certificate,
    ClearingResult,
    FloatArray,
    LinearOrders,
    OrderBook,
    SolverStats,
)


def order_trades(book: OrderBook, order_quantity: FloatArray) -> sp.csc_array:
    """Signed GB/h per (product, order): (n, m) sparse, column j = w_j · quantity_j."""
    trades = sp.csc_array(book.portfolios, copy=True)
    trades.data *= np.repeat(order_quantity, np.diff(trades.indptr))
    return trades


def certify(
    book: OrderBook, lin: LinearOrders, ops: DualOperators, prices: FloatArray, exact: bool
) -> tuple[FloatArray, FloatArray, Certificate]:
    """Linear quantities (l,), order quantities (m,) and the certificate at `prices`."""
    u = column_prices(ops, prices)
    x = response(lin, u)
    quantity = np.bincount(lin.parent, weights=lin.sign * x, minlength=book.n_orders).astype(
        np.float64
    )
    curve = curve_quantity(book, book.portfolios.T @ prices)
    certificate = Certificate(
        max_imbalance=float(np.max(np.abs(ops.weights @ x), initial=0.0)),
        max_order_gap=float(np.max(np.abs(quantity - curve), initial=0.0)),
        duality_gap=abs(dual_value(lin, u) - primal_value(lin, x)),
        projection_exact=exact,
    )
    return x, quantity, certificate


def assemble(
    book: OrderBook,
    lin: LinearOrders,
    ops: DualOperators,
    prices: FloatArray,
    exact: bool,
    stats: SolverStats,
) -> ClearingResult:
    """Every output of §5 at the final prices."""
    x, quantity, certificate = certify(book, lin, ops, prices, exact)
    trades = order_trades(book, quantity)
    volume = np.asarray(trades.maximum(0).sum(axis=1)).ravel()
    slope = 0.0 - (ops.weights_sq @ inside(lin, column_prices(ops, prices)))
    n_part = len(book.participants)
    owner = sp.csr_array(
        (np.ones(book.n_orders), (book.order_participant, np.arange(book.n_orders))),
        shape=(n_part, book.n_orders),
    )
    participant_trades = sp.csr_array(owner @ trades.T)
    cash = 0.0 - (participant_trades @ prices)
    return ClearingResult(
        prices=prices,
        order_quantity=quantity,
        linear_quantity=x,
        volume=volume,
        slope=slope,
        participant_trades=participant_trades,
        cash=cash,
        welfare=primal_value(lin, x),
        certificate=certificate,
        stats=stats,
    )
