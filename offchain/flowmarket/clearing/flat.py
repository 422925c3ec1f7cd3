"""Stage 2 with flat pieces (limit prices): exact prices, then the tie rule's quantities.

A flat piece of a curve (two points at one price p, `curves`) is a linear order of
slope 0: at a column price above p it trades nothing, below p all of its length q,
and at p exactly any quantity in [0, q]. Its dual has kinks, so the prices come
from proximal steps on the flat columns, as for a network's flow columns
(`proximal`): each step k solves the engine's own problem with slope ε_j and
p_high_j + ε_j x_j^k on them, warm-started, and moves the centre to the new
quantities, until max_j ε_j |x_j^{k+1} − x_j^k| (how far the step's prices can be
from exact, tokens per GB) is within price_tol × the price scale. ε_j = κ × the
inverse of the sloped orders' Hessian diagonal at the column's products (κ = 1: as
stiff as the orders around it), with κ shrinking per step as in `proximal`.

The prices are then the projection of the prior onto the optimal price set
(`prices`), as without flat pieces.

Quantities: with the prices fixed, every sloped piece trades a unique quantity, and
so does every flat piece whose price is not its column's price. The flat pieces at
exactly their column's price (*tied*) can share the trade in many ways; the rule
(the tie rule): among the optimal quantities, the published ones minimise

    Σ_{tied flat pieces} x_j² / q_j,

strictly convex, so they are unique. Tied pieces of one product at one price fill
*pro rata*, the same share of each piece's length; a trade that nobody needs is not
made (two flat curves at the same price trade nothing with each other). This is
one more clearing problem of the engine's form (as `canonical`'s flows): the tied
pieces are linear orders with p_high 0 and slope 1/q_j, and the products' net
trade of the tied pieces in the proximal solution are columns that are always full.
Before it, a product that only one tied piece trades fixes that piece (in rounds:
named portfolios chain so, `portfolio_document`). Where the rule's problem does not
converge (tied pieces forced to the edge of what they can trade together leave its
dual without a finite optimum), the proximal solution's split is kept: optimal and
certified, not the rule's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing import gate
from flowmarket.clearing.certificate import order_trades, participant_trades
from flowmarket.clearing.curves import order_gaps
from flowmarket.clearing.dual import (
    DualOperators,
    column_prices,
    dot,
    hessian_diagonal,
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
    SolverOptions,
    SolverStats,
)
from flowmarket.clearing.newton import hessian_scale, imbalance_target, solve_dual
from flowmarket.clearing.prices import unique_prices
from flowmarket.clearing.proximal import (
    FINAL_MAX_ITER,
    FINAL_TARGET,
    FIRST_TARGET,
    INEXACT,
    INNER_MAX_ITER,
    KAPPA_DECAY,
    KAPPA_START,
    TIGHTEN,
    price_scale,
)
from flowmarket.errors import ClearingFailed

BoolArray = npt.NDArray[np.bool_]

# The stiffest proximal weight, relative to the orders around a flat piece. Measured on
# random books of 10^4 orders with 2 × 10^3 flat pieces at four shared prices: the
# network's 1e-3 stalls Newton (80 iterations per step, no convergence in 60 steps);
# 1, 0.1 and 0.01 converge in 31, 13 and 10 steps (193–213 Newton iterations in all).
KAPPA_MIN = 0.1

# A flat piece counts as tied when its column price is within this many price_tol ×
# price scale of its price (the proximal prices are exact to one price_tol).
TIE_TOLERANCE = 100.0
# The tie rule's imbalance target relative to tol × the largest tied trade (its
# problem has no other orders, so digits are cheap), as `canonical`.
TIE_TARGET = 0.01
# Newton iterations of the tie rule's problem: where the tied pieces' trade is forced
# to the edge of what they can do (a portfolio at its order's end), its prices are
# large and the iterations many (measured: 535 on a random book of 10^3 orders).
TIE_MAX_ITER = 2000
# A product's net trade of the tied pieces below this share of the largest is rounding.
ROUNDING = 1e-13


@dataclass(frozen=True)
class FlatSolution:
    """Prices (n,), the last proximal step's problem and its x (l,), the work done."""

    prices: FloatArray
    lin: LinearOrders
    ops: DualOperators
    x: FloatArray
    steps: int
    iterations: int
    cg_iterations: int
    converged: bool


