"""Non-unique clearing prices: the result is the projection of the prior onto the optimal set."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from clearing_reference import reference_clearing, reference_projection

from flowmarket.actions import verify as verify_module
from flowmarket.clearing import OrderBook, SolverOptions, clear, clear_document, parse_orders
from flowmarket.clearing.curves import decompose
from flowmarket.cli.main import main
from flowmarket.errors import InvalidInput
from flowmarket.oracle.solve import solve_hour
from flowmarket.solvers.highs_projection import (
    MARKET_OPTIONS,
    clear_market_document,
    highs_projection_qp,
)


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


@pytest.mark.parametrize("options", [None, SolverOptions(exact_projection_limit=1)])
@pytest.mark.parametrize(("a", "b"), [(5.0, 4.0), (4.0, 5.0)])
def test_a_product_whose_prior_is_already_a_clearing_price_still_moves_with_its_spread(
    options: SolverOptions | None, a: float, b: float
) -> None:
    # The Newton prices are (5, 5): product a's prior already clears, b's does not. The
    # spread holds π_a = π_b, so both move: the projection of (5, 4) (or (4, 5)) onto the
    # segment π_a = π_b in [4, 6] is the mean (4.5, 4.5) by hand, not (5, 5).
    result = clear(parse_orders(SPREAD_PAIR), np.array([a, b]), options)
    assert result.certificate.projection_exact
    np.testing.assert_allclose(result.prices, [4.5, 4.5], atol=1e-12)


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


@pytest.mark.parametrize("seed", range(8))
def test_a_prior_that_already_clears_some_products_still_gets_the_projection(seed: int) -> None:
    # n products, each with a buyer of 5 up to hi_k and a seller of 5 from lo_k (filled
    # at any price in [lo_k, hi_k]), chained by spreads whose curves pass through 0 at a
    # kink at π_k − π_{k+1} = d_k − d_{k+1}. Nothing can absorb a spread's trade, so
    # every spread sits at its kink and the optimal prices are π = L + d with
    # lo ≤ L + d ≤ hi. The projection of a prior is L* = mean(prior − d) clipped to
    # [max(lo − d), min(hi − d)]. Last hour's prices L0 + d clear again except on a few
    # products that moved: every product moves by the same amount, not just those.
    n = 9
    rng = np.random.default_rng(seed)
    names = [f"p{k}" for k in range(n)]
    lo, hi, d = rng.uniform(2, 4, n), rng.uniform(8, 10, n), rng.uniform(-0.5, 0.5, n)
    orders = []
    for k in range(n):
        orders.append(order(f"b{k}", "ann", {names[k]: 1.0}, [[0, hi[k] + 2], [5.0, hi[k]]]))
        orders.append(order(f"s{k}", "bob", {names[k]: 1.0}, [[-5.0, lo[k]], [0, lo[k] - 2]]))
    for k in range(n - 1):
        gap = d[k] - d[k + 1]
        curve = [[-1.0, gap + 1.0], [1.0, gap - 1.0]]
        orders.append(order(f"sp{k}", "cat", {names[k]: 1.0, names[k + 1]: -1.0}, curve))
    book = parse_orders({"products": names, "orders": orders})
    level_lo, level_hi = float(np.max(lo - d)), float(np.min(hi - d))
    prior = rng.uniform(level_lo, level_hi) + d
    moved = rng.choice(n, size=2, replace=False)
    prior[moved] += rng.uniform(-1.5, 1.5, moved.size)
    level = min(max(float(np.mean(prior - d)), level_lo), level_hi)
    for options in (None, SolverOptions(exact_projection_limit=1)):
        result = clear(book, prior, options)
        assert result.certificate.projection_exact
        np.testing.assert_allclose(result.prices, level + d, atol=1e-9)


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


# Groups past the dense limit go to the sparse QP the options name (the market's: HiGHS).
SPARSE = SolverOptions(exact_projection_limit=1, large_group_qp=highs_projection_qp)


def test_group_past_the_dense_limit_is_projected_exactly_by_the_sparse_path() -> None:
    # The spread pair of test_spread_order_pins_the_difference…: (10, 3) → (6, 6) by hand.
    book = parse_orders(SPREAD_PAIR)
    result = clear(book, np.array([10.0, 3.0]), SPARSE)
    assert result.certificate.projection_exact
    np.testing.assert_allclose(result.prices, [6.0, 6.0], atol=1e-12)


def _wrong_answer(rows: Any, n_eq: int, rhs: Any, delta: Any) -> Any:
    """A solver proposing the prior itself (d = δ): infeasible here, so uncertified."""
    yield delta.copy(), None


@pytest.mark.parametrize("qp", [None, _wrong_answer])
def test_a_group_without_a_certified_projection_keeps_clearing_prices_and_says_so(
    qp: Any,
) -> None:
    book = parse_orders(SPREAD_PAIR)
    options = SolverOptions(exact_projection_limit=1, large_group_qp=qp)
    result = clear(book, np.array([10.0, 3.0]), options)
    assert not result.certificate.projection_exact
    assert result.certificate.max_imbalance <= 1e-8
    assert abs(result.prices[0] - result.prices[1]) <= 1e-8
    assert 4.0 - 1e-8 <= result.prices[0] <= 6.0 + 1e-8


# The package's own sparse solver (`projection_qp`, the default), alone.
OWN = SolverOptions(exact_projection_limit=1)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("options", [SPARSE, OWN], ids=["highs", "own"])
def test_the_sparse_path_agrees_with_the_dense_projection(
    seed: int, options: SolverOptions
) -> None:
    book = degenerate_book(30, seed)
    prior = np.random.default_rng(100 + seed).uniform(0, 12, book.n_products)
    dense = clear(book, prior)
    sparse = clear(book, prior, options)
    assert dense.certificate.projection_exact and sparse.certificate.projection_exact
    np.testing.assert_allclose(sparse.prices, dense.prices, atol=1e-9)


def test_the_own_solver_projects_the_spread_pair_by_hand() -> None:
    # As test_group_past_the_dense_limit…: (10, 3) → level 6.5 clipped to [4, 6] → (6, 6);
    # (4.6, 4.4) → (4.5, 4.5) inside.
    book = parse_orders(SPREAD_PAIR)
    high = clear(book, np.array([10.0, 3.0]), OWN)
    inside = clear(book, np.array([4.6, 4.4]), OWN)
    assert high.certificate.projection_exact and inside.certificate.projection_exact
    np.testing.assert_allclose(high.prices, [6.0, 6.0], atol=1e-12)
    np.testing.assert_allclose(inside.prices, [4.5, 4.5], atol=1e-12)


def chain_book(n: int, seed: int) -> tuple[OrderBook, Any, Any, Any]:
    """n products, each with a buyer of 5 up to hi_k and a seller of 5 from lo_k (fully
    filled at any price in [lo_k, hi_k]), and spreads k → k+1 at a_k − a_{k+1} that
    trade nothing strictly inside their curve: the optimal prices are π = L + a for any
    level L with lo ≤ L + a ≤ hi — one free group of all n products."""
    rng = np.random.default_rng(seed)
    names = [f"p{k}" for k in range(n)]
    lo, hi, a = rng.uniform(2, 4, n), rng.uniform(8, 10, n), rng.uniform(-0.5, 0.5, n)
    orders = []
    for k in range(n):
        orders.append(order(f"b{k}", "ann", {names[k]: 1.0}, [[0, hi[k] + 2], [5.0, hi[k]]]))
        orders.append(order(f"s{k}", "bob", {names[k]: 1.0}, [[-5.0, lo[k]], [0, lo[k] - 2]]))
    for k in range(n - 1):
        s = a[k] - a[k + 1]
        pair = {names[k]: 1.0, names[k + 1]: -1.0}
        orders.append(order(f"sp{k}", "cat", pair, [[-1.0, s + 1.0], [1.0, s - 1.0]]))
    return parse_orders({"products": names, "orders": orders}), lo, hi, a


@pytest.mark.parametrize("high", [False, True])
def test_a_group_of_2500_products_is_projected_exactly(high: bool) -> None:
    # Past the dense limit (2,000). By hand: the projection of the prior onto {L + a} is
    # L = mean(prior − a), clipped to [max(lo − a), min(hi − a)]; a prior far above every
    # interval clips it at the top.
    book, lo, hi, a = chain_book(2500, 3)
    prior = np.full(2500, 50.0) if high else np.random.default_rng(4).uniform(0, 12, 2500)
    level = float(np.clip(np.mean(prior - a), np.max(lo - a), np.min(hi - a)))
    no_solver = clear(book, prior, SolverOptions(large_group_qp=None))
    assert not no_solver.certificate.projection_exact
    for options in (SolverOptions(), MARKET_OPTIONS):  # the package's own solver, alone
        result = clear(book, prior, options)
        assert result.certificate.projection_exact
        # 1e-6: the spreads' own relations hold to the engine's tolerance (≈1e-9 each),
        # and 2,499 of them add up along the chain.
        np.testing.assert_allclose(result.prices, level + a, atol=1e-6)
        if high:
            assert np.max(result.prices - hi) == pytest.approx(0.0, abs=1e-6)
        else:  # unclipped: the projection's first-order condition, Σ (π − prior) = 0
            assert abs(float(np.mean(result.prices - prior))) <= 1e-9


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


def test_the_cli_oracle_and_verify_clear_with_the_markets_sparse_projection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `flowmarket clear` on the 2,500-product chain: exact, the hand-computed level.
    book, lo, hi, a = chain_book(2500, 5)
    prior = np.random.default_rng(6).uniform(0, 12, 2500)
    doc = {
        "products": list(book.products),
        "orders": [
            order(f"b{k}", "ann", {f"p{k}": 1.0}, [[0, hi[k] + 2], [5.0, hi[k]]])
            for k in range(2500)
        ]
        + [
            order(f"s{k}", "bob", {f"p{k}": 1.0}, [[-5.0, lo[k]], [0, lo[k] - 2]])
            for k in range(2500)
        ]
        + [
            order(
                f"sp{k}",
                "cat",
                {f"p{k}": 1.0, f"p{k + 1}": -1.0},
                [[-1.0, a[k] - a[k + 1] + 1.0], [1.0, a[k] - a[k + 1] - 1.0]],
            )
            for k in range(2499)
        ],
    }
    (tmp_path / "orders.json").write_text(json.dumps(doc), encoding="utf-8")
    prices = {f"p{k}": float(prior[k]) for k in range(2500)}
    (tmp_path / "prior.json").write_text(json.dumps({"prices": prices}), encoding="utf-8")
    args = ["clear", str(tmp_path / "orders.json"), "--prior", str(tmp_path / "prior.json")]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["certificate"]["projection_exact"] is True
    level = float(np.clip(np.mean(prior - a), np.max(lo - a), np.min(hi - a)))
    published = np.array([result["prices"][f"p{k}"] for k in range(2500)])
    np.testing.assert_allclose(published, level + a, atol=1e-6)
    # The oracle and `flowmarket verify` clear through the same function.
    assert inspect.signature(solve_hour).parameters["clear_fn"].default is clear_market_document
    assert "clear_market_document(" in inspect.getsource(verify_module)
