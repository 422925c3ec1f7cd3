"""The certificate is non-zero, at its true size, on deliberately wrong solutions.

A hand-solved market of two products, each with one buyer and one seller:

- a: buyer curve (0, 10)–(10, 0) buys 10 − π_a; seller (−10, 10)–(0, 0) sells π_a.
  Clears at π_a = 5, 5 GB/h.
- b: buyer (0, 6)–(2, 2) buys (6 − π_b)/2; seller (−4, 8)–(0, 0) sells π_b/2.
  Clears at π_b = 3, 1.5 GB/h.

At the wrong prices (4, 5.5) the buyer of a takes 6 and its seller gives 4 (net demand
+2); the buyer of b takes 0.25 and its seller gives 2.75 (net demand −2.5). So the
largest imbalance is 2.5 GB/h (the negative one), and dual − primal = |π·(W x)| =
|4 × 2 + 5.5 × (−2.5)| = |8 − 13.75| = 5.75 tokens/h. Every number here is a dyadic
fraction, so the engine's floats must equal them exactly.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from flowmarket.clearing import gate, parse_orders
from flowmarket.clearing.certificate import assemble, certify
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.model import LinearOrders, OrderBook, SolverStats
from flowmarket.errors import CertificateFailed

DOC = {
    "products": ["a", "b"],
    "orders": [
        {"id": "buy-a", "participant": "x", "portfolio": {"a": 1}, "curve": [[0, 10], [10, 0]]},
        {"id": "sell-a", "participant": "y", "portfolio": {"a": 1}, "curve": [[-10, 10], [0, 0]]},
        {"id": "buy-b", "participant": "y", "portfolio": {"b": 1}, "curve": [[0, 6], [2, 2]]},
        {"id": "sell-b", "participant": "x", "portfolio": {"b": 1}, "curve": [[-4, 8], [0, 0]]},
    ],
}
WRONG = np.array([4.0, 5.5])
RIGHT = np.array([5.0, 3.0])


def market() -> tuple[OrderBook, LinearOrders, DualOperators]:
    book = parse_orders(DOC)
    lin = decompose(book)
    return book, lin, DualOperators.of(lin)


def test_the_certificate_is_zero_at_the_hand_computed_clearing_prices() -> None:
    book, lin, ops = market()
    _, _, quantity, cert, _ = certify(book, lin, ops, RIGHT, True)
    assert quantity.tolist() == [5.0, -5.0, 1.5, -1.5]
    assert (cert.max_imbalance, cert.max_order_gap, cert.duality_gap) == (0.0, 0.0, 0.0)
    assert cert.projection_exact


def test_wrong_prices_report_the_largest_imbalance_and_the_duality_gap_at_their_size() -> None:
    book, lin, ops = market()
    u, x, quantity, cert, residuals = certify(book, lin, ops, WRONG, False)
    assert u.tolist() == [4.0, -4.0, 5.5, -5.5]  # selling columns see the negated price
    assert x.tolist() == [6.0, 4.0, 0.25, 2.75]
    assert quantity.tolist() == [6.0, -4.0, 0.25, -2.75]
    assert cert.max_imbalance == 2.5  # |−2.5| on b beats +2 on a
    assert cert.max_order_gap == 0.0  # every order is on its own curve
    assert cert.duality_gap == 5.75
    assert not cert.projection_exact
    # per product a: 6 − 4 = 2, b: 0.25 − 2.75 = −2.5; every order on its curve
    assert residuals.imbalance.tolist() == [2.0, -2.5]
    assert residuals.gap.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_orders_off_their_curves_report_the_largest_gap_whichever_its_sign() -> None:
    # A wrong decomposition: buy-a's line starts at 8.5 instead of 10, sell-b's at −1
    # instead of 0. At (4, 5.5) buy-a trades 4.5 where its curve says 6 (gap −1.5) and
    # sell-b sells 2.25 where its curve says 2.75 (gap +0.5). Net demand a = 4.5 − 4 =
    # 0.5, b = 0.25 − 2.25 = −2; dual − primal = |4 × 0.5 + 5.5 × (−2)| = 9.
    book, lin, _ = market()
    wrong = replace(lin, p_high=np.array([8.5, 0.0, 6.0, -1.0]))
    _, _, quantity, cert, _ = certify(book, wrong, DualOperators.of(wrong), WRONG, True)
    assert quantity.tolist() == [4.5, -4.0, 0.25, -2.25]
    assert cert.max_order_gap == 1.5
    assert cert.max_imbalance == 2.0
    assert cert.duality_gap == 9.0


def test_assemble_reports_the_outputs_of_a_wrong_solution_exactly() -> None:
    book, lin, ops = market()
    result, _ = assemble(book, lin, ops, WRONG, False, SolverStats(3, 7))
    assert result.prices.tolist() == [4.0, 5.5]
    assert result.order_quantity.tolist() == [6.0, -4.0, 0.25, -2.75]
    assert result.linear_quantity.tolist() == [6.0, 4.0, 0.25, 2.75]
    assert result.volume.tolist() == [6.0, 0.25]  # what the buyers take
    # d(net demand)/dπ: a: −1 (buyer) − 1 (seller); b: −1/2 − 1/2
    assert result.slope.tolist() == [-2.0, -1.0]
    # participants (x, y): x buys 6 a and sells 2.75 b; y sells 4 a and buys 0.25 b
    assert result.participant_trades.toarray().tolist() == [[6.0, -2.75], [-4.0, 0.25]]
    # cash −π·trades: x −(24 − 15.125) = −8.875; y −(−16 + 1.375) = 14.625
    assert result.cash.tolist() == [-8.875, 14.625]
    # Σ p_high·x − slope·x²/2: 60 − 18, 0 − 8, 1.5 − 0.0625, 0 − 7.5625
    assert result.welfare == 27.875
    assert result.certificate.max_imbalance == 2.5
    assert result.stats == SolverStats(3, 7)


def test_assemble_at_the_clearing_prices_gives_the_hand_computed_welfare() -> None:
    book, lin, ops = market()
    result, _ = assemble(book, lin, ops, RIGHT, True, SolverStats(0, 0))
    # a: triangle 10 × 5 / 2 = 25; b: ∫0^1.5 (6 − 2q) − 2q dq = 9 − 4.5 = 4.5
    assert result.welfare == pytest.approx(29.5, abs=1e-12)
    assert result.volume.tolist() == [5.0, 1.5]
    assert result.cash.tolist() == [-(5.0 * 5.0) + 1.5 * 3.0, 5.0 * 5.0 - 1.5 * 3.0]


def test_an_empty_book_has_a_zero_certificate() -> None:
    for products, prices in ((["a"], [7.0]), ([], [])):
        book = parse_orders({"products": products, "orders": []})
        lin = decompose(book)
        _, _, quantity, cert, _ = certify(book, lin, DualOperators.of(lin), np.array(prices), True)
        assert quantity.size == 0
        assert (cert.max_imbalance, cert.max_order_gap, cert.duality_gap) == (0.0, 0.0, 0.0)


def test_the_gate_reads_the_certificates_residuals_and_still_refuses_wrong_prices() -> None:
    book, lin, ops = market()
    result, residuals = assemble(book, lin, ops, WRONG, False, SolverStats(0, 0))
    with pytest.raises(CertificateFailed, match=r"left unbalanced by 2\.5 GB/h"):
        gate.check(book, lin, ops, result, 1e-8, residuals=residuals)
    right, right_residuals = assemble(book, lin, ops, RIGHT, True, SolverStats(0, 0))
    gate.check(book, lin, ops, right, 1e-8, residuals=right_residuals)
