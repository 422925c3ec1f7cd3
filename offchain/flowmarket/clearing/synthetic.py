"""Seeded random order books and networks for tests, benchmarks and demos (vectorised).

Every product gets one single-product buyer and one seller whose price ranges
overlap around a per-product reference price, so every product trades; the
remaining orders have portfolios of 1–3 products (a share of them spreads with
a negative weight) and curves of 1–3 segments that buy, sell or both.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.model import OrderBook
from flowmarket.clearing.network import Network
from flowmarket.errors import InvalidInput


def random_book(
    n_products: int,
    n_orders: int,
    seed: int,
    *,
    max_segments: int = 3,
    locality: int | None = None,
) -> OrderBook:
    """A random book with n_products and n_orders (n_orders ≥ 2 n_products).

    Portfolio products are uniform over the catalogue, or with `locality` = w
    within w places after the order's first product (like bundles of
    neighbouring hours of one region), which keeps sparse factorisations small.
    """
    if n_orders < 2 * n_products:
        raise InvalidInput("n_orders: must be at least 2 × n_products so every product trades")
    rng = np.random.default_rng(seed)
    m = n_orders
    base = rng.uniform(5.0, 15.0, n_products)
    k = np.where(np.arange(m) < 2 * n_products, 1, rng.integers(1, 4, m))
    rows = rng.integers(0, n_products, int(k.sum()))
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    rows[first[: 2 * n_products]] = np.arange(2 * n_products) // 2
    cols = np.repeat(np.arange(m), k)
    if locality is not None:  # other products within `locality` places of the first one
        offset = rng.integers(1, locality + 1, rows.size)
        offset[first] = 0
        rows = (rows[first][cols] + offset) % n_products
    weights = rng.uniform(0.5, 2.0, rows.size)
    weights[rng.random(rows.size) < 0.15] *= -1.0
    weights[first] = np.abs(weights[first])
    portfolios = sp.csc_array((weights, (rows, cols)), shape=(n_products, m))
    portfolios.sum_duplicates()
    value = portfolios.T @ base
    side = rng.integers(0, 3, m)  # 0 buys, 1 sells, 2 both
    side[: 2 * n_products] = np.arange(2 * n_products) % 2
    segments = rng.integers(1, max_segments + 1, m)
    ptr = np.concatenate([[0], np.cumsum(segments + 1)])
    owner = np.repeat(np.arange(m), segments + 1)
    steps = rng.uniform(0.2, 1.0, ptr[-1])
    steps[ptr[:-1]] = 0.0
    cum = np.cumsum(steps)
    cum -= np.repeat(cum[ptr[:-1]], segments + 1)
    total = cum[ptr[1:] - 1]
    frac = np.where(side == 0, 0.0, np.where(side == 1, 1.0, rng.uniform(0.2, 0.8, m)))
    scale = rng.uniform(1.0, 10.0, m)
    qty = (cum - np.repeat(frac * total, segments + 1)) * scale[owner]
    spread = 0.3 * np.abs(value) + 1.0
    psteps = rng.uniform(0.2, 1.0, ptr[-1])
    psteps[ptr[:-1]] = 0.0
    pcum = np.cumsum(psteps)
    pcum -= np.repeat(pcum[ptr[:-1]], segments + 1)
    ptotal = pcum[ptr[1:] - 1]
    price = value[owner] + spread[owner] * (0.5 - pcum / ptotal[owner])
    qty[ptr[:-1][side == 0]] = 0.0
    qty[ptr[1:][side == 1] - 1] = 0.0
    return OrderBook(
        products=tuple(f"p{i}" for i in range(n_products)),
        participants=tuple(f"t{i}" for i in range(max(1, m // 10))),
        order_ids=tuple(f"o{j}" for j in range(m)),
        order_participant=rng.integers(0, max(1, m // 10), m).astype(np.int64),
        portfolios=portfolios,
        curve_ptr=ptr.astype(np.int64),
        curve_qty=qty,
        curve_price=price,
    )


def random_network(
    n_nodes: int,
    n_links: int,
    book: OrderBook,
    seed: int,
    *,
    carried: int | None = None,
    capacity: tuple[float, float] = (1.0, 10.0),
    cost: tuple[float, float] = (0.0, 0.5),
) -> Network:
    """A random connected network for a book whose products are node-major.

    Product k is commodity k mod C at node k // C, C = n_products / n_nodes. The
    n_links physical links (directed; at least n_nodes: the first n_nodes form a
    ring, so every node reaches every other, the rest join random pairs) each become
    C / carried links: one per block of `carried` consecutive commodities (default
    all C), with their own capacity, like the links of one delivery hour carrying
    its service types. Capacities (GB/h) and costs (tokens per GB) are uniform.
    """
    n_products = book.n_products
    if n_products % n_nodes or n_links < n_nodes:
        raise InvalidInput("n_products must be a multiple of n_nodes, n_links at least n_nodes")
    n_comm = n_products // n_nodes
    block = carried or n_comm
    if n_comm % block:
        raise InvalidInput("carried must divide the number of commodities")
    rng = np.random.default_rng(seed)
    ring = np.arange(n_nodes)
    src, dst = ring, (ring + 1) % n_nodes
    extra = n_links - n_nodes
    a = rng.integers(0, n_nodes, extra)
    b = (a + rng.integers(1, n_nodes, extra)) % n_nodes
    src, dst = np.concatenate([src, a]), np.concatenate([dst, b])
    n_blocks = n_comm // block
    link_src = np.repeat(src, n_blocks)
    link_dst = np.repeat(dst, n_blocks)
    link_block = np.tile(np.arange(n_blocks), src.size)
    n_out = link_src.size
    flow_link = np.repeat(np.arange(n_out), block)
    commodity = (link_block[flow_link] * block) + np.tile(np.arange(block), n_out)
    return Network(
        link_ids=tuple(f"l{i}" for i in range(n_out)),
        capacity=rng.uniform(*capacity, n_out),
        cost=rng.uniform(*cost, n_out),
        flow_link=flow_link.astype(np.int64),
        flow_from=(link_src[flow_link] * n_comm + commodity).astype(np.int64),
        flow_to=(link_dst[flow_link] * n_comm + commodity).astype(np.int64),
    )
