"""Stage 4: quantities, per-product and per-participant outputs, and the certificate."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.curves import curve_gap
from flowmarket.clearing.dual import (
    DualOperators,
    column_prices,
    dot,
    hessian_diagonal,
    inside,
    net_demand,
    primal_value,
    response,
)
from flowmarket.clearing.model import (
    Certificate,
    ClearingResult,
    FloatArray,
    LinearOrders,
    OrderBook,
    OrderGaps,
    Residuals,
    SolverStats,
)


def order_trades(book: OrderBook, order_quantity: FloatArray) -> sp.csc_array:
    """Signed GB/h per (product, order): (n, m) sparse, column j = w_j · quantity_j."""
    trades = sp.csc_array(book.portfolios, copy=True)
    trades.data *= np.repeat(order_quantity, np.diff(trades.indptr))
    return trades


def certify(
    book: OrderBook,
    lin: LinearOrders,
    ops: DualOperators,
    prices: FloatArray,
    exact: bool,
    gaps: OrderGaps = curve_gap,
) -> tuple[FloatArray, FloatArray, FloatArray, Certificate, Residuals]:
    """(column prices u (l,), x (l,), order quantities (m,), certificate, its residuals)
    at `prices`; gaps: how the orders' gaps are measured (`SolverOptions.order_gaps`)."""
    u = column_prices(ops, prices)
    x = response(lin, u)
    quantity = np.bincount(lin.parent, weights=lin.sign * x, minlength=book.n_orders).astype(
        np.float64
    )
    imbalance = net_demand(ops, x)
    gap = gaps(book, book.portfolios.T @ prices, quantity, 0.0)
    certificate = Certificate(
        max_imbalance=float(np.max(np.abs(imbalance), initial=0.0)),
        max_order_gap=float(np.max(gap, initial=0.0)),
        # dual − primal = Σ (p_high − u)x − slope x²/2 − (p_high x − slope x²/2) = −u·x
        # = −π·(W x) exactly for x = x(u); summed over products, without the
        # cancellation of two large objective values.
        duality_gap=abs(dot(prices, imbalance)),
        projection_exact=exact,
    )
    return u, x, quantity, certificate, Residuals(imbalance, gap)


def participant_trades(book: OrderBook, trades: sp.csc_array) -> sp.csr_array:
    """Signed GB/h per (participant, product): (p, n), the sum of each participant's orders."""
    owner = np.repeat(book.order_participant, np.diff(trades.indptr))
    out = sp.csr_array(
        (trades.data, (owner, trades.indices)), shape=(len(book.participants), book.n_products)
    )
    out.sum_duplicates()
    out.eliminate_zeros()
    return out


def assemble(
    book: OrderBook,
    lin: LinearOrders,
    ops: DualOperators,
    prices: FloatArray,
    exact: bool,
    stats: SolverStats,
    gaps: OrderGaps = curve_gap,
) -> tuple[ClearingResult, Residuals]:
    """Every output of §5 at the final prices, and what its certificate measured (for
    the gate, `gate.check`); gaps: as `certify`'s."""
    u, x, quantity, certificate, residuals = certify(book, lin, ops, prices, exact, gaps)
    trades = order_trades(book, quantity)
    volume = np.bincount(
        trades.indices, weights=np.maximum(trades.data, 0.0), minlength=book.n_products
    ).astype(np.float64)
    slope = 0.0 - hessian_diagonal(ops, inside(lin, u))
    del u  # a column of every linear order, read no more: not held at the welfare's sum
    by_participant = participant_trades(book, trades)
    cash = 0.0 - (by_participant @ prices)
    result = ClearingResult(
        prices=prices,
        order_quantity=quantity,
        linear_quantity=x,
        volume=volume,
        slope=slope,
        participant_trades=by_participant,
        cash=cash,
        welfare=primal_value(lin, x),
        certificate=certificate,
        stats=stats,
    )
    return result, residuals
