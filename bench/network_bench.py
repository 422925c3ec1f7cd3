"""Benchmark: clearing with a network, against the same book without it and general solvers.

    .venv/bin/python bench/network_bench.py --nodes 500 --links 2000 --hours 67 --orders 1000000
    .venv/bin/python bench/network_bench.py --nodes 100 --links 400 --hours 10 --orders 100000

Instance (`flowmarket.clearing.synthetic`): products are (node, type, delivery hour),
`--types` service types × `--hours` delivery hours at each of `--nodes` nodes; a seeded
book of `--orders` orders whose portfolios stay within 50 neighbouring products of one
node (bundles of hours of one region); `--links` directed physical links (a ring plus
random chords), each one link per delivery hour carrying that hour's types, with a
capacity uniform in [CAP/10, CAP] GB/h (`--capacity CAP`) and a cost uniform in [0, 0.5].

Rows: the engine without the network (the same book, every product on its own), the
engine with it, then the same networked QP (flows as variables) by OSQP 1.1.3
(eps 1e-6), Clarabel 0.11.1 (defaults) and OR-Tools PDLP 9.15 (eps 1e-6), each with a
time limit. For every row: the 1-minute load average when it started, wall and CPU
seconds, iterations, the largest product imbalance (flows included) and, for the
references, the largest difference of their nodal prices from the engine's.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import clarabel
import numpy as np
import osqp
import scipy.sparse as sp
from ortools.pdlp import solve_log_pb2, solvers_pb2
from ortools.pdlp.python import pdlp

from flowmarket.clearing import clear
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.model import FloatArray, LinearOrders, OrderBook
from flowmarket.clearing.network import Network
from flowmarket.clearing.synthetic import random_book, random_network


@dataclass(frozen=True)
class Row:
    solver: str
    load: float
    seconds: float
    cpu: float
    status: str
    imbalance: float | None
    price_diff: float | None


@dataclass(frozen=True)
class Qp:
    """min ½ zᵀ diag(p) z + c·z, equalities E z = 0 (n), link rows L z ≤ cap, lo ≤ z ≤ hi."""

    diag: FloatArray
    c: FloatArray
    equal: sp.csc_array
    links: sp.csc_array
    capacity: FloatArray
    lo: FloatArray
    hi: FloatArray


def networked_qp(lin: LinearOrders, network: Network) -> Qp:
    n_flow = network.n_flows
    cols = np.arange(n_flow)
    incidence = sp.csc_array(
        (
            np.concatenate([np.ones(n_flow), -np.ones(n_flow)]),
            (np.concatenate([network.flow_from, network.flow_to]), np.concatenate([cols, cols])),
        ),
        shape=(lin.n_products, n_flow),
    )
    per_link = sp.csc_array(
        (np.ones(n_flow), (network.flow_link, cols)), shape=(network.n_links, n_flow)
    )
    return Qp(
        diag=np.concatenate([lin.slope, np.zeros(n_flow)]),
        c=np.concatenate([-lin.p_high, network.cost[network.flow_link]]),
        equal=sp.csc_array(sp.hstack([lin.weights, incidence])),
        links=sp.csc_array(sp.hstack([sp.csc_array((network.n_links, lin.n_linear)), per_link])),
        capacity=network.capacity,
        lo=np.zeros(lin.n_linear + n_flow),
        hi=np.concatenate([lin.q, np.full(n_flow, np.inf)]),
    )


def _csc32(matrix: sp.sparray) -> sp.csc_matrix:
    out = sp.csc_matrix(matrix)
    out.indices = out.indices.astype(np.int32)
    out.indptr = out.indptr.astype(np.int32)
    return out


def solve_osqp(qp: Qp, limit: float) -> tuple[str, FloatArray, FloatArray]:
    n_var = qp.diag.size
    a = sp.vstack([qp.equal, qp.links, sp.eye_array(n_var)])
    lo = np.concatenate([np.zeros(qp.equal.shape[0]), np.full(qp.capacity.size, -np.inf), qp.lo])
    hi = np.concatenate([np.zeros(qp.equal.shape[0]), qp.capacity, qp.hi])
    solver = osqp.OSQP()
    solver.setup(
        P=_csc32(sp.diags_array(qp.diag)), q=qp.c, A=_csc32(a), l=lo, u=hi,
        eps_abs=1e-6, eps_rel=1e-6, time_limit=limit, verbose=False,
    )  # fmt: skip
    result = solver.solve(raise_error=False)
    status = f"{result.info.status} ({result.info.iter} it)"
    return status, np.asarray(result.x), np.asarray(result.y)[: qp.equal.shape[0]]


def solve_clarabel(qp: Qp, limit: float) -> tuple[str, FloatArray, FloatArray]:
    n_var = qp.diag.size
    bounded = np.flatnonzero(np.isfinite(qp.hi))
    a = sp.vstack(
        [qp.equal, qp.links, sp.eye_array(n_var).tocsr()[bounded], -sp.eye_array(n_var)],
        format="csc",
    )
    b = np.concatenate([np.zeros(qp.equal.shape[0]), qp.capacity, qp.hi[bounded], -qp.lo])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.time_limit = limit
    cones = [
        clarabel.ZeroConeT(qp.equal.shape[0]),
        clarabel.NonnegativeConeT(qp.capacity.size + bounded.size + n_var),
    ]
    p = sp.csc_array(sp.diags_array(qp.diag))
    solution = clarabel.DefaultSolver(p, qp.c, a, b, cones, settings).solve()
    status = f"{solution.status} ({solution.iterations} it)"
    return status, np.asarray(solution.x), np.asarray(solution.z)[: qp.equal.shape[0]]


def solve_pdlp(qp: Qp, limit: float, threads: int = 1) -> tuple[str, FloatArray, FloatArray]:
    """PDLP to eps 1e-6 on `threads` threads: (status, z, the equalities' duals)."""
    n_eq, n_link = qp.equal.shape[0], qp.capacity.size
    model = pdlp.QuadraticProgram()
    model.resize_and_initialize(qp.diag.size, n_eq + n_link)
    model.objective_vector = qp.c
    model.set_objective_matrix_diagonal(qp.diag)
    model.constraint_matrix = sp.csr_matrix(sp.vstack([qp.equal, qp.links]))
    model.constraint_lower_bounds = np.concatenate([np.zeros(n_eq), np.full(n_link, -np.inf)])
    model.constraint_upper_bounds = np.concatenate([np.zeros(n_eq), qp.capacity])
    model.variable_lower_bounds = qp.lo
    model.variable_upper_bounds = qp.hi
    params = solvers_pb2.PrimalDualHybridGradientParams()
    optimality = params.termination_criteria.simple_optimality_criteria
    optimality.eps_optimal_absolute = 1e-6
    optimality.eps_optimal_relative = 1e-6
    params.termination_criteria.time_sec_limit = limit
    params.num_threads = threads
    result = pdlp.primal_dual_hybrid_gradient(model, params)
    log = result.solve_log
    reason = solve_log_pb2.TerminationReason.Name(log.termination_reason)
    status = f"{reason.removeprefix('TERMINATION_REASON_').lower()} ({log.iteration_count} it)"
    return status, np.asarray(result.primal_solution), np.asarray(result.dual_solution)[:n_eq]


def reference_row(
    name: str,
    solve: Callable[[Qp, float], tuple[str, FloatArray, FloatArray]],
    qp: Qp,
    limit: float,
    prices: FloatArray,
) -> Row:
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    try:
        status, z, y = solve(qp, limit)
    except Exception as exc:  # a reference that cannot even start is a result too
        return Row(name, load, time.perf_counter() - start, time.process_time() - cpu,
                   f"failed ({type(exc).__name__}: {str(exc)[:60]})", None, None)  # fmt: skip
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    z = np.clip(z, qp.lo, qp.hi)
    imbalance = float(np.max(np.abs(qp.equal @ z)))
    diff = min(float(np.max(np.abs(y - prices))), float(np.max(np.abs(y + prices))))
    return Row(name, load, seconds, cpu, status, imbalance, diff)


def engine_row(name: str, book: OrderBook, network: Network | None) -> tuple[Row, FloatArray]:
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    result = clear(book, network=network)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    stats = result.stats
    steps = "" if result.network is None else f", {result.network.proximal_steps} prox steps"
    status = f"{stats.iterations} Newton, {stats.cg_iterations} CG{steps}"
    row = Row(name, load, seconds, cpu, status, result.certificate.max_imbalance, None)
    return row, result.prices


def print_rows(rows: list[Row]) -> None:
    print("| solver | load | wall s (CPU) | status | imbalance GB/h | max price diff |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        imbalance = "—" if r.imbalance is None else f"{r.imbalance:.1e}"
        diff = "—" if r.price_diff is None else f"{r.price_diff:.1e}"
        print(
            f"| {r.solver} | {r.load:.1f} | {r.seconds:.2f} ({r.cpu:.2f}) | {r.status} "
            f"| {imbalance} | {diff} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--links", type=int, default=400)
    parser.add_argument("--hours", type=int, default=10)
    parser.add_argument("--types", type=int, default=3)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--capacity", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--limit", type=float, default=600.0, help="reference time limit, s")
    parser.add_argument(
        "--skip", action="append", default=[], help="osqp, clarabel or pdlp (repeatable)"
    )
    args = parser.parse_args()
    commodities = args.hours * args.types
    book = random_book(args.nodes * commodities, args.orders, args.seed, locality=50)
    network = random_network(
        args.nodes, args.links, book, args.seed, carried=args.types,
        capacity=(args.capacity / 10, args.capacity),
    )  # fmt: skip
    print(
        f"{book.n_products:,} products, {book.n_orders:,} orders, {args.nodes} nodes, "
        f"{network.n_links:,} links ({args.links} physical x {args.hours} hours), "
        f"{network.n_flows:,} flow columns"
    )
    rows = []
    row, _ = engine_row("engine, no network", book, None)
    rows.append(row)
    print_rows(rows[-1:])
    row, prices = engine_row("engine, network", book, network)
    rows.append(row)
    print_rows(rows[-1:])
    qp = networked_qp(decompose(book), network)
    for name, solve in (("OSQP", solve_osqp), ("Clarabel", solve_clarabel), ("PDLP", solve_pdlp)):
        if name.lower() not in args.skip:
            rows.append(reference_row(name, solve, qp, args.limit, prices))
            print_rows(rows[-1:])
    print()
    print_rows(rows)


if __name__ == "__main__":
    main()
