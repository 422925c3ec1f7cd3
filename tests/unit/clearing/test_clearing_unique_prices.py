"""Non-unique clearing prices: the result is the projection of the prior onto the optimal set."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from clearing_reference import reference_clearing, reference_projection

from flowmarket.clearing import OrderBook, SolverOptions, clear, clear_document, parse_orders
from flowmarket.clearing.curves import decompose
from flowmarket.errors import InvalidInput


def order(order_id: str, who: str, portfolio: dict[str, float], curve: list[list[float]]) -> Any:
    return {"id": order_id, "participant": who, "portfolio": portfolio, "curve": curve}


# Buyer takes 5 at any price up to 6, seller gives 5 at any price from 4: prices [4, 6] clear.
OVERLAP = {
    "orders": [
        order("buy", "ann", {"p": 1.0}, [[0, 8], [5, 6]]),
        order("sell", "bob", {"p": 1.0}, [[-5, 4], [0, 2]]),
    ]
}
# Two identical markets a and b (each crosses on [4, 6]) and a spread order that trades
# a against b: it pins π_a − π_b without fixing the level.
SPREAD_PAIR = {
    "orders": [
        order("a-buy", "ann", {"a": 1.0}, [[0, 8], [5, 6]]),
        order("a-sell", "bob", {"a": 1.0}, [[-5, 4], [0, 2]]),
        order("b-buy", "ann", {"b": 1.0}, [[0, 8], [5, 6]]),
        order("b-sell", "bob", {"b": 1.0}, [[-5, 4], [0, 2]]),
        order("spread", "cat", {"a": 1.0, "b": -1.0}, [[-1, 1], [1, -1]]),
    ]
}


@pytest.mark.parametrize(("prior", "expected"), [(10.0, 6.0), (5.2, 5.2), (-3.0, 4.0), (4.0, 4.0)])
def test_overlapping_curves_clear_at_the_prior_clipped_to_the_price_interval(
    prior: float, expected: float
) -> None:
    result = clear_document(OVERLAP, {"prices": {"p": prior}})
    assert result["prices"]["p"] == pytest.approx(expected, abs=1e-12)
    assert result["orders"]["buy"]["quantity"] == pytest.approx(5.0, abs=1e-12)
    assert result["orders"]["sell"]["quantity"] == pytest.approx(-5.0, abs=1e-12)


def test_without_a_prior_the_price_closest_to_zero_is_chosen() -> None:
    assert clear_document(OVERLAP)["prices"]["p"] == pytest.approx(4.0, abs=1e-12)


def test_product_without_orders_keeps_its_prior_price() -> None:
    doc = {"products": ["p", "idle"], **OVERLAP}
    result = clear_document(doc, {"prices": {"p": 5.0, "idle": 17.5}})
    assert result["prices"]["idle"] == 17.5
    assert result["products"]["idle"] == {"volume": 0.0, "slope": 0.0}


def test_spread_order_pins_the_difference_and_the_mean_follows_the_prior() -> None:
    doc = SPREAD_PAIR
    # The spread trades 0, so π_a = π_b, in [4, 6]; the projection of (a, b) = (5.5, 4.5)
    # onto that segment is their mean, and of (10, 3) the clipped mean 6.
    mid = clear_document(doc, {"prices": {"a": 5.5, "b": 4.5}})["prices"]
    assert mid["a"] == pytest.approx(5.0, abs=1e-12)
    assert mid["b"] == pytest.approx(5.0, abs=1e-12)
    high = clear_document(doc, {"prices": {"a": 10.0, "b": 3.0}})["prices"]
    assert high == pytest.approx({"a": 6.0, "b": 6.0}, abs=1e-12)


@pytest.mark.parametrize("prior", [None, 4.2, 1.0, 11.0])
def test_market_with_no_possible_trade_clears_nothing_between_best_bid_and_ask(
    prior: float | None,
) -> None:
    doc = {
        "orders": [
            order("bid", "ann", {"p": 1.0}, [[0, 3], [4, 1]]),
            order("ask", "bob", {"p": 1.0}, [[-4, 9], [0, 5]]),
        ]
    }
    result = clear_document(doc, None if prior is None else {"prices": {"p": prior}})
    assert result["orders"] == {"bid": {"quantity": 0.0}, "ask": {"quantity": 0.0}}
    expected = 3.0 if prior is None else min(max(prior, 3.0), 5.0)
    assert result["prices"]["p"] == pytest.approx(expected, abs=1e-12)
    assert result["welfare"] == 0.0


def test_market_without_orders_keeps_the_prior() -> None:
    result = clear_document({"products": ["p", "q"], "orders": []}, {"prices": {"p": 2.0}})
    assert result["prices"] == {"p": 2.0, "q": 0.0}
    assert result["orders"] == {}


def degenerate_book(n_products: int, seed: int) -> OrderBook:
    """Full-filled buyers and sellers with overlapping ranges, spreads, idle products."""
    rng = np.random.default_rng(seed)
    names = [f"p{k}" for k in range(n_products)]
    orders = []
    for k in range(n_products - 2):  # the last two products have no orders
        hi, lo = rng.uniform(6, 10), rng.uniform(2, 5)
        qb, qs = rng.choice([5.0, 5.0, 4.0]), 5.0
        orders.append(order(f"b{k}", "ann", {names[k]: 1.0}, [[0, hi + 2], [qb, hi]]))
        orders.append(order(f"s{k}", "bob", {names[k]: 1.0}, [[-qs, lo], [0, lo - 2]]))
    for j in range(n_products):
        a, b = rng.choice(n_products - 2, size=2, replace=False)
        s = rng.uniform(-3, 3)
        curve = [[-1.0, s + 1.0], [1.0, s - 1.0]] if j % 2 else [[0.0, s], [2.0, s - 3.0]]
        orders.append(order(f"sp{j}", "cat", {names[a]: 1.0, names[b]: -1.0}, curve))
    return parse_orders({"products": names, "orders": orders})


@pytest.mark.parametrize("seed", range(6))
def test_prices_are_the_projection_of_the_prior_on_degenerate_books(seed: int) -> None:
    book = degenerate_book(12, seed)
    prior = np.random.default_rng(100 + seed).uniform(0, 12, book.n_products)
    result = clear(book, prior)
    lin = decompose(book)
    x_ref, _ = reference_clearing(lin)
    assert np.max(np.abs(result.linear_quantity - x_ref)) <= 1e-6
    expected = reference_projection(lin, x_ref, prior)
    assert np.max(np.abs(result.prices - expected)) <= 1e-6
    assert result.certificate.projection_exact
    assert result.certificate.max_imbalance <= 1e-8
    np.testing.assert_array_equal(result.prices[-2:], prior[-2:])


def test_kinked_order_exactly_at_the_clearing_price_is_handled() -> None:
    # The buyer's kink (5, 6) meets the seller's kink (-5, 6): the price is exactly 6.
    doc = {
        "orders": [
            order("buy", "ann", {"p": 1.0}, [[0, 8], [5, 6], [10, 2]]),
            order("sell", "bob", {"p": 1.0}, [[-10, 9], [-5, 6], [0, 1]]),
        ]
    }
    for prior in (0.0, 6.0, 20.0):
        result = clear_document(doc, {"prices": {"p": prior}})
        assert result["prices"]["p"] == pytest.approx(6.0, abs=1e-9)
        assert result["orders"]["buy"]["quantity"] == pytest.approx(5.0, abs=1e-9)


def test_reference_projection_helper_agrees_with_a_hand_computed_interval() -> None:
    lin = decompose(parse_orders(OVERLAP))
    x = np.array([5.0, 5.0])
    assert reference_projection(lin, x, np.array([10.0]))[0] == pytest.approx(6.0, abs=1e-8)
    assert sp.issparse(lin.weights)


def test_group_past_the_exact_limit_keeps_clearing_prices_and_says_so() -> None:
    book = parse_orders(SPREAD_PAIR)
    result = clear(book, np.array([10.0, 3.0]), SolverOptions(exact_projection_limit=1))
    assert not result.certificate.projection_exact
    assert result.certificate.max_imbalance <= 1e-8
    assert abs(result.prices[0] - result.prices[1]) <= 1e-8
    assert 4.0 - 1e-8 <= result.prices[0] <= 6.0 + 1e-8


def test_array_api_rejects_a_prior_of_the_wrong_shape() -> None:
    book = parse_orders(OVERLAP)
    with pytest.raises(InvalidInput, match="prior: expected 1 prices"):
        clear(book, np.zeros(3))
    with pytest.raises(InvalidInput, match="finite"):
        clear(book, np.array([np.nan]))


def test_newton_reaches_the_certificate_on_many_degenerate_books() -> None:
    # Orders sitting on kinks once stalled Newton at 1e-8 (singular Hessian, t → 0).
    for seed in range(150):
        n_products = int(np.random.default_rng(seed).integers(4, 25))
        book = degenerate_book(n_products, 1000 + seed)
        prior = np.random.default_rng(seed).uniform(-5, 15, n_products)
        result = clear(book, prior)
        assert result.certificate.max_imbalance <= 1e-8, seed
        assert result.certificate.projection_exact, seed
