"""Fairness of networked clearings: order classes, compensations, the price of fairness.

The two-node cases are worked by hand: a seller at A offering 5(p − 1) GB/h (curve
(−20, 5) … (0, 1), price P_s(q) = 1 + q/5 for the q-th GB sold) and a buyer at B asking
2.5(9 − p) (curve (0, 9) … (20, 1), P_b(q) = 9 − q/2.5), one link A→B without cost.
Without the link's limit both nodes clear at λ* = 11/3 (5(λ − 1) = 2.5(9 − λ)), 40/3 GB/h.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from flowmarket.clearing import clear_document, parse_orders
from flowmarket.clearing.fairness import (
    OrderClass,
    evaluate,
    unconstrained_prices,
    virtual_node_prices,
)
from flowmarket.clearing.fairness_document import fairness_document


def line(capacity: float) -> dict[str, Any]:
    return {
        "orders": [
            {"id": "s", "participant": "sal", "portfolio": {"x@A": 1}, "curve": [[-20, 5], [0, 1]]},
            {"id": "b", "participant": "bob", "portfolio": {"x@B": 1}, "curve": [[0, 9], [20, 1]]},
        ],
        "network": {
            "locations": {
                "x@A": {"node": "A", "commodity": "x"},
                "x@B": {"node": "B", "commodity": "x"},
            },
            "links": [{"id": "A-B", "from": "A", "to": "B", "capacity": capacity}],
        },
    }


def mechanisms(doc: dict[str, Any]) -> tuple[Any, ...]:
    result = clear_document(doc)
    book = parse_orders(doc)
    quantity = np.array([result["orders"][oid]["quantity"] for oid in book.order_ids])
    nodal = np.array([result["prices"][p] for p in book.products])
    commodity = np.zeros(book.n_products, dtype=np.int64)  # every product is "x"
    uniform = unconstrained_prices(book, commodity, nodal)
    return book, quantity, nodal, uniform, result


def test_tight_line_nodal_prices_cost_the_rent_one_price_the_deadweight_triangle() -> None:
    # Capacity 4: p_A = 1 + 4/5 = 1.8, p_B = 9 − 4/2.5 = 7.4, rent (7.4 − 1.8)·4 = 22.4.
    # At λ* both orders are unfairly rejected (they ask for 40/3, trade 4). Lost profits:
    # buyer ∫_4^{40/3} (P_b − λ*) = 784/45, seller ∫_4^{40/3} (λ* − P_s) = 392/45; together
    # the deadweight triangle ∫_4^{40/3} (8 − 0.6 q) dq = 1176/45 ≈ 26.13 > 22.4.
    book, quantity, nodal, uniform, result = mechanisms(line(4.0))
    assert uniform == pytest.approx([11 / 3, 11 / 3], abs=1e-9)
    at_nodes = evaluate(book, quantity, nodal, result["welfare"])
    assert list(at_nodes.classes) == [OrderClass.STRICTLY_COMPETITIVE] * 2
    assert at_nodes.compensations == pytest.approx(0.0, abs=1e-9)
    assert at_nodes.pof == pytest.approx(22.4, abs=1e-9)
    one_price = evaluate(book, quantity, uniform, result["welfare"])
    assert list(one_price.classes) == [OrderClass.UNFAIRLY_REJECTED] * 2
    assert one_price.compensation == pytest.approx([392 / 45, 784 / 45], abs=1e-9)
    assert one_price.undistributed == pytest.approx(0.0, abs=1e-9)
    assert one_price.pof == pytest.approx(1176 / 45, abs=1e-9)


def test_nearly_free_line_one_price_beats_nodal_prices() -> None:
    # Capacity 12: p_A = 3.4, p_B = 4.2, rent 0.8·12 = 9.6; at λ* the lost profits are
    # buyer 320/9 − 35.2 = 16/45 and seller 160/9 − 17.6 = 8/45: PoF 24/45 ≪ 9.6. Nodal
    # prices do not minimise the price of fairness.
    book, quantity, nodal, uniform, result = mechanisms(line(12.0))
    assert evaluate(book, quantity, nodal, result["welfare"]).pof == pytest.approx(9.6, abs=1e-9)
    one_price = evaluate(book, quantity, uniform, result["welfare"])
    assert one_price.compensation == pytest.approx([8 / 45, 16 / 45], abs=1e-9)
    assert one_price.pof == pytest.approx(24 / 45, abs=1e-9)


def test_a_forced_order_is_compensated_its_loss() -> None:
    # The seller is made to sell 4 GB/h at 1.5 although its curve sells only 2.5 there:
    # loss ∫_{2.5}^{4} (P_s − 1.5) = ∫ (q/5 − 0.5) dq = 0.225.
    book, _, _, _, result = mechanisms(line(4.0))
    fair = evaluate(book, np.array([-4.0, 4.0]), np.array([1.5, 1.5]), result["welfare"])
    assert fair.classes[0] == OrderClass.FORCED
    assert fair.compensation[0] == pytest.approx(0.225, abs=1e-12)


OFFERS = {
    "S": [("s", [[-12, 3], [0, 1]]), ("s", [[-8, 6], [0, 2.5]]), ("b", [[0, 4], [5, 2]])],
    "X": [("b", [[0, 12], [10, 5]]), ("s", [[-4, 11], [0, 8]]), ("b", [[0, 9], [6, 3]])],
    "Y": [("b", [[0, 10], [12, 1]]), ("s", [[-6, 9], [0, 4]]), ("b", [[0, 6], [3, 4]])],
}
STAR: dict[str, Any] = {
    "orders": [
        {
            "id": f"{kind}{k}@{node}",
            "participant": f"{kind}{k}{node}",
            "portfolio": {f"x@{node}": 1},
            "curve": curve,
        }
        for node, offers in OFFERS.items()
        for k, (kind, curve) in enumerate(offers)
    ],
    "network": {
        "locations": {f"x@{n}": {"node": n, "commodity": "x"} for n in "SXY"},
        "links": [
            {"id": "S-X", "from": "S", "to": "X", "capacity": 3},
            {"id": "S-Y", "from": "S", "to": "Y", "capacity": 5, "cost": 0.5},
            {"id": "X-Y", "from": "X", "to": "Y", "capacity": 2},
        ],
    },
}


@pytest.mark.parametrize("theta", [0.0, 1.0])
def test_price_of_fairness_is_least_at_the_unconstrained_market_price(theta: float) -> None:
    # Theorem 6 on a three-node star: with the nodal components fixed (θ = 0: one price,
    # θ = 1: the nodal prices' own components), the PoF of λ* + δ + θ(π − λ*) is convex
    # in δ and least at δ = 0, the unconstrained market price at the virtual node.
    book, quantity, nodal, uniform, result = mechanisms(STAR)
    assert result["congestion_rent"] > 1.0  # the links bind
    deltas = np.linspace(-2.0, 2.0, 81)
    pof = np.array(
        [
            evaluate(
                book, quantity, virtual_node_prices(uniform, nodal, theta, d), result["welfare"]
            ).pof
            for d in deltas
        ]
    )
    assert deltas[int(np.argmin(pof))] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(pof, 2) >= -1e-9)  # convex
    assert pof[40] < pof[39] and pof[40] < pof[41]


def test_a_spread_order_of_one_commodity_is_left_out_of_the_one_price_market() -> None:
    # Buys x@B and sells x@A (an order that moves GB/h itself) paying up to 0.1 a GB: at the
    # nodal spread 7.4 − 1.8 = 5.6 it trades nothing, and in the one-price market its
    # weights cancel (+1 − 1 on one merged product), so it is left out there: λ* stays 11/3.
    doc = line(4.0)
    spread = {"x@A": -1, "x@B": 1}
    doc["orders"].append(
        {"id": "arb", "participant": "ann", "portfolio": spread, "curve": [[0, 0.1], [1, 0]]}
    )
    _, quantity, nodal, uniform, result = mechanisms(doc)
    assert nodal == pytest.approx([1.8, 7.4], abs=1e-9)
    assert quantity == pytest.approx([-4.0, 4.0, 0.0], abs=1e-9)
    assert uniform == pytest.approx([11 / 3, 11 / 3], abs=1e-9)
    report = fairness_document(doc, dict(result))
    # at one price its spread is 0, where it asks for 1 unit and gets none: unfairly
    # rejected, owed ∫_0^1 (0.1 − 0.1 q) dq = 1/20 on top of the line's 1176/45
    assert report["mechanisms"]["uniform"]["pof"] == pytest.approx(1176 / 45 + 1 / 20, abs=1e-9)
