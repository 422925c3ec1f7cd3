"""Stage 2 with a network: exact prices through proximal steps on the slope-0 columns.

Flow and capacity columns have a linear objective (slope 0), so the dual has
kinks the semismooth Newton method cannot take as they are. Each outer step k
solves the same problem with a proximal term on those columns only,

    maximise  … − Σ_j (ε_j/2)(f_j − f_j^k)²,

which is the engine's own problem with slope ε_j and p_high_j + ε_j f_j^k on
them (`solve_dual`, warm-started), and then moves the centre to the new flows:
the proximal point method on the flows (equivalently, the augmented Lagrangian
method on the dual). Its fixed points are exactly the optimal flows, and the
step's KKT conditions say how far the prices are from exact:

    |π_b − π_a − cost − μ| ≤ ε_j |f_j^{k+1} − f_j^k|  on every flowing column,

so the loop stops when max_j ε_j |f_j^{k+1} − f_j^k| ≤ price_tol × the price
scale (tokens per GB). ε_j = κ × (1/d_a + 1/d_b), with d the orders' Hessian diagonal
at the column's products (their aggregate slope, GB/h per token): κ = 1 makes a
flow as stiff as the orders at its ends. κ starts large (flows soft, so the
first step is nearly as easy as a clearing without network) and shrinks per step
to KAPPA_MIN, where a step removes most of the remaining error (the error
contracts by about κ/(κ + 2/N) per step on a group of N nodes linked by
uncongested links). Steps before the last are solved inexactly: to an imbalance
of INEXACT × the largest flow change of the step before, and at most TIGHTEN ×
the previous step's target, so the inner errors are summable and the outer steps
converge; once the prices are exact to tolerance, one more step is solved to
FINAL_TARGET × the engine's own target (or what rounding allows at that stiffness:
STIFF_ROUNDING × price scale × the largest 1/ε), and gives the published prices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from flowmarket.clearing.dual import DualOperators, column_prices, response
from flowmarket.clearing.model import FloatArray, LinearOrders, SolverOptions
from flowmarket.clearing.network import NetworkProblem
from flowmarket.clearing.newton import hessian_scale, solve_dual
from flowmarket.clearing.schur import schur_preconditioner
from flowmarket.errors import ClearingFailed

# Measured on seeded books of 10^4 orders on 30–100 nodes (congested and not): a soft
# start (κ = 100: flows as flexible as a hundred orders) took 60–150 Newton iterations
# in all, against 80–170 starting at κ = 1 or 10; KAPPA_MIN = 1e-2 never finished on
# a loose network (capacities up to 2000 GB/h: prices within 1e-5 after 60 steps),
# 1e-3 and 1e-4 did, in 36 and 13 steps.
KAPPA_START = 100.0
KAPPA_DECAY = 0.1
KAPPA_MIN = 1e-3
FIRST_TARGET = 1e-3  # the first, soft step's imbalance target, relative to the largest q
INEXACT = 0.01  # inner imbalance target, relative to the last step's largest flow change
TIGHTEN = 0.5  # … and at most this share of the step before's (summable inner errors)
# The last step's imbalance target, relative to the engine's (tol × the largest order
# quantity): the flows are stiffer than the orders, so the nodal prices need the extra
# digits that quadratic convergence gives for about one Newton iteration more.
FINAL_TARGET = 0.01
ROUNDING = 1e-11  # … but never below this share of the largest gross trade of a row
# A step counts as converged once its imbalance is within the engine's own target (tol ×
# the largest order quantity) or the rounding floor; the Newton solves of the steps stop
# after INNER_MAX_ITER iterations (measured: 3–52 when they converge, and a solve that
# stalls at a target rounding denies only repeats 200 iterations for nothing).
INNER_MAX_ITER = 80
# The last step aims at FINAL_TARGET itself and stops after FINAL_MAX_ITER Newton
# iterations (it is reached in 1–3 where rounding allows, and the extra digits of the
# prices are worth the few iterations where it does not).
FINAL_MAX_ITER = 12
STIFF_ROUNDING = 1e-14  # … nor this × price scale × the stiffest column's 1/ε
# Once the prices are exact, the last step can still miss its imbalance: by then a flow is
# about a million times more responsive than the orders, the prices' last digits move it
# by millionths of a GB/h, and Newton cycles there. Measured on the demo's network hours
# whose certificate failed (2026-12-08): after the prices were exact, every step ended
# between 8e-8 and 5e-6 GB/h (target 6e-8), through the last of the 60 allowed. So from
# engine 5 the steps stop after EXACT_TRIES such tries and keep the one that left the
# least imbalance, which the polish then balances (`polish`).
EXACT_TRIES = 8


@dataclass(frozen=True)
class ProximalSolution:
    """Prices (n + K,) and the last step's problem: its linear orders, operators and x (l',).

    residual: max_j ε_j |f_j^{k+1} − f_j^k| of the last step, tokens per GB;
    converged: False when the steps ran out first (the certificate gate then judges
    the last iterate, as it does a Newton solve that got no further).
    """

    prices: FloatArray
    lin: LinearOrders
    ops: DualOperators
    x: FloatArray
    residual: float
    outer: int
    iterations: int
    cg_iterations: int
    converged: bool = True


def price_scale(lin: LinearOrders, n_linear: int) -> float:
    """max(1, max |p_high|, max |p_low|) over the orders (tokens per GB)."""
    if n_linear == 0:
        return 1.0
    top = max(np.max(np.abs(lin.p_high[:n_linear])), np.max(np.abs(lin.p_low[:n_linear])))
    return max(1.0, float(top))


def _base_stiffness(problem: NetworkProblem, ops: DualOperators) -> tuple[FloatArray, float]:
    """(ε_j / κ for the prox columns (F' + K,), the orders' mean Hessian diagonal)."""
    n_lin = problem.n_linear
    inv_orders = ops.inv_slope.copy()
    inv_orders[n_lin:] = 0.0
    diag = ops.groups_sq @ ops.group_sum(inv_orders)
    scale = hessian_scale(ops, inv_orders)
    reach = np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 0.0)
    reach[problem.n_products :] = 0.0  # link rows carry no orders
    weights = problem.lin.weights[:, n_lin:]
    base = np.asarray(abs(weights).T @ reach, dtype=np.float64)
    base = np.where(base > 0, base, 1.0 / scale)
    n_flow = problem.flows.size
    link_of_flow = weights[:, :n_flow].tocsc().indices.reshape(-1, 3)[:, 2] - problem.n_products
    capacity = base[n_flow:]
    np.minimum.at(capacity, link_of_flow, base[:n_flow])  # no softer than its flows
    return base, scale


def _step_problem(
    problem: NetworkProblem, ops: DualOperators, eps: FloatArray, centre: FloatArray
) -> tuple[LinearOrders, DualOperators]:
    n_lin = problem.n_linear
    lin0 = problem.lin
    slope = lin0.slope.copy()
    slope[n_lin:] = eps
    p_high = lin0.p_high.copy()
    p_high[n_lin:] += eps * centre
    lin = replace(lin0, slope=slope, p_high=p_high, p_low=p_high - slope * lin0.q)
    inv_slope = ops.inv_slope.copy()
    inv_slope[n_lin:] = 1.0 / eps
    return lin, replace(ops, inv_slope=inv_slope)


@dataclass
class _State:
    """The outer loop's state: prices (n + K,), centres (F' + K,), κ, targets, counts."""

    prices: FloatArray
    centre: FloatArray
    kappa: float = KAPPA_START
    inner: float = np.inf  # set from the first step's target, FIRST_TARGET × the scale
    residual: float = np.inf
    iterations: int = 0
    cg_iterations: int = 0


def _next_kappa(kappa: float, converged: bool) -> float:
    """Stay once converged (the last, exact step), else shrink to KAPPA_MIN."""
    return kappa if converged else max(kappa * KAPPA_DECAY, KAPPA_MIN)


def solve_proximal(
    problem: NetworkProblem, prior: FloatArray, options: SolverOptions
) -> ProximalSolution:
    """Prices of the network problem, exact to price_tol × price scale, from prior (n + K,)."""
    n_lin = problem.n_linear
    placeholder = problem.lin.slope.copy()
    placeholder[n_lin:] = 1.0
    ops = DualOperators.of(replace(problem.lin, slope=placeholder))
    base, scale = _base_stiffness(problem, ops)
    preconditioner = schur_preconditioner(problem, ops)
    prices_scale = price_scale(problem.lin, n_lin)
    tolerance = options.price_tol * prices_scale
    largest = max(1.0, float(np.max(problem.lin.q[:n_lin], initial=0)))
    standard, final = options.tol * largest, FINAL_TARGET * options.tol * largest
    state = _State(prior.copy(), np.zeros(problem.n_prox))
    state.inner = FIRST_TARGET * largest
    inner_options = replace(options, max_iter=min(options.max_iter, INNER_MAX_ITER))
    exact_options = replace(options, max_iter=min(options.max_iter, FINAL_MAX_ITER))
    gross = 0.0
    keep_best = options.engine >= 5  # engines 1–4 publish the last step (their bits)
    tries, best = 0, None
    for outer in range(options.max_prox_iter):
        eps = state.kappa * base
        lin, step_ops = _step_problem(problem, ops, eps, state.centre)
        stiffest = float(np.max(1.0 / eps, initial=0.0))
        floor = max(ROUNDING * gross, STIFF_ROUNDING * prices_scale * stiffest)
        exact = state.inner == 0.0  # the last step: as far as rounding lets Newton go
        solution = solve_dual(
            lin,
            step_ops,
            state.prices,
            exact_options if exact else inner_options,
            h_scale=scale,
            cold_start=outer == 0,
            target=final if exact else max(final, floor, state.inner),
            preconditioner=preconditioner,
        )
        state.prices = solution.prices
        state.iterations += solution.iterations
        state.cg_iterations += solution.cg_iterations
        x = response(lin, column_prices(step_ops, state.prices))
        gross = max(gross, float(np.max(abs(problem.lin.weights) @ x, initial=0.0)))
        change = np.abs(x[n_lin:] - state.centre)
        state.residual = float(np.max(eps * change, initial=0.0))
        state.centre = x[n_lin:]
        reached = solution.max_imbalance <= max(standard, floor)
        converged = state.residual <= tolerance and reached
        found = ProximalSolution(
            state.prices, lin, step_ops, x, state.residual, outer + 1,
            state.iterations, state.cg_iterations, converged=converged,
        )  # fmt: skip
        if converged and exact:
            return found
        if exact and keep_best:
            tries += 1
            if best is None or solution.max_imbalance < best[0]:
                best = (solution.max_imbalance, found)
        if outer + 1 == options.max_prox_iter or tries == EXACT_TRIES:
            if best is None:
                return found
            # the best try's prices are exact when its own residual is within tolerance
            return replace(
                best[1], outer=outer + 1, iterations=state.iterations,
                cg_iterations=state.cg_iterations, converged=best[1].residual <= tolerance,
            )  # fmt: skip
        loose = min(state.inner, INEXACT * float(np.max(change, initial=0.0)))
        state.inner = 0.0 if converged else TIGHTEN * loose
        state.kappa = _next_kappa(state.kappa, converged)
    raise ClearingFailed("clearing: no proximal step allowed (SolverOptions.max_prox_iter)")