def operators(lin: LinearOrders) -> DualOperators:
    """`DualOperators` of a problem with slope-0 columns (their 1/slope set to 0)."""
    flat = lin.slope == 0
    ops = DualOperators.of(replace(lin, slope=np.where(flat, 1.0, lin.slope)))
    return replace(ops, inv_slope=np.where(flat, 0.0, ops.inv_slope))


def _stiffness(lin: LinearOrders, ops: DualOperators, flat: BoolArray) -> FloatArray:
    """ε_j / κ (tokens per GB per GB/h) of the flat columns."""
    diag = ops.groups_sq @ ops.group_sum(ops.inv_slope)
    reach = np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 0.0)
    weights = sp.csc_array(lin.weights[:, np.flatnonzero(flat)])
    base = np.asarray(abs(weights).T @ reach, dtype=np.float64)
    if np.any(ops.inv_slope > 0):
        fallback = 1.0 / hessian_scale(ops, ops.inv_slope)
    else:  # only flat pieces: as stiff as a piece spanning the price scale
        largest = max(1.0, float(np.max(lin.q, initial=0.0)))
        fallback = price_scale(lin, lin.n_linear) / largest
    return np.where(base > 0, base, fallback)


def solve_flat(
    lin: LinearOrders, ops: DualOperators, prior: FloatArray, options: SolverOptions
) -> FlatSolution:
    """Prices of a problem with flat columns, exact to price_tol × price scale."""
    flat = lin.slope == 0
    cols = np.flatnonzero(flat)
    base = _stiffness(lin, ops, flat)
    tolerance = options.price_tol * price_scale(lin, lin.n_linear)
    largest = max(1.0, float(np.max(lin.q, initial=0.0)))
    standard, final = options.tol * largest, FINAL_TARGET * options.tol * largest
    inner_options = replace(options, max_iter=min(options.max_iter, INNER_MAX_ITER))
    exact_options = replace(options, max_iter=min(options.max_iter, FINAL_MAX_ITER))
    prices, centre = prior.copy(), np.zeros(cols.size)
    kappa, inner, iterations, cg = KAPPA_START, FIRST_TARGET * largest, 0, 0
    for step in range(options.max_prox_iter):
        eps = kappa * base
        slope = lin.slope.copy()
        slope[cols] = eps
        p_high = lin.p_high.copy()
        p_high[cols] += eps * centre
        step_lin = replace(lin, slope=slope, p_high=p_high, p_low=p_high - slope * lin.q)
        inv_slope = ops.inv_slope.copy()
        inv_slope[cols] = 1.0 / eps
        step_ops = replace(ops, inv_slope=inv_slope)
        exact = inner == 0.0
        solution = solve_dual(
            step_lin,
            step_ops,
            prices,
            exact_options if exact else inner_options,
            cold_start=False,
            target=final if exact else max(final, inner),
        )
        prices = solution.prices
        iterations += solution.iterations
        cg += solution.cg_iterations
        x = response(step_lin, column_prices(step_ops, prices))
        change = np.abs(x[cols] - centre)
        residual = float(np.max(eps * change, initial=0.0))
        centre = x[cols]
        converged = residual <= tolerance and solution.max_imbalance <= standard
        if (converged and exact) or step + 1 == options.max_prox_iter:
            return FlatSolution(prices, step_lin, step_ops, x, step + 1, iterations, cg, converged)
        loose = min(inner, INEXACT * float(np.max(change, initial=0.0)))
        inner = 0.0 if converged else TIGHTEN * loose
        kappa = kappa if converged else max(kappa * KAPPA_DECAY, KAPPA_MIN)
    raise ClearingFailed("clearing: no proximal step allowed (SolverOptions.max_prox_iter)")


def tie_tolerance(lin: LinearOrders, options: SolverOptions) -> float:
    """Tokens per GB within which a flat piece's column price counts as its price."""
    return TIE_TOLERANCE * options.price_tol * price_scale(lin, lin.n_linear)


