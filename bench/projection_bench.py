"""Benchmark: the unique-price projection on one free group of N products (sparse path).

    .venv/bin/python bench/projection_bench.py [--size 10000] [--size 100000]

The book (the chain of tests/unit/clearing/test_clearing_unique_prices.py): each
product has a buyer of 5 GB/h up to hi_k and a seller of 5 from lo_k, and spreads link
product k to k+1 at a_k − a_{k+1} trading nothing, so the optimal prices are π = L + a
for any level L keeping every price in its interval: one free group of all N products,
past the dense path's limit (`SolverOptions.exact_projection_limit`, 2,000). The
projection of the prior is known by hand: L = mean(prior − a) clipped to
[max(lo − a), min(hi − a)]. Prints the clearing's wall time, the projection's share, the
certificate (`projection_exact`) and the largest distance to the hand-computed prices,
split into what the engine's tolerance explains (each spread's relation
π_k − π_(k+1) = a_k − a_(k+1) holds to ~1e-9 and the errors add up along the chain)
and the projection's own first-order condition (unclipped: mean(π − prior) = 0).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import flowmarket.clearing.prices as price_stage
from flowmarket.clearing import OrderBook, clear, parse_orders
from flowmarket.solvers.highs_projection import MARKET_OPTIONS


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, action="append")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    spent: list[float] = []
    sparse = price_stage._project_group_sparse

    def timed(*call: Any) -> Any:
        start = time.perf_counter()
        out = sparse(*call)
        spent.append(time.perf_counter() - start)
        return out

    price_stage._project_group_sparse = timed  # type: ignore[assignment]
    print(
        "| products | clearing s | sparse projection s | projection exact | max abs(π − hand) "
        "| spreads' relations: largest error, drift along the chain | mean(π − prior) |"
    )
    print("|---|---|---|---|---|---|---|")
    for n in args.size or [10_000]:
        book, lo, hi, a = chain_book(n, args.seed)
        prior = np.random.default_rng(args.seed + 1).uniform(0, 12, n)
        level = float(np.clip(np.mean(prior - a), np.max(lo - a), np.min(hi - a)))
        spent.clear()
        start = time.perf_counter()
        result = clear(book, prior, MARKET_OPTIONS)
        wall = time.perf_counter() - start
        error = float(np.max(np.abs(result.prices - (level + a))))
        relation = -np.diff(result.prices) - (a[:-1] - a[1:])
        drift = float(np.max(np.abs(np.cumsum(relation))))
        mean = float(np.mean(result.prices - prior))
        print(
            f"| {n:,} | {wall:.2f} | {sum(spent):.2f} | {result.certificate.projection_exact} "
            f"| {error:.1e} | {np.max(np.abs(relation)):.1e}, {drift:.1e} | {mean:.1e} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
