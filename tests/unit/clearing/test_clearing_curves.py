"""Curves decompose exactly into linear orders; bad orders are rejected with a reason."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from flowmarket.clearing import clear_document, parse_orders
from flowmarket.clearing.curves import (
    curve_gap,
    curve_interval,
    curve_quantity,
    decompose,
    validate_book,
)
from flowmarket.clearing.dual import response
from flowmarket.clearing.model import OrderBook
from flowmarket.clearing.synthetic import random_book
from flowmarket.errors import InvalidInput, InvalidOrder


def test_linear_orders_add_up_to_every_curve_at_any_price() -> None:
    book = random_book(30, 300, seed=3, max_segments=5)
    lin = decompose(book)
    rng = np.random.default_rng(0)
    for _ in range(20):
        prices = rng.uniform(-10.0, 40.0, book.n_products)
        x = response(lin, lin.weights.T @ prices)
        total = np.bincount(lin.parent, weights=lin.sign * x, minlength=book.n_orders)
        curve = curve_quantity(book, book.portfolios.T @ prices)
        np.testing.assert_allclose(total, curve, atol=1e-12, rtol=0)


def test_curve_crossing_zero_between_points_is_split_at_zero() -> None:
    book = parse_orders(
        {
            "orders": [
                {
                    "id": "o",
                    "participant": "a",
                    "portfolio": {"p": 2.0},
                    "curve": [[-4, 10], [4, 2], [8, 0]],
                }
            ]
        }
    )
    lin = decompose(book)
    # pieces: sell 4 (price 10 → 6), buy 4 (6 → 2), buy 4 (2 → 0)
    np.testing.assert_allclose(np.sort(lin.q), [4.0, 4.0, 4.0])
    sells = lin.sign < 0
    np.testing.assert_allclose(lin.p_high[sells], [-6.0])
    np.testing.assert_allclose(lin.p_low[sells], [-10.0])
    assert lin.weights.toarray()[0, sells].tolist() == [-2.0]
    np.testing.assert_allclose(np.sort(lin.p_high[~sells]), [2.0, 6.0])


def base_order(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": "ann-1",
        "participant": "ann",
        "portfolio": {"p": 1.0},
        "curve": [[-6, 12], [0, 6], [6, 2]],
    }
    raw.update(changes)
    return raw


BAD_ORDERS = [
    (base_order(curve=[[0, 2], [6, 6]]), "price must not increase"),
    (base_order(curve=[[-1, 7.5], [0, 7.5], [1, 8]]), "price must not increase"),
    (base_order(curve=[[1, 6], [6, 2]]), "must contain 0"),
    (base_order(curve=[[-6, 6], [-1, 2]]), "must contain 0"),
    (base_order(curve=[[0, 6], [0, 2]]), "strictly increase"),
    (base_order(curve=[]), "at least 1 point"),
    (base_order(curve=[[1, 6]]), "a single point fixes the quantity, which must be 0"),
    (base_order(curve=[[0, float("nan")], [1, 2]]), "curve point 0: must be a finite number"),
    (base_order(curve=[[0, 6], [float("inf"), 2]]), "curve point 1: must be a finite number"),
    (base_order(curve=[[0, "6"], [1, 2]]), "expected a number"),
    (base_order(curve=[[0, 6], [10**400, 2]]), "curve point 1: must be a finite number"),
    (base_order(curve=[[0, 6], [1, None]]), "curve point 1: expected a number"),
    (base_order(curve=[[0, 6], (1, 2, 3)]), "curve point 1 must be [quantity, price]"),
    (base_order(portfolio={"p": 10**400}), "portfolio weight of 'p': must be a finite number"),
    (base_order(curve=[[0, 6, 1], [1, 2]]), "[quantity, price]"),
    (base_order(curve="steep"), "list of [quantity, price]"),
    (base_order(portfolio={}), "portfolio"),
    (base_order(portfolio={"nope": 1.0}), "unknown product 'nope'"),
    (base_order(portfolio={"p": 0.0}), "non-zero"),
    (base_order(portfolio={"p": float("nan")}), "weight of 'p': must be a finite number"),
    (base_order(portfolio={"p": True}), "expected a number"),
    (base_order(participant=""), "participant"),
    (base_order(id=""), "'id'"),
]


@pytest.mark.parametrize(("raw", "reason"), BAD_ORDERS)
def test_rejects_bad_order_naming_it_and_the_reason(raw: dict[str, Any], reason: str) -> None:
    doc = {"products": ["p"], "orders": [base_order(id="fine"), raw]}
    with pytest.raises(InvalidOrder) as caught:
        clear_document(doc)
    message = str(caught.value)
    assert reason in message
    if raw["id"]:
        assert "'ann-1'" in message
    assert caught.value.exit_code == 2


def test_a_curve_of_tuples_ints_and_float_subclasses_parses_as_its_plain_lists() -> None:
    # JSON gives lists of floats and ints; a caller's tuples and numpy floats are numbers too.
    plain = parse_orders({"products": ["p"], "orders": [base_order()]})
    other = base_order(
        curve=[[-6, 12], (0.0, 6), [np.float64(6.0), 2]],  # plain, then not: parsed again
        portfolio={"p": np.float64(1.0)},
    )
    book = parse_orders({"products": ["p"], "orders": [other]})
    assert book.curve_qty.tolist() == plain.curve_qty.tolist() == [-6.0, 0.0, 6.0]
    assert book.curve_price.tolist() == plain.curve_price.tolist() == [12.0, 6.0, 2.0]
    assert book.portfolios.toarray().tolist() == [[1.0]]


def test_rejects_duplicate_order_ids() -> None:
    doc = {"orders": [base_order(), base_order()]}
    with pytest.raises(InvalidOrder, match="'ann-1': duplicate order id"):
        clear_document(doc)


@pytest.mark.parametrize(
    ("doc", "prior", "reason"),
    [
        ({"orders": "x"}, None, "orders: expected a list"),
        ({"products": ["p", "p"], "orders": []}, None, "duplicate product"),
        ({"products": "p", "orders": []}, None, "products: must be a list"),
        ({"products": ["p"], "orders": []}, {"prices": {"q": 1.0}}, "unknown product 'q'"),
        ({"products": ["p"], "orders": []}, {"prices": {"p": float("inf")}}, "finite"),
        ({"products": ["p"], "orders": []}, {"price": {}}, "'prices'"),
        ({"orders": [7]}, None, "orders[0]: expected an object"),
    ],
)
def test_rejects_malformed_documents_naming_the_field(
    doc: dict[str, Any], prior: dict[str, Any] | None, reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        clear_document(doc, prior)
    assert reason in str(caught.value)


def _book(curves: list[list[tuple[float, float]]], weights: list[float]) -> OrderBook:
    """One product, order j with curve j and weight j."""
    m = len(curves)
    return OrderBook(
        products=("p",),
        participants=("a",),
        order_ids=tuple(f"o{j}" for j in range(m)),
        order_participant=np.zeros(m, dtype=np.int64),
        portfolios=sp.csc_array(  # stored as given: a 0 weight too
            (np.array(weights), np.zeros(m, dtype=np.int64), np.arange(m + 1)), shape=(1, m)
        ),
        curve_ptr=np.cumsum([0, *(len(c) for c in curves)]).astype(np.int64),
        curve_qty=np.array([q for c in curves for q, _ in c], dtype=np.float64),
        curve_price=np.array([p for c in curves for _, p in c], dtype=np.float64),
    )


GOOD = [(-2.0, 9.0), (0.0, 8.0), (3.0, 5.0)]


@pytest.mark.parametrize(
    ("curves", "weights", "named", "reason"),
    [
        # a curve may start below where the one before it ended: only within a curve
        ([GOOD, [(0.0, 20.0), (1.0, 1.0)], GOOD], [1.0, 1.0, 1.0], None, ""),
        ([GOOD, [(0.0, 5), (0.0, 4)], GOOD, [(0.0, 5), (-1.0, 4)]], [1.0] * 4, "o1",
         "quantities must strictly increase"),
        ([GOOD, GOOD, [(0.0, 5), (1.0, 6)], [(-1.0, 5), (0.0, 5), (1.0, 7)]], [1.0] * 4, "o2",
         "price must not increase"),
        ([GOOD, GOOD, [(0.0, np.inf), (1.0, 6)], [(0.0, 5), (np.nan, 4)]], [1.0] * 4, "o2",
         "must be finite numbers"),
        ([GOOD] * 4, [1.0, np.nan, 0.0, 2.0], "o1", "weights must be finite and non-zero"),
        ([GOOD] * 4, [1.0, 2.0, 0.0, np.inf], "o2", "weights must be finite and non-zero"),
    ],
)  # fmt: skip
def test_the_book_check_names_the_first_order_that_breaks_a_rule_of_its_points(
    curves: list[list[tuple[float, float]]], weights: list[float], named: str | None, reason: str
) -> None:
    book = _book(curves, weights)
    if named is None:
        validate_book(book)
        return
    with pytest.raises(InvalidOrder) as caught:
        validate_book(book)
    assert str(caught.value).startswith(f"order '{named}': ")
    assert reason in str(caught.value)


def test_a_curve_accepts_a_flat_piece_whole_at_its_price_and_one_quantity_elsewhere() -> None:
    flat = [(-2.0, 9.0), (1.0, 6.0), (4.0, 6.0), (5.0, 2.0)]  # flat at 6 from 1 to 4 GB/h
    ends_flat = [(0.0, 5.0), (2.0, 3.0), (6.0, 3.0)]
    starts_flat = [(1.0, 8.0), (3.0, 8.0), (4.0, 1.0)]
    curves = [flat, flat, flat, flat, GOOD, [(2.0, 7.0)], flat, ends_flat, starts_flat]
    book = _book(curves, [1.0] * 9)
    portfolio_price = np.array([6.0, 7.0, 9.0, 1.0, 8.0, 7.0, 6.5, 3.0, 8.0])
    lowest, highest = curve_interval(book, portfolio_price)
    # at 6: the flat piece's whole length, 1 to 4; at 7: two thirds of the way from (-2, 9)
    # to (1, 6), 0; at its first point's price 9, -2; below its last point, 5; GOOD
    # at its middle point's price 8, 0; a one-point curve, its point; 6.5: 0.5; a last
    # and a first flat piece at their prices: their whole lengths, 2 to 6 and 1 to 3
    assert lowest.tolist() == [1.0, 0.0, -2.0, 5.0, 0.0, 2.0, 0.5, 2.0, 1.0]
    assert highest.tolist() == [4.0, 0.0, -2.0, 5.0, 0.0, 2.0, 0.5, 6.0, 3.0]
    assert curve_quantity(book, portfolio_price).tolist() == lowest.tolist()
    # an order on a flat piece anywhere within it is on its curve; off it, by the distance
    quantity = np.array([3.0, 0.0, -2.0, 5.0, 0.0, 2.0, 1.0, 7.0, 0.0])
    gap = curve_gap(book, portfolio_price, quantity)
    assert gap.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.0]
