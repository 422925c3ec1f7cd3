"""The network clearing agrees with Clarabel solving the QP with the flows as variables."""

from __future__ import annotations

import numpy as np
import pytest
from network_reference import reference_network_clearing

from flowmarket.clearing import clear
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.model import SolverOptions
from flowmarket.clearing.synthetic import random_book, random_network

# (nodes, links, commodities per node, orders, largest capacity GB/h, seed): congested
# (capacity 5: most links full) and loose (capacity 200: about half), up to the
# size the issue names, 100 nodes / 300 links / 10^4 orders.
CASES = [
    (10, 30, 3, 300, 5.0, 1),
    (30, 90, 4, 3000, 50.0, 2),
    (100, 300, 3, 10_000, 5.0, 1),
    (100, 300, 2, 10_000, 200.0, 3),
]


@pytest.mark.parametrize("engine", [1, 5])  # the first and the newest (polish, `ldp` check)
@pytest.mark.parametrize(("nodes", "links", "commodities", "orders", "capacity", "seed"), CASES)
def test_quantities_prices_and_link_rows_agree_with_an_independent_qp(
    nodes: int,
    links: int,
    commodities: int,
    orders: int,
    capacity: float,
    seed: int,
    engine: int,
) -> None:
    book = random_book(nodes * commodities, orders, seed, locality=commodities)
    network = random_network(nodes, links, book, seed, capacity=(capacity / 10, capacity))
    result = clear(book, options=SolverOptions(engine=engine), network=network)
    x, _, prices, link_prices = reference_network_clearing(decompose(book), network)
    outcome = result.network
    assert outcome is not None
    np.testing.assert_allclose(result.linear_quantity, x, rtol=0, atol=1e-6)
    np.testing.assert_allclose(result.prices, prices, rtol=0, atol=1e-6)
    np.testing.assert_allclose(outcome.link_price, link_prices, rtol=0, atol=1e-6)
    assert np.sum(link_prices > 1e-6) > links // 3  # the capacities bind
    cert = outcome.certificate
    # every link row: GB/h over capacity, tokens/GB of price gap, and the idle
    # capacity of priced links valued at their price (tokens/h, relative to the rents)
    rent_scale = max(1.0, float(np.max(outcome.rent)))
    for row, bound in ((cert.excess, 1e-8), (cert.price_gap, 1e-7), (cert.flow_gap, 1e-7)):
        assert row.shape == (network.n_links,)
        assert np.all(row <= bound)
    assert np.all(np.abs(cert.idle) <= 1e-9 * rent_scale)
    # GB/h: the gate's relative tolerance (1e-8) of the largest quantity, with room
    largest = max(1.0, float(decompose(book).q.max()), float(np.max(outcome.flows)))
    assert result.certificate.max_imbalance <= 1e-9 * largest
    assert result.certificate.max_order_gap <= 1e-9
    # what participants pay for moving the flows is what the link owners are paid
    paid = -float(np.sum(result.cash))
    assert paid == pytest.approx(outcome.congestion_rent + outcome.transport_cost, rel=1e-9)
