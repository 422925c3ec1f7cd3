"""Cash flows, volumes, slopes and welfare are consistent with prices and trades."""

from __future__ import annotations

import numpy as np

from flowmarket.clearing import clear, clear_document
from flowmarket.clearing.curves import curve_quantity
from flowmarket.clearing.synthetic import random_book


def test_cash_is_minus_price_times_trades_and_sums_to_zero() -> None:
    book = random_book(50, 500, seed=21)
    result = clear(book)
    trades = result.participant_trades.toarray()
    np.testing.assert_allclose(result.cash, -(trades @ result.prices), rtol=1e-12, atol=1e-12)
    gross = float(np.abs(result.cash).sum())
    assert abs(float(result.cash.sum())) <= 1e-9 * gross
    np.testing.assert_allclose(trades.sum(axis=0), 0.0, atol=1e-8)


def test_participant_trades_are_the_sums_of_their_orders() -> None:
    book = random_book(20, 200, seed=22)
    result = clear(book)
    per_order = book.portfolios.toarray() * result.order_quantity
    expected = np.zeros((len(book.participants), book.n_products))
    np.add.at(expected, book.order_participant, per_order.T)
    np.testing.assert_allclose(result.participant_trades.toarray(), expected, atol=1e-12)
    np.testing.assert_allclose(result.volume, np.maximum(per_order, 0).sum(axis=1), atol=1e-12)


def test_slope_is_the_derivative_of_aggregate_net_demand() -> None:
    book = random_book(20, 200, seed=23)
    result = clear(book)
    h = 1e-7
    for k in range(book.n_products):
        bumped = result.prices.copy()
        demand = []
        for step in (-h, h):
            bumped[k] = result.prices[k] + step
            quantity = curve_quantity(book, book.portfolios.T @ bumped)
            demand.append(float(book.portfolios[[k]].toarray()[0] @ quantity))
        assert abs((demand[1] - demand[0]) / (2 * h) - result.slope[k]) <= 1e-5


def test_welfare_is_the_area_between_curves_on_a_hand_computed_market() -> None:
    doc = {
        "orders": [
            {"id": "b", "participant": "x", "portfolio": {"p": 1}, "curve": [[0, 10], [10, 0]]},
            {"id": "s", "participant": "y", "portfolio": {"p": 1}, "curve": [[-10, 10], [0, 0]]},
        ]
    }
    result = clear_document(doc)
    # Demand 10 − π, supply π: price 5, trade 5, welfare = triangle 10 × 5 / 2 = 25.
    assert abs(result["prices"]["p"] - 5.0) < 1e-9
    assert abs(result["orders"]["b"]["quantity"] - 5.0) < 1e-9
    assert abs(result["welfare"] - 25.0) < 1e-8
    assert abs(result["participants"]["x"]["cash"] + 25.0) < 1e-8
    assert abs(result["participants"]["y"]["cash"] - 25.0) < 1e-8
    assert abs(result["products"]["p"]["slope"] + 2.0) < 1e-12