def tie_rule(
    lin: LinearOrders,
    ops: DualOperators,
    prices: FloatArray,
    solver_x: FloatArray,
    options: SolverOptions,
) -> FloatArray:
    """Quantities x (l,) GB/h at `prices`: sloped and untied flat pieces by their
    response, tied flat pieces by the tie rule, keeping the tied pieces' net trade of
    every product in the solver's solution `solver_x` (so the rule's problem is
    feasible exactly)."""
    flat = lin.slope == 0
    u = column_prices(ops, prices)
    x = solver_x.copy()
    sloped = ~flat
    x[sloped] = np.clip((lin.p_high[sloped] - u[sloped]) / lin.slope[sloped], 0.0, lin.q[sloped])
    tol_price = tie_tolerance(lin, options)
    below = flat & (u < lin.p_high - tol_price)
    above = flat & (u > lin.p_high + tol_price)
    x[below] = lin.q[below]
    x[above] = 0.0
    tied = np.flatnonzero(flat & ~below & ~above)
    if tied.size == 0:
        return x
    w_all = sp.csc_array(lin.weights[:, tied])
    values, free, rest = _forced(w_all, w_all @ solver_x[tied], lin.q[tied])
    x[tied] = values
    cols = tied[free]
    if cols.size == 0:
        return x
    shares = _rule(sp.csc_array(w_all[:, np.flatnonzero(free)]), rest, lin.q[cols], options)
    # where the rule's problem does not converge (measured: never on books with every
    # flat piece of its own; possible where tied pieces are forced to the edge of what
    # they can trade together), the solver's own split, optimal too, is kept
    x[cols] = solver_x[cols] if shares is None else shares
    return x


def _forced(
    w: sp.csc_array, net: FloatArray, q: FloatArray
) -> tuple[FloatArray, BoolArray, FloatArray]:
    """Tied pieces whose trade the balance alone fixes, in rounds: a product that only
    one still-open tied piece trades fixes that piece's quantity (its net trade over
    its weight). Returns (quantities (k,), still open (k,), net trade left (n,))."""
    k = q.size
    values = np.zeros(k)
    open_ = np.ones(k, dtype=bool)
    rest = net.copy()
    by_row = sp.csr_array(w)
    pattern = sp.csr_array((np.ones(by_row.nnz), by_row.indices, by_row.indptr), by_row.shape)
    while True:
        counts = pattern @ open_.astype(np.float64)
        single = np.flatnonzero(counts == 1)
        if single.size == 0:
            break
        sub = by_row[single]
        row_of = np.repeat(single, np.diff(sub.indptr))
        keep = open_[sub.indices]
        col, weight, row = sub.indices[keep], sub.data[keep], row_of[keep]
        col, first = np.unique(col, return_index=True)
        value = np.clip(rest[row[first]] / weight[first], 0.0, q[col])
        values[col] = value
        open_[col] = False
        rest -= sp.csc_array(w[:, col]) @ value
    return values, open_, rest


def _rule(
    w_tied: sp.csc_array, net: FloatArray, q_tied: FloatArray, options: SolverOptions
) -> FloatArray | None:
    """The tie rule's quantities (k,) of tied pieces w_tied that must trade `net` (n,)
    in all, or None when its problem does not converge."""
    n, k = w_tied.shape
    scale = max(1.0, float(np.max(np.abs(net), initial=0.0)))
    rows = np.flatnonzero(np.abs(net) > ROUNDING * scale)
    fixed = np.abs(net[rows])
    min_weight = float(np.min(np.abs(w_tied.data), initial=1.0))
    # a fixed column stays full while its price stays below big: the rule's prices are
    # shares of a piece per unit of weight, at most 1 / (smallest weight) per piece
    big = 8.0 * (1.0 + float(np.sum(fixed)) + k / min_weight)
    columns = sp.hstack(
        [
            w_tied,
            sp.csc_array((-np.sign(net[rows]), (rows, np.arange(rows.size))), shape=(n, rows.size)),
        ],
        format="csc",
    )
    q = np.concatenate([q_tied, fixed])
    p_high = np.concatenate([np.zeros(k), np.full(rows.size, big)])
    slope = np.concatenate([1.0 / q_tied, np.ones(rows.size)])
    rule = LinearOrders(
        weights=sp.csc_array(columns),
        p_high=p_high,
        p_low=p_high - slope * q,
        q=q,
        slope=slope,
        parent=np.arange(q.size, dtype=np.int64),
        sign=np.ones(q.size),
    )
    rule_ops = DualOperators.of(rule)
    target = TIE_TARGET * options.tol * scale
    rule_options = replace(options, max_iter=max(options.max_iter, TIE_MAX_ITER))
    solution = solve_dual(rule, rule_ops, np.zeros(n), rule_options, target=target)
    shares = response(rule, column_prices(rule_ops, solution.prices))
    if not (solution.converged and np.array_equal(shares[k:], fixed)):
        return None
    out: FloatArray = shares[:k]
    return out


