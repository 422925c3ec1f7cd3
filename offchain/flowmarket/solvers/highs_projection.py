"""HiGHS's QP solver for the clearing's unique-price projection of large groups, and
the solver options every clearing of the market uses (with the compiled passes).

The clearing package stays numpy/scipy only (docs/architecture.md) and projects large
groups with its own solver (`clearing.projection_qp`); this adapter adds HiGHS (a
dependency already, for the auctions' MILP) after it, through
`SolverOptions.large_group_qp`, for a group whose first answer fails its certificate.
The package checks every answer with its own certificate (`clearing.sparse_projection`),
so nothing here is trusted: HiGHS only proposes. The oracle, `flowmarket verify` and
`flowmarket clear` all clear with `MARKET_OPTIONS`, so the prices they compute are the
same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from flowmarket.clearing import ResultDoc, SolverOptions, clear_document
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.model import FloatArray, IntArray, LineColumns, OrderBook
from flowmarket.clearing.pairs import ProductPairs
from flowmarket.clearing.parallel import ColumnSplit
from flowmarket.clearing.passes import Passes
from flowmarket.clearing.projection_qp import active_set_projection
from flowmarket.solvers.cuda import with_backend


def highs_projection_qp(
    rows: sp.csc_array, n_eq: int, rhs: FloatArray, delta: FloatArray
) -> Iterator[tuple[FloatArray, FloatArray | None]]:
    """min ½‖d − δ‖² s.t. rows[:n_eq] d = 0, rows[n_eq:] d ≤ rhs: HiGHS's answer without
    regularisation, then with its default 1e-7 (which gets through some degenerate
    active sets; the certificate's polish removes its bias)."""
    for regularisation in (0.0, 1e-7):
        answer = _solve(rows, n_eq, rhs, delta, regularisation)
        if answer is not None:
            yield answer


def market_projection_qp(
    rows: sp.csc_array, n_eq: int, rhs: FloatArray, delta: FloatArray
) -> Iterator[tuple[FloatArray, FloatArray | None]]:
    """The clearing's own solver first (`clearing.projection_qp`), HiGHS's answers after
    it: HiGHS runs only when the first answer fails its certificate."""
    yield from active_set_projection(rows, n_eq, rhs, delta)
    yield from highs_projection_qp(rows, n_eq, rhs, delta)


def market_passes(ops: DualOperators, cols: ColumnSplit) -> Passes:
    """The Newton stage's passes as compiled loops (`solvers.compiled_passes`): the same
    bits as numpy's, in less time. Imported on first use: numba takes a second to import,
    which a command that never clears (or the API) should not wait for."""
    from flowmarket.solvers.compiled_passes import compiled_passes

    return compiled_passes(ops, cols)


def market_order_gaps(
    book: OrderBook, portfolio_price: FloatArray, quantity: FloatArray, slack: float
) -> FloatArray:
    """The certificate's order gaps as one compiled loop (`solvers.compiled_curves`): the
    same bits as numpy's, in less time; imported on first use, as `market_passes`."""
    from flowmarket.solvers.compiled_curves import curve_gap

    return curve_gap(book, portfolio_price, quantity, slack)


class MarketLines:
    """The book's linear orders made by compiled loops (`solvers.compiled_lines`): the
    same bits as numpy's, in less time; imported on first use, as `market_passes`."""

    def columns(self, book: OrderBook) -> LineColumns:
        from flowmarket.solvers.compiled_lines import COMPILED_LINES

        return COMPILED_LINES.columns(book)

    def low_and_slope(self, book: OrderBook) -> tuple[FloatArray, FloatArray]:
        from flowmarket.solvers.compiled_lines import COMPILED_LINES

        return COMPILED_LINES.low_and_slope(book)


def market_pair_strengths(
    pairs: ProductPairs, coupled_a: FloatArray, diagonal: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Engine 4's strong pairs of products as one compiled loop (`solvers.compiled_pairs`):
    the same bits as numpy's, in less time; imported on first use, as `market_passes`."""
    from flowmarket.solvers.compiled_pairs import strong_pairs

    return strong_pairs(pairs, coupled_a, diagonal)


MARKET_OPTIONS = SolverOptions(
    large_group_qp=market_projection_qp,
    passes=market_passes,
    order_gaps=market_order_gaps,
    lines=MarketLines(),
    pair_strengths=market_pair_strengths,
)


def clear_market_document(
    orders_doc: Mapping[str, Any],
    prior_doc: Mapping[str, Any] | None = None,
    *,
    backend: str = "cpu",
    threads: int = 1,
) -> ResultDoc:
    """`clear_document` with the market's options: an `schema.ClearFn`. backend: where the
    Newton stage runs (`SolverOptions.backend`; the oracle and `verify` keep "cpu");
    threads: `SolverOptions.threads` (the same prices, bit for bit, on any number)."""
    options = MARKET_OPTIONS if threads == 1 else replace(MARKET_OPTIONS, threads=threads)
    return clear_document(orders_doc, prior_doc, with_backend(options, backend))


def _solve(
    rows: sp.csc_array, n_eq: int, rhs: FloatArray, delta: FloatArray, regularisation: float
) -> tuple[FloatArray, FloatArray | None] | None:
    m = delta.size
    n_rows = rows.shape[0]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m, n_rows
    lp.col_cost_ = -delta
    lp.col_lower_ = np.full(m, -highspy.kHighsInf)
    lp.col_upper_ = np.full(m, highspy.kHighsInf)
    lower = np.concatenate([np.zeros(n_eq), np.full(n_rows - n_eq, -highspy.kHighsInf)])
    upper = np.concatenate([np.zeros(n_eq), rhs])
    lp.row_lower_, lp.row_upper_ = lower, upper
    by_column = rows.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = by_column.indptr
    lp.a_matrix_.index_ = by_column.indices
    lp.a_matrix_.value_ = by_column.data
    hessian = highspy.HighsHessian()
    hessian.dim_ = m
    hessian.format_ = highspy.HessianFormat.kTriangular
    hessian.start_ = np.arange(m + 1)
    hessian.index_ = np.arange(m)
    hessian.value_ = np.ones(m)
    model = highspy.HighsModel()
    model.lp_ = lp
    model.hessian_ = hessian
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("qp_regularization_value", regularisation)
    h.passModel(model)
    h.run()
    solution = h.getSolution()
    # HiGHS's QP solver reports "Solve error" (and flags its values invalid) on some
    # degenerate problems whose primal answer is nonetheless optimal: neither its status
    # nor its flags decide, the certificate does.
    d = np.asarray(solution.col_value, dtype=float)
    if d.shape != (m,) or not np.all(np.isfinite(d)):
        return None
    if solution.dual_valid:
        return d, np.asarray(solution.row_dual, dtype=float)
    return d, None
