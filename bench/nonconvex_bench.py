"""Benchmark: a mixed book of convex curves and non-convex orders (#18, docs/nonconvex.md).

    .venv/bin/python bench/nonconvex_bench.py --size 10000x100000 --nonconvex 200

The convex book is `flowmarket.clearing.synthetic.random_book` (seeded). It is cleared
once on its own; the non-convex orders are then drawn around what it trades: blocks
(all-or-nothing over 6 neighbouring products, "an event's six hours"), minimum fills and
start-up orders, each on products picked at random, buying or selling a quantity of
0.2–1.5 times the product's cleared volume at a limit of 0.85–1.2 times its portfolio's
cleared price (start-up costs 0–30 % of that value). Then `clear_nonconvex` runs
under each rule and the row shows: wall (and CPU) seconds, the share spent in the engine's
convex clearings and in price LPs, accept sets cleared, accepted / paradoxically
rejected orders, welfare, the relaxation's upper bound and the optimality gap, and the
largest loss of an accepted order at the prices (≤ 0 means none loses).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from flowmarket.clearing import clear
from flowmarket.clearing.nonconvex import NonConvexOptions, NonConvexOrder, clear_nonconvex
from flowmarket.clearing.synthetic import random_book


def nonconvex_orders(
    prices: np.ndarray, volume: np.ndarray, count: int, seed: int
) -> list[NonConvexOrder]:
    rng = np.random.default_rng(seed + 1)
    n = len(prices)
    out = []
    kinds = ["all_or_nothing", "min_fill", "startup"]
    for j in range(count):
        kind = kinds[0] if j < count // 2 else kinds[1 + j % 2]
        if kind == "all_or_nothing":
            start = int(rng.integers(0, n - 6))
            products = np.arange(start, start + 6)
        else:
            products = np.array([int(rng.integers(0, n))])
        weights = np.ones(len(products))
        rho = float(prices[products].sum())
        size = float(rng.uniform(0.2, 1.5) * max(1.0, np.mean(volume[products])))
        side = 1.0 if rng.random() < 0.5 else -1.0
        limit = rho * float(rng.uniform(0.85, 1.2) if side > 0 else rng.uniform(0.8, 1.15))
        common = {
            "order_id": f"nc{j}",
            "participant": f"nc-owner-{j % 37}",
            "kind": kind,
            "products": products,
            "weights": weights,
        }
        if kind == "all_or_nothing":
            qty = np.array([0.0, size]) if side > 0 else np.array([-size, 0.0])
            flat = np.array([limit, limit])
            out.append(NonConvexOrder(**common, curve_qty=qty, curve_price=flat))
            continue
        spread = 0.1 * abs(limit)
        if side > 0:
            qty, price = np.array([0.0, size]), np.array([limit + spread, limit - spread])
        else:
            qty, price = np.array([-size, 0.0]), np.array([limit + spread, limit - spread])
        if kind == "min_fill":
            out.append(
                NonConvexOrder(
                    **common,
                    curve_qty=qty,
                    curve_price=price,
                    min_quantity=float(rng.uniform(0.3, 0.9) * size),
                )
            )
        else:
            fixed = float(rng.uniform(0.0, 0.3) * abs(limit) * size)
            out.append(NonConvexOrder(**common, curve_qty=qty, curve_price=price, fixed_cost=fixed))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="10000x100000", help="PRODUCTSxORDERS (convex)")
    parser.add_argument("--nonconvex", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--max-evaluations", type=int, default=NonConvexOptions().max_evaluations)
    parser.add_argument("--rule", action="append", choices=["no_loss", "model_a"])
    args = parser.parse_args()
    n, m = (int(v) for v in args.size.split("x"))
    book = random_book(n, m, args.seed)
    clock, cpu0 = time.perf_counter(), time.process_time()
    base = clear(book)
    wall, cpu = time.perf_counter() - clock, time.process_time() - cpu0
    print(f"convex book {n:,} x {m:,}: alone {wall:.2f} s wall ({cpu:.2f} s CPU)")
    orders = nonconvex_orders(base.prices, base.volume, args.nonconvex, args.seed)
    opts = NonConvexOptions(max_evaluations=args.max_evaluations)
    for rule in args.rule or ["no_loss", "model_a"]:
        load = os.getloadavg()[0]
        cpu = time.process_time()
        out = clear_nonconvex(book, orders, base.prices, rule, opts)
        cpu = time.process_time() - cpu
        best = out.best
        s = out.seconds
        worst = 0.0
        for j in best.accepted:
            o = orders[j]
            rho = float(o.weights @ best.prices[o.products])
            x = float(best.quantity[j])
            worst = max(worst, -(o.value(x) - o.fixed_cost - rho * x))
        print(
            f"rule {rule}: load {load:.1f}, {s['total']:.2f} s wall ({cpu:.2f} s CPU), "
            f"convex clearings {100 * s['convex'] / s['total']:.0f} %, "
            f"price LPs {100 * s['price_lp'] / s['total']:.0f} %, "
            f"search {100 * s['search'] / s['total']:.0f} %; "
            f"{out.evaluations} accept sets cleared; "
            f"accepted {len(best.accepted)} / {len(orders)}, "
            f"paradoxically rejected {len(out.paradoxically_rejected)} "
            f"(lost surplus {sum(out.paradoxically_rejected.values()):.1f}); "
            f"welfare {best.welfare:.2f}, bound {out.upper_bound:.2f}, "
            f"gap {100 * out.gap:.3f} %; worst loss {worst:.2e}; "
            f"imbalance {best.result.certificate.max_imbalance:.1e}"
        )


if __name__ == "__main__":
    main()
