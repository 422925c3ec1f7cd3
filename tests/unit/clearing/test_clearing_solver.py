"""The Newton solver's parts: grouped operators, CG, the exact line search, the cold start."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import flowmarket.clearing.linesearch as linesearch
from flowmarket.clearing import LinearOrders, clear
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.dual import (
    DualOperators,
    column_prices,
    dual_value,
    hessian_diagonal,
    net_demand,
    primal_value,
    response,
)
from flowmarket.clearing.krylov import pcg
from flowmarket.clearing.linesearch import Workspace, exact_step
from flowmarket.clearing.synthetic import random_book


def operators(seed: int) -> tuple[LinearOrders, DualOperators, np.random.Generator]:
    lin = decompose(random_book(30, 200, seed, locality=4))
    return lin, DualOperators.of(lin), np.random.default_rng(seed)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_operators_equal_the_products_with_the_linear_order_matrix(seed: int) -> None:
    lin, ops, rng = operators(seed)
    w = lin.weights.toarray()
    prices = rng.normal(size=w.shape[0])
    x = rng.normal(size=w.shape[1])
    h = rng.uniform(0.0, 2.0, size=w.shape[1])
    np.testing.assert_allclose(column_prices(ops, prices), w.T @ prices, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net_demand(ops, x), w @ x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hessian_diagonal(ops, h), (w * w) @ h, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [4, 5])
def test_conjugate_gradients_solve_the_newton_system(seed: int) -> None:
    lin, ops, rng = operators(seed)
    w = lin.weights.toarray()
    h = np.where(rng.random(w.shape[1]) < 0.6, ops.inv_slope, 0.0)
    mu = 1e-3
    hessian = w @ np.diag(h) @ w.T + mu * np.eye(w.shape[0])
    rhs = rng.normal(size=w.shape[0])
    d, iterations = pcg(ops, ops.group_sum(h), mu, rhs, 1e-12, 500)
    assert 0 < iterations < 500
    np.testing.assert_allclose(d, np.linalg.solve(hessian, rhs), rtol=0, atol=1e-8)


def test_groups_are_stored_by_portfolio_size_each_once() -> None:
    # Products 0..2; groups (one per curve) in book order: sizes 3, 2, 1, 2, 3, 2 with
    # first products 0, 1, 1, 0, 0, 1.
    weights = sp.csc_array(
        np.array(
            [
                [1.0, 0.0, 0.0, 1.0, 1.0, 0.0],
                [1.0, -1.0, 1.0, 0.0, 1.0, 1.0],
                [1.0, 1.0, 0.0, 1.0, -1.0, 1.0],
            ]
        )
    )
    lin = LinearOrders(
        weights=weights,
        p_high=np.full(6, 5.0),
        p_low=np.full(6, 1.0),
        q=np.ones(6),
        slope=np.full(6, 4.0),
        parent=np.arange(6, dtype=np.int64),
        sign=np.ones(6),
    )
    ops = DualOperators.of(lin)
    # size 2: first product 0 (group 3), then 1 in book order (1, 5); size 3: 0 and 4
    assert ops.coupled.tolist() == [3, 1, 5, 0, 4]
    assert ops.lone.tolist() == [2]
    np.testing.assert_array_equal(ops.coupled_bt.toarray(), weights.toarray().T[[3, 1, 5, 0, 4]])
    np.testing.assert_array_equal(ops.coupled_b().toarray(), ops.coupled_bt.toarray().T)
    # Bᵀ's rows by size only (book order within a size): 2 | 1, 3, 5 | 0, 4
    np.testing.assert_array_equal(ops.groups_t.toarray(), weights.toarray().T[[2, 1, 3, 5, 0, 4]])
    assert ops.row_of.tolist() == [4, 1, 0, 2, 5, 3]


def work(z: np.ndarray) -> Workspace:
    return Workspace.like(z)


def slope_along(z0: np.ndarray, q: np.ndarray, b: np.ndarray, v: np.ndarray, t: float) -> float:
    """φ(t) = Σ clip(z0 − t b, 0, q) v, minus the dual's slope along the direction."""
    return float(np.clip(z0 - t * b, 0.0, q) @ v)


@pytest.mark.parametrize(("seed", "sort_limit"), [(6, 20_000), (7, 20_000), (8, 3), (9, 0)])
def test_exact_line_search_lands_on_the_root_of_the_dual_slope(
    seed: int, sort_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linesearch, "SORT_LIMIT", sort_limit)
    rng = np.random.default_rng(seed)
    size = 400
    q = rng.uniform(0.5, 2.0, size)
    z0 = rng.uniform(-1.0, 3.0, size)
    v = rng.normal(size=size)
    b = v * rng.uniform(0.5, 2.0, size)  # b = v / slope, slope > 0
    x0 = np.clip(z0, 0.0, q)
    phi0 = float(x0 @ v)
    if phi0 < 0:  # make it a descent direction
        v, b, phi0 = -v, -b, -phi0
    z = np.empty(size)
    t = exact_step(z0, x0, (z0 > 0) & (z0 < q), (np.zeros(size), q), (b, v), phi0, z, work(z0))
    np.testing.assert_allclose(z, z0 - t * b, rtol=0, atol=1e-12)
    scale = float(np.abs(x0 * v).sum())
    if t != 1.0:  # a full step is also taken when it is nearly exact
        assert abs(slope_along(z0, q, b, v, t)) <= 1e-9 * scale
    assert slope_along(z0, q, b, v, 0.999 * t) >= -1e-9 * scale
    assert slope_along(z0, q, b, v, t) <= linesearch.SHORT_ENOUGH * phi0 + 1e-9 * scale