def _certificate(
    book: OrderBook,
    lin: LinearOrders,
    ops: DualOperators,
    prices: FloatArray,
    x: FloatArray,
    exact: bool,
    slack: float,
    gaps: OrderGaps,
) -> tuple[FloatArray, Certificate]:
    """(order quantities (m,), certificate) of quantities x (l,) at `prices`; gaps: how
    the orders' gaps are measured (`SolverOptions.order_gaps`)."""
    u = column_prices(ops, prices)
    quantity = np.bincount(lin.parent, weights=lin.sign * x, minlength=book.n_orders).astype(
        np.float64
    )
    gap = gaps(book, book.portfolios.T @ prices, quantity, slack)
    imbalance = net_demand(ops, x)
    # dual − primal = Σ_i [max_{0≤y≤q_i} (p_high_i − u_i) y − slope_i y²/2
    #                      − ((p_high_i − u_i) x_i − slope_i x_i²/2)] − π·(W x):
    # every bracket is ≥ 0, and 0 where x_i is the column's response (no cancellation)
    best = response_any(lin, u)
    value = (lin.p_high - u) * best - 0.5 * lin.slope * best * best
    value -= (lin.p_high - u) * x - 0.5 * lin.slope * x * x
    certificate = Certificate(
        max_imbalance=float(np.max(np.abs(imbalance), initial=0.0)),
        max_order_gap=float(np.max(gap, initial=0.0)),
        duality_gap=abs(float(np.sum(np.maximum(value, 0.0))) - dot(prices, imbalance)),
        projection_exact=exact,
    )
    return quantity, certificate


def response_any(lin: LinearOrders, u: FloatArray) -> FloatArray:
    """A best response (l,) at column prices u, flat columns included (all or nothing)."""
    flat = lin.slope == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.clip((lin.p_high - u) / np.where(flat, 1.0, lin.slope), 0.0, lin.q)
    out: FloatArray = np.where(flat, np.where(u < lin.p_high, lin.q, 0.0), x)
    return out


def clear_flat(
    book: OrderBook,
    lin: LinearOrders,
    start: FloatArray,
    options: SolverOptions,
    clock: tuple[Callable[[str], None], dict[str, float]],
) -> ClearingResult:
    """Clear `book` (decomposed into `lin`, some of it flat) from prior `start` (n,)."""
    lap, seconds = clock
    ops = operators(lin)
    solution = solve_flat(lin, ops, start, options)
    lap("newton")
    prices, exact = solution.prices, False
    if solution.converged:
        target = imbalance_target(solution.lin, options)
        prices, exact = unique_prices(
            solution.lin, solution.ops, solution.prices, start, options, tol_x=target, bounds=lin
        )
        # An unbounded optimal price set (a product nobody sells) can leave Newton's
        # prices far out, where rounding blurs the projection; projecting once more from
        # the projected prices, which are near the prior, makes it exact again.
        far = float(np.max(np.abs(solution.prices - prices), initial=0.0))
        if far > price_scale(lin, lin.n_linear):
            prices, exact = unique_prices(
                solution.lin, solution.ops, prices, start, options, tol_x=target, bounds=lin
            )
    lap("unique_prices")
    x = tie_rule(lin, ops, prices, solution.x, options)
    lap("tie_rule")
    slack = tie_tolerance(lin, options)
    gaps = order_gaps(options)
    quantity, certificate = _certificate(book, lin, ops, prices, x, exact, slack, gaps)
    trades = order_trades(book, quantity)
    volume = np.bincount(
        trades.indices, weights=np.maximum(trades.data, 0.0), minlength=book.n_products
    ).astype(np.float64)
    u = column_prices(ops, prices)
    inside = np.where((u > lin.p_low) & (u < lin.p_high), ops.inv_slope, 0.0)
    by_participant = participant_trades(book, trades)
    stats = SolverStats(solution.iterations, solution.cg_iterations, seconds)
    result = ClearingResult(
        prices=prices,
        order_quantity=quantity,
        linear_quantity=x,
        volume=volume,
        slope=0.0 - hessian_diagonal(ops, inside),
        participant_trades=by_participant,
        cash=0.0 - (by_participant @ prices),
        welfare=primal_value(lin, x),
        certificate=certificate,
        stats=stats,
    )
    gate.check(book, lin, ops, result, options.gate_tol, price_slack=slack, gaps=gaps)
    lap("certificate")
    return result
