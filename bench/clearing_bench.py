"""Benchmark: the clearing engine against OSQP on seeded random order books.

    .venv/bin/python bench/clearing_bench.py --size 1000x10000 --size 10000x100000
    .venv/bin/python bench/clearing_bench.py --size 100000x1000000 --osqp-limit 1800

Each size is PRODUCTSxORDERS (orders are curves of 1–3 segments; about 2.27 linear
orders each, see `flowmarket.clearing.synthetic`). For each size the table shows the
load average when the row started, the engine's wall and CPU time (first run in the
process, from zero prior prices), Newton/CG iterations, certificate residuals and
peak traced memory (tracemalloc, a second run), then OSQP's wall and CPU time with
default settings except eps_abs = eps_rel = 1e-6, its status and the same residuals
of its solution (imbalance of its x, order gap at its dual prices), and the speedup
in wall and in CPU time (CPU time moves less with the load of a shared machine).
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np
import osqp
import scipy.sparse as sp

from flowmarket.clearing import clear
from flowmarket.clearing.curves import curve_quantity, decompose
from flowmarket.clearing.model import FloatArray, LinearOrders, OrderBook
from flowmarket.clearing.synthetic import random_book


@dataclass(frozen=True)
class Row:
    size: str
    load: float
    linear: int
    seconds: float
    cpu: float
    iterations: str
    imbalance: float
    order_gap: float
    peak_mb: float
    osqp_seconds: float | None
    osqp_cpu: float | None
    osqp_status: str
    osqp_imbalance: float | None
    osqp_gap: float | None


def _csc32(matrix: sp.sparray) -> sp.csc_matrix:
    out = sp.csc_matrix(matrix)
    out.indices = out.indices.astype(np.int32)
    out.indptr = out.indptr.astype(np.int32)
    return out


def run_osqp(
    book: OrderBook, lin: LinearOrders, time_limit: float
) -> tuple[float, float, str, float, float]:
    """OSQP with default settings but eps 1e-6: (seconds, CPU s, status, imbalance, gap)."""
    n, n_lin = lin.weights.shape
    a = sp.vstack([lin.weights, sp.eye_array(n_lin)])
    lo = np.zeros(n + n_lin)
    hi = np.concatenate([np.zeros(n), lin.q])
    start = time.perf_counter()
    cpu = time.process_time()
    solver = osqp.OSQP()
    solver.setup(
        P=_csc32(sp.diags_array(lin.slope)), q=-lin.p_high, A=_csc32(a), l=lo, u=hi,
        eps_abs=1e-6, eps_rel=1e-6, time_limit=time_limit, verbose=False,
    )  # fmt: skip
    result = solver.solve(raise_error=False)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    x = np.clip(np.asarray(result.x), 0.0, lin.q)
    prices: FloatArray = np.asarray(result.y)[:n]
    quantity = np.bincount(lin.parent, weights=lin.sign * x, minlength=book.n_orders)
    gap = float(np.max(np.abs(quantity - curve_quantity(book, book.portfolios.T @ prices))))
    imbalance = float(np.max(np.abs(lin.weights @ x)))
    status = f"{result.info.status} ({result.info.iter} it)"
    return seconds, cpu, status, imbalance, gap


def bench(
    n_products: int, n_orders: int, seed: int, osqp_limit: float, locality: int | None
) -> Row:
    book = random_book(n_products, n_orders, seed, locality=locality)
    gc.collect()
    load = os.getloadavg()[0]
    start = time.perf_counter()
    cpu = time.process_time()
    result = clear(book)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    del result
    gc.collect()
    tracemalloc.start()
    result = clear(book)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    lin = decompose(book)
    cert, stats = result.certificate, result.stats
    assert cert.projection_exact
    osqp_row: tuple[float | None, float | None, str, float | None, float | None] = (
        None,
        None,
        "skipped",
        None,
        None,
    )
    if osqp_limit > 0:
        try:
            osqp_row = run_osqp(book, lin, osqp_limit)
        except osqp.OSQPException as exc:  # e.g. the KKT factor's nonzero count overflows
            osqp_row = (None, None, f"setup failed (error {exc})", None, None)
    return Row(
        size=f"{n_products:,} x {n_orders:,}" + ("" if locality is None else f" (w={locality})"),
        load=load,
        linear=lin.n_linear,
        seconds=seconds,
        cpu=cpu,
        iterations=f"{stats.iterations} / {stats.cg_iterations}",
        imbalance=cert.max_imbalance,
        order_gap=cert.max_order_gap,
        peak_mb=peak / 2**20,
        osqp_seconds=osqp_row[0],
        osqp_cpu=osqp_row[1],
        osqp_status=osqp_row[2],
        osqp_imbalance=osqp_row[3],
        osqp_gap=osqp_row[4],
    )


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _ratio(num: float | None, den: float) -> str:
    return "—" if num is None else f"{num / den:.0f}x"


def print_table(rows: list[Row]) -> None:
    print(
        "| products x orders | load | linear orders | engine s (CPU) | Newton / CG it "
        "| imbalance | order gap | peak MB | OSQP s (CPU) | OSQP status | OSQP imbalance "
        "| OSQP order gap | speedup (CPU) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        osqp_time = (
            "—" if r.osqp_seconds is None else f"{r.osqp_seconds:.1f} ({_fmt(r.osqp_cpu, '.1f')})"
        )
        speedup = f"{_ratio(r.osqp_seconds, r.seconds)} ({_ratio(r.osqp_cpu, r.cpu)})"
        print(
            f"| {r.size} | {r.load:.1f} | {r.linear:,} | {r.seconds:.2f} ({r.cpu:.2f}) "
            f"| {r.iterations} | {r.imbalance:.1e} | {r.order_gap:.1e} | {r.peak_mb:.0f} "
            f"| {osqp_time} | {r.osqp_status} | {_fmt(r.osqp_imbalance, '.1e')} "
            f"| {_fmt(r.osqp_gap, '.1e')} | {speedup} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size", action="append", help="PRODUCTSxORDERS (repeatable), default 1000x10000"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--locality", type=int, help="portfolio products within this many places (default: uniform)"
    )
    parser.add_argument(
        "--osqp-limit", type=float, default=600.0, help="OSQP time limit in s (0 = skip OSQP)"
    )
    args = parser.parse_args()
    rows = []
    for size in args.size or ["1000x10000"]:
        n_products, n_orders = (int(part) for part in size.lower().split("x"))
        rows.append(bench(n_products, n_orders, args.seed, args.osqp_limit, args.locality))
        print_table(rows[-1:])
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
