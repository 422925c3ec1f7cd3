"""What the engine holds through its Newton stage: the stage's peak is the clearing's, so
the linear orders' W, p_low and slope are let go through it and made again after, the
same bits (`model.NewtonLines`, `curves.restore`)."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

import flowmarket.clearing.engine as engine
from flowmarket.clearing import LinearOrders, clear
from flowmarket.clearing.curves import decompose, restore
from flowmarket.clearing.model import OrderBook
from flowmarket.clearing.synthetic import random_book


def _book_across_zero() -> OrderBook:
    """Three orders over two products: a buyer, a seller, and a curve across quantity 0
    (one segment split into a selling and a buying linear order) with a one-point curve."""
    return OrderBook(
        products=("a", "b"),
        participants=("p", "q"),
        order_ids=("buy", "sell", "both", "still"),
        order_participant=np.array([0, 1, 0, 1]),
        portfolios=sp.csc_array(np.array([[1.0, 1.0, 1.0, 0.5], [0.0, 0.0, -2.0, 0.5]])),
        curve_ptr=np.array([0, 3, 5, 8, 9]),
        curve_qty=np.array([0.0, 2.0, 5.0, -4.0, 0.0, -3.0, 1.0, 6.0, 0.0]),
        curve_price=np.array([9.0, 7.0, 4.0, 3.0, 1.0, 8.0, 5.0, 2.0, 6.0]),
    )


@pytest.mark.parametrize("book", [_book_across_zero(), random_book(40, 300, 3, locality=4)])
def test_restore_gives_what_decompose_gives_bit_for_bit(book: OrderBook) -> None:
    whole = decompose(book)
    lines = whole.newton_lines()
    again = restore(book, lines)
    for name in ("p_high", "p_low", "q", "slope", "parent", "sign"):
        mine, theirs = getattr(again, name), getattr(whole, name)
        assert mine.dtype == theirs.dtype, name
        assert mine.tobytes() == theirs.tobytes(), name
    for part in ("data", "indices", "indptr"):
        mine, theirs = getattr(again.weights, part), getattr(whole.weights, part)
        assert mine.dtype == theirs.dtype and mine.tobytes() == theirs.tobytes(), part
    assert again.weights.shape == whole.weights.shape
    # What the Newton stage kept is used as it is, not copied.
    assert again.p_high is lines.p_high and again.q is lines.q and again.sign is lines.sign


def test_the_hand_made_book_splits_as_written() -> None:
    """The decomposition `restore` repeats, by hand. 'both' (−3, 1, 6 GB/h at 8, 5, 2
    tokens) crosses 0 on its first segment (slope 3/4), whose line is at 8 − 0.75·3 =
    5.75 there: a selling order of 3 GB/h between 8 and 5.75, a buying one of 1 GB/h
    between 5.75 and 5, then a buying one of 5 GB/h from 5 to 2. 'still' (one point)
    makes none."""
    lin = decompose(_book_across_zero())
    np.testing.assert_array_equal(lin.parent, [0, 0, 1, 2, 2, 2])
    np.testing.assert_array_equal(lin.sign, [1.0, 1.0, -1.0, -1.0, 1.0, 1.0])
    np.testing.assert_array_equal(lin.q, [2.0, 3.0, 4.0, 3.0, 1.0, 5.0])
    np.testing.assert_array_equal(lin.slope, [1.0, 1.0, 0.5, 0.75, 0.75, 0.6])
    # selling orders are priced as their negation: −p at their ends
    np.testing.assert_array_equal(lin.p_high, [9.0, 7.0, -1.0, -5.75, 5.75, 5.0])
    np.testing.assert_array_equal(lin.p_low, [7.0, 4.0, -3.0, -8.0, 5.0, 2.0])


def test_the_newton_stage_runs_without_the_linear_orders(monkeypatch: pytest.MonkeyPatch) -> None:
    """While Newton runs, no `LinearOrders` of the book is alive and no sparse matrix of
    W's shape (n products x l linear orders); the prices come out as before."""
    book = random_book(60, 500, 11, locality=4)
    n, n_linear = book.n_products, decompose(book).n_linear
    assert n_linear != book.n_orders  # W's shape is not B's
    seen: list[tuple[int, int]] = []
    real = engine.solve_dual

    def spy(lines: Any, *args: Any, **kwargs: Any) -> Any:
        gc.collect()
        alive = gc.get_objects()
        linear = [o for o in alive if isinstance(o, LinearOrders) and o.q is lines.q]
        shaped = [o for o in alive if sp.issparse(o) and o.shape == (n, n_linear)]
        seen.append((len(linear), len(shaped)))
        return real(lines, *args, **kwargs)

    reference = clear(book)
    monkeypatch.setattr(engine, "solve_dual", spy)
    watched = clear(book)
    assert seen == [(0, 0)]
    assert watched.prices.tobytes() == reference.prices.tobytes()
    assert watched.linear_quantity.tobytes() == reference.linear_quantity.tobytes()
    assert watched.welfare == reference.welfare
