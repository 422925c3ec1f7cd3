"""Benchmark: the unique-price projection on one free group of N products (sparse path).

    .venv/bin/python bench/projection_bench.py [--size 10000] [--size 100000]
        [--before-max 30000] [--reference-max 100000] [--clear-max 10000]

The book (the chain of tests/unit/clearing/test_clearing_unique_prices.py): each
product has a buyer of 5 GB/h up to hi_k and a seller of 5 from lo_k, and spreads link
product k to k+1 at a_k − a_{k+1} trading nothing, so the optimal prices are π = L + a
for any level L keeping every price in its interval: one free group of all N products,
past the dense path's limit (`SolverOptions.exact_projection_limit`, 2,000; the bench
sets it to 1 so that smaller groups take the sparse path too). The
projection of the prior is known by hand: L = mean(prior − a) clipped to
[max(lo − a), min(hi − a)].

The projection stage (`prices.unique_prices`, exactly as the clearing calls it) runs
from optimal prices built by hand (π̂ = mid-level + a), so its time and accuracy are the
projection's own, not the Newton engine's (whose prices hold each spread's relation to
~1e-9, errors that add up along a chain of 10^5). Per size it prints the projection's
CPU and wall time with the package's solver (`clearing.projection_qp`, "after") and, up
to --before-max products, with HiGHS's active-set QP and the LSQR polish (the previous
market path, "before", same run, same input); the solver's multiplier steps and
factorisations; the certificate's residuals recomputed here (feasibility, multiplier
sign, stationarity, relative to max(1, ‖δ‖∞, ‖s‖∞) as the certificate scales them);
the distance to the hand-computed prices; up to --reference-max products, the distance
to Clarabel's answer of the same QP; up to --clear-max products, the whole clearing's
wall time from the prior (Newton included). Both a prior inside the level's interval
and one far above it (the level clipped at its top) are run.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Iterator
from typing import Any

import clarabel
import numpy as np
import scipy.sparse as sp

from flowmarket.clearing import OrderBook, SolverOptions, clear, parse_orders
from flowmarket.clearing import projection_qp as own
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.newton import imbalance_target
from flowmarket.clearing.prices import unique_prices
from flowmarket.solvers.highs_projection import MARKET_OPTIONS, highs_projection_qp


def chain_book(n: int, seed: int) -> tuple[OrderBook, Any, Any, Any]:
    rng = np.random.default_rng(seed)
    names = [f"p{k}" for k in range(n)]
    lo, hi, a = rng.uniform(2, 4, n), rng.uniform(8, 10, n), rng.uniform(-0.5, 0.5, n)
    orders: list[dict[str, Any]] = []
    for k in range(n):
        buy = [[0.0, hi[k] + 2], [5.0, hi[k]]]
        sell = [[-5.0, lo[k]], [0.0, lo[k] - 2]]
        orders.append(
            {"id": f"b{k}", "participant": "a", "portfolio": {names[k]: 1.0}, "curve": buy}
        )
        orders.append(
            {"id": f"s{k}", "participant": "b", "portfolio": {names[k]: 1.0}, "curve": sell}
        )
    for k in range(n - 1):
        s = a[k] - a[k + 1]
        pair = {names[k]: 1.0, names[k + 1]: -1.0}
        curve = [[-1.0, s + 1.0], [1.0, s - 1.0]]
        orders.append({"id": f"sp{k}", "participant": "c", "portfolio": pair, "curve": curve})
    return parse_orders({"products": names, "orders": orders}), lo, hi, a


class Recorder:
    """A `ProjectionQp` passing on another's answers, keeping the problem and the answer."""

    def __init__(self, qp: Any) -> None:
        self.qp = qp
        self.problem: tuple[Any, int, Any, Any] | None = None
        self.answers: list[tuple[Any, Any]] = []

    def __call__(self, rows: Any, n_eq: int, rhs: Any, delta: Any) -> Iterator[Any]:
        self.problem = (rows, n_eq, rhs, delta)
        for answer in self.qp(rows, n_eq, rhs, delta):
            self.answers.append(answer)
            yield answer