def test_line_search_stays_put_when_the_direction_does_not_descend() -> None:
    z0 = np.array([0.5, 1.5])
    q = np.array([1.0, 2.0])
    v = np.array([1.0, -1.0])
    z = np.empty(2)
    inside = np.ones(2, dtype=bool)
    t = exact_step(z0, np.clip(z0, 0, q), inside, (0 * q, q), (v, v), 0.0, z, work(z0))
    assert t == 0.0
    np.testing.assert_array_equal(z, z0)


def test_linear_model_start_clears_a_book_in_few_newton_iterations() -> None:
    result = clear(random_book(1000, 10_000, seed=11))
    assert result.stats.iterations <= 12
    assert result.certificate.max_imbalance <= 1e-8


def test_responses_at_the_clearing_prices_balance_every_product() -> None:
    book = random_book(200, 2000, seed=12, locality=10)
    result = clear(book)
    lin = decompose(book)
    ops = DualOperators.of(lin)
    x = response(lin, column_prices(ops, result.prices))
    assert np.max(np.abs(net_demand(ops, x))) <= 1e-8


def test_line_search_gives_the_same_step_for_orders_taken_with_their_sign_flipped() -> None:
    rng = np.random.default_rng(10)
    size = 300
    q = rng.uniform(0.5, 2.0, size)
    z0 = rng.uniform(-1.0, 3.0, size)
    v = rng.normal(size=size)
    b = v * rng.uniform(0.5, 2.0, size)
    x0 = np.clip(z0, 0.0, q)
    phi0 = float(x0 @ v)
    if phi0 < 0:
        v, b, phi0 = -v, -b, -phi0
    inside = (z0 > 0) & (z0 < q)
    z = np.empty(size)
    t = exact_step(z0, x0, inside, (np.zeros(size), q), (b, v), phi0, z, work(z0))
    flip = rng.random(size) < 0.5
    s = np.where(flip, -1.0, 1.0)
    low, high = np.minimum(s * q, 0.0), np.maximum(s * q, 0.0)
    t_flipped = exact_step(s * z0, s * x0, inside, (low, high), (s * b, s * v), phi0, z, work(z0))
    assert t_flipped == pytest.approx(t, rel=1e-12)
    np.testing.assert_allclose(z, s * (z0 - t * b), rtol=0, atol=1e-12)


def test_duality_gap_is_the_difference_of_the_dual_and_primal_objectives() -> None:
    book = random_book(50, 400, seed=13)
    lin = decompose(book)
    ops = DualOperators.of(lin)
    rng = np.random.default_rng(13)
    result = clear(book)
    for prices in (result.prices, result.prices + rng.normal(scale=0.1, size=book.n_products)):
        u = column_prices(ops, prices)
        x = response(lin, u)
        gap = dual_value(lin, u) - primal_value(lin, x)
        assert abs(gap) == pytest.approx(abs(prices @ net_demand(ops, x)), rel=1e-9, abs=1e-9)
    assert result.certificate.duality_gap <= 1e-8


@pytest.mark.parametrize("parent", [[0, 2, 2, 5], [3, 1, 1, 0]])
def test_operators_accept_parents_that_are_gapped_or_unsorted(parent: list[int]) -> None:
    weights = sp.csc_array(np.array([[1.0, 0.5, -0.5, 0.0], [0.0, 2.0, -2.0, 1.0]]))
    lin = LinearOrders(
        weights=weights,
        p_high=np.array([5.0, 4.0, -1.0, 3.0]),
        p_low=np.array([1.0, 2.0, -3.0, 0.0]),
        q=np.ones(4),
        slope=np.array([4.0, 2.0, 2.0, 3.0]),
        parent=np.array(parent, dtype=np.int64),
        sign=np.array([1.0, 1.0, -1.0, 1.0]),
    )
    ops = DualOperators.of(lin)
    w = weights.toarray()
    prices = np.array([0.7, -1.3])
    x = np.array([0.2, 0.4, 0.6, 0.8])
    np.testing.assert_allclose(column_prices(ops, prices), w.T @ prices, rtol=0, atol=1e-14)
    np.testing.assert_allclose(net_demand(ops, x), w @ x, rtol=0, atol=1e-14)
