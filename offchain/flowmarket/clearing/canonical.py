"""The published flows: one canonical choice among the optimal ones.

Order quantities and prices are fixed by the clearing, flows are not always:
two routes of equal cost, or a pair of opposite links without cost, carry the
same trades in many ways. The rule: among the optimal flows, the published
ones minimise

    Σ_{flow columns} f² + Σ_{links} (Σ_{commodities} f)²       (GB/h)²,

a strictly convex function, so they are unique. An optimal flow keeps every
node's net injection (its orders' trades), uses only columns whose price
difference reaches cost + μ (the *tight* ones), fills every link whose price is
positive, and respects capacities; that is the set minimised over. A flow in
both directions of a pair of nodes, or around a cycle, can be lowered without
leaving the set (it costs nothing, or it would not be optimal), so the
published flows have neither.

The minimisation is a clearing problem of its own, solved by the same Newton
method (`solve_dual`): flows and link loads are linear orders with slope 1 and
p_high 0; node injections and the load of each priced link are columns that are
always full (p_high far above any dual price of this problem).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.dual import DualOperators, column_prices, response
from flowmarket.clearing.model import FloatArray, LinearOrders, SolverOptions
from flowmarket.clearing.network import NetworkProblem
from flowmarket.clearing.newton import solve_dual
from flowmarket.errors import ClearingFailed

BoolArray = npt.NDArray[np.bool_]

# Imbalance target of the canonical flows relative to tol × the largest flow or kept
# injection (GB/h): the problem has no orders, so the digits are cheap.
CANONICAL_TARGET = 0.01


def tight_columns(
    problem: NetworkProblem, prices: FloatArray, flows: FloatArray, tol_price: float
) -> BoolArray:
    """Mask (F',) of the flow columns an optimal flow may use at prices (n + K,).

    Tight: π_b − π_a ≥ cost + μ − tol_price, or flowing in the solver's solution.
    """
    n_lin, n_flow = problem.n_linear, problem.flows.size
    lin = problem.lin
    cols = slice(n_lin, n_lin + n_flow)
    u = sp.csc_array(lin.weights[:, cols]).T @ prices  # π_a − π_b + μ
    tight: BoolArray = (u <= lin.p_high[cols] + tol_price) | (flows > 0)
    return tight


def canonical_flows(
    problem: NetworkProblem,
    flows: FloatArray,
    priced: BoolArray,
    tight: BoolArray,
    options: SolverOptions,
) -> FloatArray:
    """The canonical flows (F',) GB/h given an optimal solution.

    flows: (F',) optimal flows of the solver; priced: (K,) mask of the links whose
    price is positive (their load is kept); tight: (F',) mask from `tight_columns`.
    The injections and loads kept are those of `flows` themselves, so the problem
    is feasible exactly (the solver's own imbalance stays where it was); each is kept
    to the problem's imbalance target.
    """
    n, n_flow, n_link = problem.n_products, problem.flows.size, problem.active.size
    if n_flow == 0:
        return np.zeros(0)
    lin0 = problem.lin
    flow_w = sp.csc_array(lin0.weights[:, problem.n_linear : problem.n_linear + n_flow])
    injection = flow_w[:n] @ flows
    loads = flow_w[n:] @ flows
    used = np.flatnonzero(tight)
    free_links = np.flatnonzero(~priced)
    kept = np.flatnonzero(priced & (loads > 0))
    nodes = np.flatnonzero(injection != 0)
    capacity = np.maximum(lin0.q[problem.n_linear + n_flow :], loads)
    big = 8.0 * (1.0 + float(np.sum(np.abs(injection))) + float(np.sum(capacity)))
    link_rows = n + np.arange(n_link)
    fixed_rows = np.concatenate([nodes, link_rows[kept]])
    fixed_sign = np.concatenate([-np.sign(injection[nodes]), -np.ones(kept.size)])
    fixed_q = np.concatenate([np.abs(injection[nodes]), loads[kept]])
    columns = sp.hstack(
        [
            flow_w[:, used],
            sp.csc_array(
                (-np.ones(free_links.size), (link_rows[free_links], np.arange(free_links.size))),
                shape=(n + n_link, free_links.size),
            ),
            sp.csc_array(
                (fixed_sign, (fixed_rows, np.arange(fixed_rows.size))),
                shape=(n + n_link, fixed_rows.size),
            ),
        ],
        format="csc",
    )
    n_free = used.size + free_links.size
    q = np.concatenate([lin0.q[problem.n_linear + used], capacity[free_links], fixed_q])
    p_high = np.concatenate([np.zeros(n_free), np.full(fixed_rows.size, big)])
    lin = LinearOrders(
        weights=sp.csc_array(columns),
        p_high=p_high,
        p_low=p_high - q,
        q=q,
        slope=np.ones(q.size),
        parent=np.arange(q.size, dtype=np.int64),
        sign=np.ones(q.size),
    )
    ops = DualOperators.of(lin)
    scale = max(1.0, float(np.max(fixed_q, initial=0.0)), float(np.max(flows, initial=0.0)))
    target = CANONICAL_TARGET * options.tol * scale
    solution = solve_dual(lin, ops, np.zeros(n + n_link), options, target=target)
    x = response(lin, column_prices(ops, solution.prices))
    # The kept injections and loads are feasible exactly, but the Newton stage stops at
    # its target: a kept column may end that little short of full (measured: a priced
    # link's load 2.7e-12 GB/h short with a target of 2.9e-11, where equality stopped
    # the oracle). Where it stops earlier, or any further, the flows are not these.
    if not np.all(np.abs(x[n_free:] - fixed_q) <= target):
        raise ClearingFailed("clearing: canonical flows could not keep the cleared injections")
    out = np.zeros(n_flow)
    out[used] = x[: used.size]
    return out