def residuals(problem: tuple[Any, int, Any, Any], d: Any, y: Any) -> tuple[float, float, float]:
    """(feasibility, multiplier sign, stationarity), each / max(1, ‖δ‖∞, ‖s‖∞)."""
    rows, n_eq, rhs, delta = problem
    scale = max(1.0, float(np.max(np.abs(delta))), float(np.max(np.abs(rhs), initial=0.0)))
    act = rows @ d
    feas = max(float(np.max(np.abs(act[:n_eq]), initial=0.0)), float(np.max(act[n_eq:] - rhs)))
    sign = max(0.0, float(np.max(y[n_eq:], initial=0.0)))
    stat = float(np.max(np.abs((d - delta) - rows.T @ y)))
    return max(feas, 0.0) / scale, sign / scale, stat / scale


def clarabel_answer(problem: tuple[Any, int, Any, Any]) -> Any:
    rows, n_eq, rhs, delta = problem
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-11
    cones = [clarabel.ZeroConeT(n_eq), clarabel.NonnegativeConeT(rhs.size)]
    b = np.concatenate([np.zeros(n_eq), rhs])
    p = sp.identity(delta.size, format="csc")
    return np.asarray(
        clarabel.DefaultSolver(p, -delta, sp.csc_matrix(rows), b, cones, settings).solve().x
    )


def timed(call: Any, *args: Any) -> tuple[Any, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    out = call(*args)
    return out, time.process_time() - cpu, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, action="append")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--before-max", type=int, default=30_000)
    parser.add_argument("--reference-max", type=int, default=100_000)
    parser.add_argument("--clear-max", type=int, default=0)
    args = parser.parse_args()
    print(
        "| products | prior | after: CPU s / wall s | steps / factorisations "
        "| feasibility, sign, stationarity | max abs(π − hand) | max abs(d − Clarabel) "
        "| before (HiGHS + LSQR): CPU s / wall s, exact | clearing wall s | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.size or [10_000]:
        book, lo, hi, a = chain_book(n, args.seed)
        lin = decompose(book)
        ops = DualOperators.of(lin)
        low, high = float(np.max(lo - a)), float(np.min(hi - a))
        hat = (low + high) / 2 + a  # optimal prices, by hand
        target = imbalance_target(lin, SolverOptions())
        for kind in ("inside", "above"):
            rng = np.random.default_rng(args.seed + 1)
            prior = rng.uniform(0, 12, n) if kind == "inside" else np.full(n, 50.0)
            level = float(np.clip(np.mean(prior - a), low, high))
            rec = Recorder(own.active_set_projection)
            options = SolverOptions(exact_projection_limit=1, large_group_qp=rec)
            (prices, exact), cpu, wall = timed(unique_prices, lin, ops, hat, prior, options, target)
            assert rec.problem is not None and rec.answers, "the sparse path did not run"
            feas, sign, stat = residuals(rec.problem, *rec.answers[0])
            hand = float(np.max(np.abs(prices - (level + a))))
            ref = "—"
            if n <= args.reference_max:
                d_ref = clarabel_answer(rec.problem)
                ref = f"{float(np.max(np.abs(rec.answers[0][0] - d_ref))):.1e}"
            before = "—"
            if n <= args.before_max:
                old = SolverOptions(exact_projection_limit=1, large_group_qp=highs_projection_qp)
                (_, old_exact), old_cpu, old_wall = timed(
                    unique_prices, lin, ops, hat, prior, old, target
                )
                before = f"{old_cpu:.2f} / {old_wall:.2f}, {old_exact}"
            full = "—"
            if n <= args.clear_max:
                _, _, clear_wall = timed(clear, book, prior, MARKET_OPTIONS)
                full = f"{clear_wall:.1f}"
            stats = own.LAST
            print(
                f"| {n:,} | {kind} | {cpu:.2f} / {wall:.2f} "
                f"| {stats.steps} / {stats.factorisations} "
                f"| {feas:.0e}, {sign:.0e}, {stat:.0e} | {hand:.1e} | {ref} | {before} "
                f"| {full} | {os.getloadavg()[0]:.1f} |",
                flush=True,
            )
            assert exact
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the process: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
