"""Flat pieces (limit prices) and one-point curves: hand-computed books, the tie rule, and
random books against an independent two-stage OSQP reference."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from clearing_reference import osqp_solve, reference_projection

from flowmarket.clearing.curves import decompose
from flowmarket.clearing.document import clear_document, parse_orders
from flowmarket.errors import InvalidOrder


def order(oid: str, who: str, portfolio: dict[str, float], curve: list[list[float]]) -> Any:
    return {"id": oid, "participant": who, "portfolio": portfolio, "curve": curve}


def quantities(result: Any) -> dict[str, float]:
    return {k: v["quantity"] for k, v in result["orders"].items()}


def test_limit_seller_sets_the_price() -> None:
    # buyer 10 → 5 over [0, 1]: at 7.5 wants (10 − 7.5)/5 = 0.5; the seller sells up to 1
    doc = {
        "orders": [
            order("buyer", "b", {"A": 1}, [[0, 10], [1, 5]]),
            order("seller", "s", {"A": 1}, [[-1, 7.5], [0, 7.5]]),
        ]
    }
    result = clear_document(doc)
    assert result["prices"]["A"] == pytest.approx(7.5, abs=1e-9)
    got = quantities(result)
    assert got["buyer"] == pytest.approx(0.5, abs=1e-9)
    assert got["seller"] == pytest.approx(-0.5, abs=1e-9)
    assert result["participants"]["b"]["cash"] == pytest.approx(-3.75, abs=1e-8)
    assert result["certificate"]["max_order_gap"] == 0.0


def test_tied_sellers_fill_pro_rata() -> None:
    # a buyer of 2 at any price up to 6; sellers of 1 and 3 at 5: the price is 5 (the
    # sellers are not all needed), the 2 GB/h shared 1 : 3 → 0.5 and 1.5
    doc = {
        "orders": [
            order("b", "b", {"A": 1}, [[0, 6], [2, 6]]),
            order("s1", "s", {"A": 1}, [[-1, 5], [0, 5]]),
            order("s2", "t", {"A": 1}, [[-3, 5], [0, 5]]),
        ]
    }
    result = clear_document(doc)
    assert result["prices"]["A"] == pytest.approx(5.0, abs=1e-9)
    got = quantities(result)
    assert got == pytest.approx({"b": 2.0, "s1": -0.5, "s2": -1.5}, abs=1e-9)
    assert result["welfare"] == pytest.approx(2.0, abs=1e-8)  # (6 − 5) × 2


def test_flat_pieces_at_one_price_trade_nothing() -> None:
    # buyers and sellers all at 5: no trade adds welfare, the rule makes none; the price
    # is pinned at 5 whatever the prior (below 5 sellers would not sell, above buyers
    # would not buy); the one-point curve never trades
    doc = {
        "orders": [
            order("b", "b", {"A": 1}, [[0, 5], [2, 5]]),
            order("s", "s", {"A": 1}, [[-3, 5], [0, 5]]),
            order("fixed", "s", {"A": 1}, [[0, 3]]),
        ]
    }
    result = clear_document(doc, {"prices": {"A": 2.0}})
    assert result["prices"]["A"] == pytest.approx(5.0, abs=1e-9)
    assert quantities(result) == {"b": 0.0, "s": 0.0, "fixed": 0.0}


def test_flat_middle_piece_and_buyer_flat_at_the_top() -> None:
    # a seller sloped 4 → 8 over [-4, 0] (sells 4 − ... : at price u sells (u − 4)),
    # a buyer flat at 7 for 2 then sloped 7 → 3 on [2, 4]: at u = 6, buyer 2 + (7 − 6)/2
    # = 2.5, seller 2 — not clearing; at u: buyer 2 + (7 − u)/2 = u − 4 → u = 17/3 − ...
    # solve: 2 + 3.5 − u/2 = u − 4 → 9.5 = 1.5 u → u = 19/3, both 7/3
    doc = {
        "orders": [
            order("sell", "s", {"A": 1}, [[-4, 8], [0, 4]]),
            order("buy", "b", {"A": 1}, [[0, 7], [2, 7], [4, 3]]),
        ]
    }
    result = clear_document(doc)
    assert result["prices"]["A"] == pytest.approx(19 / 3, abs=1e-9)
    assert quantities(result) == pytest.approx({"sell": -7 / 3, "buy": 7 / 3}, abs=1e-9)


def test_flat_piece_across_zero_is_a_buy_and_a_sell_at_one_price() -> None:
    # a market maker at 5 for [-2, 3]; a buyer 9 → 4 over [0, 5] buys (9 − 5)/1 = 4,
    # the maker sells only 2, so the price rises: buyer 9 − u = 2 → u = 7 (> 5, maker
    # sells all 2)
    doc = {
        "orders": [
            order("mm", "m", {"A": 1}, [[-2, 5], [3, 5]]),
            order("buy", "b", {"A": 1}, [[0, 9], [5, 4]]),
        ]
    }
    result = clear_document(doc)
    assert result["prices"]["A"] == pytest.approx(7.0, abs=1e-9)
    assert quantities(result) == pytest.approx({"mm": -2.0, "buy": 2.0}, abs=1e-9)


@pytest.mark.parametrize(
    ("curve", "reason"),
    [
        ([[1, 6]], "a single point fixes the quantity, which must be 0"),
        ([[-1, 5], [0, 5], [1, 6]], "price must not increase"),
        ([[-1, 5], [-1, 5]], "quantities must strictly increase"),
    ],
)
def test_bad_flat_curves_name_the_order(curve: list[list[float]], reason: str) -> None:
    doc = {"orders": [order("x", "x", {"A": 1}, curve)]}
    with pytest.raises(InvalidOrder, match=f"order 'x': curve: {reason}"):
        clear_document(doc)


def random_book(seed: int, n_products: int, n_orders: int) -> dict[str, Any]:
    """Orders with flat pieces at a few shared prices (ties), sloped pieces, bundles."""
    rng = np.random.default_rng(seed)
    levels = np.round(rng.uniform(4.0, 12.0, size=4), 1)  # shared limit prices
    orders = []
    for j in range(n_orders):
        k = int(rng.integers(n_products))
        portfolio = {f"p{k}": 1.0}
        if rng.random() < 0.2:
            other = int(rng.integers(n_products))
            if other != k:
                portfolio[f"p{other}"] = float(np.round(rng.uniform(0.5, 1.5), 2))
        base = float(levels[rng.integers(levels.size)])
        size = float(np.round(rng.uniform(0.5, 5.0), 2))
        kind = rng.integers(4)
        if kind == 0:  # limit buyer
            curve = [[0.0, base], [size, base]]
        elif kind == 1:  # limit seller
            curve = [[-size, base], [0.0, base]]
        elif kind == 2:  # sloped buyer with a flat top
            curve = [[0.0, base + 2.0], [size, base + 2.0], [2 * size, base - 1.0]]
        else:  # sloped seller, flat bottom
            curve = [[-2 * size, base + 1.0], [-size, base - 2.0], [0.0, base - 2.0]]
        orders.append(order(f"o{j}", f"t{j % 7}", portfolio, curve))
    return {"orders": orders, "products": [f"p{k}" for k in range(n_products)]}


def reference(doc: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """(prices closest to 0, order quantities) by OSQP in two stages: the welfare QP,
    then the tie rule (min Σ x²/q over the flat pieces at their price, the others and
    every product's balance kept)."""
    book = parse_orders(doc)
    lin = decompose(book)
    n, n_lin = lin.weights.shape
    a = sp.vstack([lin.weights, sp.eye_array(n_lin)])
    lo = np.zeros(n + n_lin)
    hi = np.concatenate([np.zeros(n), lin.q])
    x, _y = osqp_solve(sp.diags_array(lin.slope), -lin.p_high, a, lo, hi, 1e-12)
    prices = reference_projection(lin, x, np.zeros(n))
    u = lin.weights.T @ prices
    flat = lin.slope == 0
    tied = flat & (np.abs(u - lin.p_high) <= 1e-6)
    x = np.where(flat & ~tied, np.where(u < lin.p_high, lin.q, 0.0), x)
    rest = lin.weights[:, np.flatnonzero(~tied)] @ x[~tied]
    cols = np.flatnonzero(tied)
    if cols.size:
        w_t = lin.weights[:, cols]
        a2 = sp.vstack([w_t, sp.eye_array(cols.size)])
        lo2 = np.concatenate([-rest, np.zeros(cols.size)])
        hi2 = np.concatenate([-rest, lin.q[cols]])
        x_t, _ = osqp_solve(
            sp.diags_array(1.0 / lin.q[cols]), np.zeros(cols.size), a2, lo2, hi2, 1e-12
        )
        x[cols] = x_t
    qty = np.bincount(lin.parent, weights=lin.sign * x, minlength=book.n_orders)
    return (
        dict(zip(book.products, prices.tolist(), strict=True)),
        dict(zip(book.order_ids, qty.tolist(), strict=True)),
    )


@pytest.mark.parametrize(
    ("seed", "n_products", "n_orders"), [(1, 3, 40), (2, 10, 300), (3, 50, 10_000)]
)
def test_random_flat_books_match_the_reference(seed: int, n_products: int, n_orders: int) -> None:
    doc = random_book(seed, n_products, n_orders)
    result = clear_document(doc)
    ref_prices, ref_qty = reference(doc)
    for name, price in ref_prices.items():
        assert result["prices"][name] == pytest.approx(price, abs=1e-6), name
    got = quantities(result)
    for oid, q in ref_qty.items():
        assert got[oid] == pytest.approx(q, abs=1e-6), oid
    cert = result["certificate"]
    assert cert["max_imbalance"] <= 1e-8 and cert["max_order_gap"] <= 1e-8
