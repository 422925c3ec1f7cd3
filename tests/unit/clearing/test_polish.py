"""Engine 5's polish (`clearing.polish`) on a network small enough to clear by hand.

Node A sells, node B buys, one link A→B of 6 GB/h at 0.5 tokens/GB shared by premium
and regular (the first network of test_network_known_answers.py, worked there):
premium at A sells 5(p − 1), regular at A 10(p − 1), premium at B buys 2.5(9 − p),
regular at B 5(6 − p). The link is full: premium carries 16/3 GB/h and regular 2/3;
prices premium A 31/15, B 103/15, regular A 16/15, B 88/15; link price μ = 4.3. Every
order is strictly inside its curve there, so on this active set the clearing is linear
and one polish step lands on it exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from flowmarket.clearing.curves import decompose
from flowmarket.clearing.document import parse_orders
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.network import NetworkProblem
from flowmarket.clearing.network_document import parse_network
from flowmarket.clearing.polish import polish

EXACT_PRICES = [31 / 15, 103 / 15, 16 / 15, 88 / 15, 4.3]  # premium A, B, regular A, B; μ
EXACT_FLOWS = (16 / 3, 2 / 3)  # premium, regular
PRICED = np.array([True])


def order(oid: str, product: str, curve: list[list[float]]) -> dict[str, Any]:
    return {"id": oid, "participant": oid, "portfolio": {product: 1.0}, "curve": curve}


def line() -> tuple[Any, ...]:
    """(problem, lin, ops, premium's flow column, regular's)."""
    doc = {
        "orders": [
            order("sp", "premium@A", [[-20, 5], [0, 1]]),
            order("sr", "regular@A", [[-20, 3], [0, 1]]),
            order("bp", "premium@B", [[0, 9], [20, 1]]),
            order("br", "regular@B", [[0, 6], [20, 2]]),
        ]
    }
    book = parse_orders(doc)
    assert list(book.products) == ["premium@A", "premium@B", "regular@A", "regular@B"]
    raw = {
        "locations": {
            p: {"node": p.split("@")[1], "commodity": p.split("@")[0]} for p in book.products
        },
        "links": [{"id": "A-B", "from": "A", "to": "B", "capacity": 6, "cost": 0.5}],
    }
    network, _ = parse_network(raw, list(book.products))
    lin = decompose(book)
    problem = NetworkProblem.augment(lin, network)
    start = network.flow_from[problem.flows]
    premium, regular = int(np.flatnonzero(start == 0)[0]), int(np.flatnonzero(start == 2)[0])
    return problem, lin, DualOperators.of(lin), premium, regular


def flows_of(problem: NetworkProblem, columns: tuple[int, int], values: tuple[float, float]):
    out = np.zeros(problem.flows.size)
    out[list(columns)] = values
    return out


def dyadic_line(more_links: list[dict[str, Any]]) -> tuple[NetworkProblem, Any, Any]:
    """(problem, lin, network) of a line in dyadic numbers, so every trade is exact in
    binary: premium only, A sells 4(p − 1) (curve (−8, 3) … (0, 1)), B buys 2(9 − p)
    (curve (0, 9) … (8, 5)), one link A→B of 4 GB/h at 1 token/GB, and `more_links`.
    Unconstrained, 4 GB/h would leave a price difference of 8 − 3·4/4 = 5 > cost, so
    the link is full: A sells 4 at 2, B buys 4 at 7, μ = 4."""
    doc = {
        "orders": [
            order("s", "premium@A", [[-8, 3], [0, 1]]),
            order("b", "premium@B", [[0, 9], [8, 5]]),
        ]
    }
    book = parse_orders(doc)
    raw = {
        "locations": {p: {"node": p[-1], "commodity": "premium"} for p in book.products},
        "links": [{"id": "A-B", "from": "A", "to": "B", "capacity": 4, "cost": 1}, *more_links],
    }
    network, _ = parse_network(raw, list(book.products))
    lin = decompose(book)
    return NetworkProblem.augment(lin, network), lin, network


def test_flows_sent_down_the_wrong_commodity_go_back() -> None:
    # Exact prices, but 1e-6 GB/h of premium's trade on regular's column: the orders
    # trade 16/3 and 2/3, so the correction is g = (+1e-6, −1e-6), the load held at 6
    # and no price moves (the system's unique solution: every product has an inside order).
    problem, lin, ops, p, r = line()
    given = flows_of(problem, (p, r), (16 / 3 - 1e-6, 2 / 3 + 1e-6))
    out = polish(problem, lin, ops, np.array(EXACT_PRICES), given, PRICED, 1e-9)
    assert out.kept
    assert out.flows[[p, r]] == pytest.approx(EXACT_FLOWS, abs=1e-12)
    assert out.prices == pytest.approx(EXACT_PRICES, abs=1e-12)


def test_prices_off_in_their_last_digits_come_back_to_the_hand_prices() -> None:
    # Both premium prices 1e-7 too high and μ 1e-7 too low: premium A sells 5e-7 GB/h
    # more than the link carries and B buys 2.5e-7 less. One step on the active set
    # (all four orders inside, the link full) is exact: the hand prices and flows.
    problem, lin, ops, p, r = line()
    prices = np.array(EXACT_PRICES) + np.array([1e-7, 1e-7, 0.0, 0.0, -1e-7])
    given = flows_of(problem, (p, r), EXACT_FLOWS)
    out = polish(problem, lin, ops, prices, given, PRICED, 1e-9)
    assert out.kept
    assert out.prices == pytest.approx(EXACT_PRICES, abs=1e-12)
    assert out.flows[[p, r]] == pytest.approx(EXACT_FLOWS, abs=1e-12)


def test_a_correction_beyond_the_last_digits_is_not_kept() -> None:
    # Regular carries nothing though its orders trade 2/3 GB/h: the active set is wrong
    # (regular's column should flow). Balancing without it would move regular A's price
    # by −1/15 and B's by +2/15, a million times more than the polish's reach (1e-6 × the
    # largest price): the clearing keeps what it had.
    problem, lin, ops, p, r = line()
    given = flows_of(problem, (p, r), (6.0, 0.0))
    prices = np.array(EXACT_PRICES)
    out = polish(problem, lin, ops, prices, given, PRICED, 1e-9)
    assert not out.kept
    assert out.prices is prices and out.flows is given


def test_a_balanced_clearing_is_left_as_it_is() -> None:
    problem, lin, ops, p, r = line()
    given = flows_of(problem, (p, r), EXACT_FLOWS)
    out = polish(problem, lin, ops, np.array(EXACT_PRICES), given, PRICED, 1e-9)
    assert out.prices == pytest.approx(EXACT_PRICES, abs=1e-14)
    assert out.flows[[p, r]] == pytest.approx(EXACT_FLOWS, abs=1e-14)


def test_an_exactly_balanced_clearing_is_not_polished() -> None:
    # The dyadic line balances exactly at its hand prices and flow: nothing is left to
    # balance, so no correction can lower the imbalance, and none is kept.
    problem, lin, _ = dyadic_line([])
    prices, flows = np.array([2.0, 7.0, 4.0]), np.array([4.0])
    out = polish(problem, lin, DualOperators.of(lin), prices, flows, PRICED, 1e-9)
    assert not out.kept
    assert out.prices is prices and out.flows is flows


def test_a_flow_at_its_own_bound_is_not_part_of_the_active_set() -> None:
    # The dyadic line, with a second, thin link A→B: 2^-30 GB/h at 5.5 tokens/GB, open
    # (its price 0). The solver left its flow at the column's own bound, twice its
    # capacity (2^-29), as it leaves the demo's thinnest links, though at prices 2 and 7
    # its price difference is 0.5 short of its cost: a flow at its bound is not part of
    # the active set, so no price is moved to make it whole. The orders trade 4, the
    # flows move 4 + 2^-29: A must sell and B buy 2^-29 more, with the main link's load
    # held, so A's price rises by 2^-29/4 = 2^-31, B's falls by 2^-29/2 = 2^-30, and the
    # main link's price by the sum of the two, 3·2^-31 (its flow's price difference
    # stays cost + μ).
    thin = {"id": "A-B-thin", "from": "A", "to": "B", "capacity": 2.0**-30, "cost": 5.5}
    problem, lin, network = dyadic_line([thin])
    main, thin = (int(np.flatnonzero(network.flow_link[problem.flows] == k)[0]) for k in (0, 1))
    flows = np.zeros(2)
    flows[main], flows[thin] = 4.0, 2.0**-29
    prices = np.array([2.0, 7.0, 4.0, 0.0])
    priced = np.array([True, False])
    out = polish(problem, lin, DualOperators.of(lin), prices, flows, priced, 1e-12)
    assert out.kept
    assert out.prices[:3] == pytest.approx([2 + 2**-31, 7 - 2**-30, 4 - 3 * 2**-31], abs=1e-16)
    assert out.flows[main] == 4.0 and out.flows[thin] == 2.0**-29
