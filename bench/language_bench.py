"""The curve language's cost: books with flat pieces (limit prices) and with curves over
named portfolios with limits, cleared through the clear JSON, time per stage.

    .venv/bin/python bench/language_bench.py [--orders 10000 ...] [--seed 1]

Flat books: a quarter each of limit buyers, limit sellers, sloped buyers with a flat top
and sloped sellers with a flat bottom, at four shared limit prices (ties), 20 % bundles
of two products, over orders/200 products. Portfolio books: half the orders are curves
over 1–3 of their participant's named portfolios (30 % of them with limits), half
sloped sellers, over orders/100 products.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from flowmarket.clearing.curves import decompose
from flowmarket.clearing.document import clear_document, parse_orders
from flowmarket.clearing.engine import clear
from flowmarket.clearing.portfolio_document import expand


def flat_book(seed: int, n_products: int, n_orders: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    levels = np.round(rng.uniform(4.0, 12.0, size=4), 1)
    orders = []
    for j in range(n_orders):
        k = int(rng.integers(n_products))
        portfolio = {f"p{k}": 1.0}
        if rng.random() < 0.2:
            other = int(rng.integers(n_products))
            if other != k:
                portfolio[f"p{other}"] = float(np.round(rng.uniform(0.5, 1.5), 2))
        base = float(levels[rng.integers(levels.size)])
        size = float(np.round(rng.uniform(0.5, 5.0), 2))
        kind = rng.integers(4)
        if kind == 0:
            curve = [[0.0, base], [size, base]]
        elif kind == 1:
            curve = [[-size, base], [0.0, base]]
        elif kind == 2:
            curve = [[0.0, base + 2.0], [size, base + 2.0], [2 * size, base - 1.0]]
        else:
            curve = [[-2 * size, base + 1.0], [-size, base - 2.0], [0.0, base - 2.0]]
        orders.append({"id": f"o{j}", "participant": f"t{j % 7}", "portfolio": portfolio,
                       "curve": curve})  # fmt: skip
    return {"orders": orders, "products": [f"p{k}" for k in range(n_products)]}


def portfolio_book(seed: int, n_products: int, n_orders: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    portfolios: dict[str, Any] = {}
    mine: dict[str, list[str]] = {}
    orders = []
    for j in range(n_orders // 2):
        who = f"b{j // 3}"
        own = mine.setdefault(who, [])
        if not own or rng.random() < 0.6:
            pid = f"P{len(portfolios)}"
            k = int(rng.integers(n_products))
            products = {f"p{k}": 1.0}
            if rng.random() < 0.3:
                products[f"p{(k + 1) % n_products}"] = float(np.round(rng.uniform(0.5, 1.5), 2))
            portfolios[pid] = {"participant": who, "products": products}
            if rng.random() < 0.3:
                portfolios[pid]["limits"] = {
                    "max_rate": float(np.round(rng.uniform(0.1, 2.0), 2)),
                    "max_position": float(np.round(rng.uniform(0.0, 4.0), 2)),
                    "position": float(np.round(rng.uniform(-1.0, 3.0), 2)),
                }
            own.append(pid)
        pick = rng.choice(len(own), size=min(len(own), int(rng.integers(1, 4))), replace=False)
        top = float(rng.uniform(6.0, 14.0))
        orders.append({"id": f"o{j}", "participant": who,
                       "portfolios": {own[int(i)]: float(np.round(rng.uniform(0.5, 2.0), 2))
                                      for i in pick},
                       "curve": [[0.0, top], [float(rng.uniform(0.5, 4.0)),
                                              top - float(rng.uniform(1.0, 6.0))]]})  # fmt: skip
    for j in range(n_orders // 2, n_orders):
        low = float(rng.uniform(2.0, 9.0))
        orders.append({"id": f"o{j}", "participant": f"s{j % 11}",
                       "portfolio": {f"p{int(rng.integers(n_products))}": 1.0},
                       "curve": [[-float(rng.uniform(0.5, 4.0)), low + float(rng.uniform(1, 6))],
                                 [0.0, low]]})  # fmt: skip
    return {"products": [f"p{k}" for k in range(n_products)], "portfolios": portfolios,
            "orders": orders}  # fmt: skip


def run(name: str, doc: dict[str, Any]) -> None:
    engine_doc = expand(doc)[0] if "portfolios" in doc else doc
    book = parse_orders(engine_doc)
    lin = decompose(book)
    flat = int(np.sum(lin.slope == 0))
    start = time.perf_counter()
    result = clear(book)
    engine = time.perf_counter() - start
    start = time.perf_counter()
    clear_document(doc)
    whole = time.perf_counter() - start
    stages = ", ".join(f"{k} {v:.2f}" for k, v in result.stats.seconds.items())
    cert = result.certificate
    print(
        f"{name}: {book.n_orders} engine orders, {book.n_products} products, {lin.n_linear} "
        f"pieces ({flat} flat); engine {engine:.2f} s ({stages}); clear JSON {whole:.2f} s; "
        f"Newton {result.stats.iterations}; imbalance {cert.max_imbalance:.1e}, "
        f"order gap {cert.max_order_gap:.1e}, duality gap {cert.duality_gap:.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for n in args.orders:
        run(f"flat {n}", flat_book(args.seed, max(2, n // 200), n))
        run(f"portfolios {n}", portfolio_book(args.seed, max(2, n // 100), n))


if __name__ == "__main__":
    main()
