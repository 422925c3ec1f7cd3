"""The engine agrees with an independent QP solver (OSQP) on seeded random books."""

from __future__ import annotations

import numpy as np
import pytest
from clearing_reference import reference_clearing

from flowmarket.clearing import clear
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.dual import primal_value
from flowmarket.clearing.synthetic import random_book

SIZES = [(2, 4, 0), (2, 9, 1), (5, 20, 2), (20, 100, 3), (50, 400, 4), (200, 2000, 5)]


@pytest.mark.parametrize(("n_products", "n_orders", "seed"), SIZES)
def test_matches_osqp_on_random_books(n_products: int, n_orders: int, seed: int) -> None:
    book = random_book(n_products, n_orders, seed)
    result = clear(book)
    lin = decompose(book)
    x_ref, prices_ref = reference_clearing(lin)
    welfare_ref = primal_value(lin, x_ref)
    assert abs(result.welfare - welfare_ref) <= 1e-8 * max(1.0, abs(welfare_ref))
    assert np.max(np.abs(result.linear_quantity - x_ref)) <= 1e-6
    assert np.max(np.abs(result.prices - prices_ref)) <= 1e-6  # generic books: unique prices
    cert = result.certificate
    assert cert.max_imbalance <= 1e-8
    assert cert.max_order_gap <= 1e-8
    assert cert.projection_exact


def test_matches_osqp_at_a_thousand_products_and_ten_thousand_orders() -> None:
    book = random_book(1000, 10_000, seed=11)
    result = clear(book)
    lin = decompose(book)
    x_ref, _ = reference_clearing(lin, eps=1e-10)
    welfare_ref = primal_value(lin, x_ref)
    assert abs(result.welfare - welfare_ref) <= 1e-8 * abs(welfare_ref)
    assert np.max(np.abs(result.linear_quantity - x_ref)) <= 1e-6
    assert result.certificate.max_imbalance <= 1e-8
    assert result.certificate.max_order_gap <= 1e-8
    assert result.stats.iterations < 60


def test_every_product_of_a_random_book_trades() -> None:
    result = clear(random_book(100, 1000, seed=7))
    assert np.all(result.volume > 0)
    assert np.all(result.slope < 0)


def test_no_order_trades_beyond_its_curve() -> None:
    book = random_book(100, 1000, seed=8)
    result = clear(book)
    ptr = book.curve_ptr
    q_min = book.curve_qty[ptr[:-1]]
    q_max = book.curve_qty[ptr[1:] - 1]
    assert np.all(result.order_quantity >= q_min - 1e-12)
    assert np.all(result.order_quantity <= q_max + 1e-12)
