"""Named portfolios, curves over several of them and their limits (`portfolio_document`):
hand-computed books, strict parsing, random books against an independent OSQP QP with
the same bounds."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from clearing_reference import osqp_solve

from flowmarket.clearing.document import clear_document
from flowmarket.errors import InvalidInput, InvalidOrder


def east_west(limits: dict[str, float] | None = None) -> dict[str, Any]:
    """A buyer of up to 1 GB/h of east and west together (10 → 6); limit sellers of
    5 GB/h each, east at 3, west at 4."""
    east: dict[str, Any] = {"participant": "bob", "products": {"E": 1.0}}
    if limits is not None:
        east["limits"] = limits
    return {
        "portfolios": {
            "east": east,
            "west": {"participant": "bob", "products": {"W": 1.0}},
        },
        "orders": [
            {
                "id": "either",
                "participant": "bob",
                "portfolios": {"east": 1.0, "west": 1.0},
                "curve": [[0, 10], [1, 6]],
            },
            {"id": "se", "participant": "sam", "portfolio": {"E": 1}, "curve": [[-5, 3], [0, 3]]},
            {"id": "sw", "participant": "sue", "portfolio": {"W": 1}, "curve": [[-5, 4], [0, 4]]},
        ],
    }


def test_one_curve_over_two_portfolios_buys_the_cheaper() -> None:
    # at 3 the buyer wants 10 − 4y = 3 → 1.75 > 1: all of its 1 GB/h, all of it east;
    # west's price: its seller sells nothing (≤ 4), bob's west portfolio buys nothing
    # (≥ the curve's price 3): [3, 4], closest to the prior 0 → 3
    result = clear_document(east_west())
    assert result["prices"] == pytest.approx({"E": 3.0, "W": 3.0}, abs=1e-9)
    assert result["orders"]["either"]["quantity"] == pytest.approx(1.0, abs=1e-9)
    assert result["portfolios"]["east"] == pytest.approx({"quantity": 1.0, "price": 3.0}, abs=1e-9)
    assert result["portfolios"]["west"]["quantity"] == pytest.approx(0.0, abs=1e-9)
    assert result["participants"]["bob"]["trades"] == pytest.approx({"E": 1.0}, abs=1e-9)
    assert result["participants"]["bob"]["cash"] == pytest.approx(-3.0, abs=1e-8)
    assert set(result["orders"]) == {"either", "se", "sw"}
    assert set(result["prices"]) == {"E", "W"}


def test_position_limit_moves_the_rest_west() -> None:
    # east's position 9.6 of at most 10: east buys 0.4; the other 0.6 west at 4 (the
    # curve at 4 still wants 1.5 > 1); east's seller is tied (0.4 of 5) so E stays 3
    result = clear_document(east_west({"max_position": 10.0, "position": 9.6}))
    assert result["prices"] == pytest.approx({"E": 3.0, "W": 4.0}, abs=1e-9)
    assert result["portfolios"]["east"]["quantity"] == pytest.approx(0.4, abs=1e-9)
    assert result["portfolios"]["west"] == pytest.approx({"quantity": 0.6, "price": 4.0}, abs=1e-9)
    assert result["participants"]["bob"]["cash"] == pytest.approx(-(0.4 * 3 + 0.6 * 4), abs=1e-8)
    assert result["orders"]["sw"]["quantity"] == pytest.approx(-0.6, abs=1e-9)


def test_rate_limit_and_a_position_beyond_its_limit() -> None:
    # max_rate 0.25 caps east at 0.25 → west 0.75
    capped = clear_document(east_west({"max_rate": 0.25}))
    assert capped["portfolios"]["east"]["quantity"] == pytest.approx(0.25, abs=1e-9)
    assert capped["portfolios"]["west"]["quantity"] == pytest.approx(0.75, abs=1e-9)
    # already 2 beyond max_position: east may not buy at all (never forced to sell)
    beyond = clear_document(east_west({"max_position": 5.0, "position": 7.0}))
    assert beyond["portfolios"]["east"]["quantity"] == pytest.approx(0.0, abs=1e-9)
    assert beyond["portfolios"]["west"]["quantity"] == pytest.approx(1.0, abs=1e-9)


def test_one_point_curve_holds_its_portfolios_at_zero() -> None:
    # carol values east at 8 → 2 (she would buy (8 − 3)/3 = 5/3 at 3), but also holds a
    # one-point curve over east and west: each portfolio stays within each of its
    # orders' ranges, so neither trades, and the sellers sell nothing
    doc = {
        "portfolios": {
            "e": {"participant": "carol", "products": {"E": 1.0}},
            "w": {"participant": "carol", "products": {"W": 1.0}},
        },
        "orders": [
            {"id": "hold", "participant": "carol", "portfolios": {"e": 1, "w": -1},
             "curve": [[0, 0]]},
            {"id": "want", "participant": "carol", "portfolios": {"e": 1},
             "curve": [[0, 8], [2, 2]]},
            {"id": "se", "participant": "sam", "portfolio": {"E": 1}, "curve": [[-5, 3], [0, 3]]},
            {"id": "sw", "participant": "sue", "portfolio": {"W": 1}, "curve": [[-5, 4], [0, 4]]},
        ],
    }  # fmt: skip
    result = clear_document(doc)
    assert result["portfolios"]["e"]["quantity"] == 0.0
    assert result["portfolios"]["w"]["quantity"] == 0.0
    assert result["orders"]["se"]["quantity"] == pytest.approx(0.0, abs=1e-12)
    without = clear_document({**doc, "orders": doc["orders"][1:]})
    assert without["portfolios"]["e"]["quantity"] == pytest.approx(5 / 3, abs=1e-9)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"portfolios": {"east": {"participant": "bob", "products": {"E": 1}, "x": 1}}},
         InvalidInput, r"portfolios\['east'\]: unknown key 'x'"),
        ({"portfolios": {"east": {"participant": "bob", "products": {"E": 1},
                                  "limits": {"max_rate": -1}}}},
         InvalidInput, r"portfolios\['east'\].limits: min_rate ≤ 0 ≤ max_rate"),
        ({"portfolios": {"east": {"participant": "bob", "products": {"E": 1},
                                  "limits": {"cap": 1}}}},
         InvalidInput, r"portfolios\['east'\].limits: unknown key 'cap'"),
        ({"portfolios": {"east": {"participant": "bob", "products": {"E": 1},
                                  "limits": {"max_position": "1"}}}},
         InvalidInput, r"portfolios\['east'\].limits.max_position: expected a number"),
        ({"portfolios": {"east": {"participant": "eve", "products": {"E": 1}}}},
         InvalidOrder, r"order 'either': portfolios: 'east' belongs to 'eve'"),
        ({"portfolios": {"east": {"participant": "bob", "products": {"E": 0}}}},
         InvalidInput, r"portfolios\['east'\].products: weight of 'E' must be non-zero"),
    ],
)  # fmt: skip
def test_bad_portfolios_name_the_field(change: Any, error: type, message: str) -> None:
    doc = east_west()
    doc["portfolios"] = {**doc["portfolios"], **change["portfolios"]}
    with pytest.raises(error, match=message):
        clear_document(doc)


def test_bad_orders_over_portfolios_name_the_field() -> None:
    doc = east_west()
    doc["orders"][0]["portfolio"] = {"E": 1}
    with pytest.raises(InvalidOrder, match="give either 'portfolio' or 'portfolios'"):
        clear_document(doc)
    doc = east_west()
    doc["orders"][0]["portfolios"] = {"north": 1}
    with pytest.raises(InvalidOrder, match="unknown portfolio 'north'"):
        clear_document(doc)
    doc = east_west()
    doc["orders"][0]["colour"] = "red"
    with pytest.raises(InvalidOrder, match="order 'either': unknown key 'colour'"):
        clear_document(doc)


def random_book(seed: int, n_products: int, n_orders: int) -> dict[str, Any]:
    """Participants with portfolios of 1–2 products, curves over 1–3 of them (sloped),
    limits on some; sloped sellers with inline portfolios."""
    rng = np.random.default_rng(seed)
    portfolios: dict[str, Any] = {}
    orders = []
    n_buyers = n_orders // 2
    for j in range(n_buyers):
        who = f"b{j // 3}"
        mine = [p for p, v in portfolios.items() if v["participant"] == who]
        if not mine or rng.random() < 0.6:
            pid = f"P{len(portfolios)}"
            k = int(rng.integers(n_products))
            products = {f"p{k}": 1.0}
            if rng.random() < 0.3:
                products[f"p{(k + 1) % n_products}"] = float(np.round(rng.uniform(0.5, 1.5), 2))
            portfolios[pid] = {"participant": who, "products": products}
            if rng.random() < 0.3:
                portfolios[pid]["limits"] = {
                    "max_rate": float(np.round(rng.uniform(0.1, 2.0), 2)),
                    "min_position": -5.0,
                    "max_position": float(np.round(rng.uniform(0.0, 4.0), 2)),
                    "position": float(np.round(rng.uniform(-1.0, 3.0), 2)),
                }
            mine.append(pid)
        pick = rng.choice(len(mine), size=min(len(mine), int(rng.integers(1, 4))), replace=False)
        names = {mine[int(i)]: float(np.round(rng.uniform(0.5, 2.0), 2)) for i in pick}
        top = float(rng.uniform(6.0, 14.0))
        size = float(rng.uniform(0.5, 4.0))
        orders.append(
            {"id": f"o{j}", "participant": who, "portfolios": names,
             "curve": [[0.0, top], [size, top - rng.uniform(1.0, 6.0)]]}
        )  # fmt: skip
    for j in range(n_buyers, n_orders):
        k = int(rng.integers(n_products))
        low = float(rng.uniform(2.0, 9.0))
        size = float(rng.uniform(0.5, 4.0))
        orders.append(
            {"id": f"o{j}", "participant": f"s{j % 11}", "portfolio": {f"p{k}": 1.0},
             "curve": [[-size, low + rng.uniform(1.0, 6.0)], [0.0, low]]}
        )  # fmt: skip
    return {
        "products": [f"p{k}" for k in range(n_products)],
        "portfolios": portfolios,
        "orders": orders,
    }


def bounds_of(doc: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Each named portfolio's rate bounds, by the documented rule, computed here."""
    out: dict[str, tuple[float, float]] = {}
    for pid, raw in doc["portfolios"].items():
        lim = raw.get("limits", {})
        pos = lim.get("position", 0.0)
        lo = max(lim.get("min_rate", -np.inf), lim.get("min_position", -np.inf) - pos)
        hi = min(lim.get("max_rate", np.inf), lim.get("max_position", np.inf) - pos)
        out[pid] = (min(lo, 0.0), max(hi, 0.0))
    named = {pid for order in doc["orders"] for pid in order.get("portfolios", {})}
    for pid in set(out) - named:
        out[pid] = (0.0, 0.0)  # a portfolio no order names does not trade
    for order in doc["orders"]:
        for pid, a in order.get("portfolios", {}).items():
            ends = sorted((order["curve"][0][0] / a, order["curve"][-1][0] / a))
            lo, hi = out[pid]
            out[pid] = (max(lo, ends[0]), min(hi, ends[1]))
    return out


def reference(doc: dict[str, Any]) -> tuple[dict[str, float], float]:
    """(order quantities, welfare) of the QP over portfolio rates r and curve pieces s:
    maximise Σ pieces' areas, each order's quantity = Σ weight × rate of its portfolios
    (or its inline portfolio's trade), every product balanced, r within `bounds_of`."""
    products = {p: k for k, p in enumerate(doc["products"])}
    pids = list(doc["portfolios"])
    pindex = {p: k for k, p in enumerate(pids)}
    bounds = bounds_of(doc)
    n_r = len(pids)
    piece_rows: list[int] = []  # order of each piece
    p_high, slope, length = [], [], []
    for j, order in enumerate(doc["orders"]):
        pts = order["curve"]
        for (qa, pa), (qb, pb) in itertools.pairwise(pts):
            piece_rows.append(j)
            p_high.append(pa)
            slope.append((pa - pb) / (qb - qa))
            length.append(qb - qa)
    n_s = len(p_high)
    m = len(doc["orders"])
    # y_j = q0_j + Σ_pieces s: rows "y_j − Σ a r = 0" for named, products for all
    order_sum = sp.csr_array((np.ones(n_s), (piece_rows, np.arange(n_s))), shape=(m, n_s))
    q0 = np.array([o["curve"][0][0] for o in doc["orders"]])
    named_rows: list[int] = []
    r_prod = np.zeros((len(products), n_r))
    for pid, raw in doc["portfolios"].items():
        for name, w in raw["products"].items():
            r_prod[products[name], pindex[pid]] = w
    a_r = np.zeros((m, n_r))
    w_inline = np.zeros((len(products), m))
    for j, order in enumerate(doc["orders"]):
        if "portfolios" in order:
            for pid, a in order["portfolios"].items():
                a_r[j, pindex[pid]] = a
            named_rows.append(j)
        else:
            for name, w in order["portfolio"].items():
                w_inline[products[name], j] = w
    named = np.array(named_rows)
    # named: Σ_s (order) − a r = −q0 ; products: W_inline (q0 + S s) + R r = 0
    link = sp.hstack([sp.csr_array(-a_r[named]), order_sum[named]])
    balance = sp.hstack([sp.csr_array(r_prod), sp.csr_array(w_inline) @ order_sum])
    a = sp.vstack([link, balance, sp.eye_array(n_r + n_s)]).tocsc()
    lo_r = np.array([bounds[p][0] for p in pids])
    hi_r = np.array([bounds[p][1] for p in pids])
    rhs = np.concatenate([-q0[named], -(w_inline @ q0)])
    lo = np.concatenate([rhs, lo_r, np.zeros(n_s)])
    hi = np.concatenate([rhs, hi_r, np.array(length)])
    p = sp.diags_array(np.concatenate([np.zeros(n_r), np.array(slope)]))
    c = -np.concatenate([np.zeros(n_r), np.array(p_high)])
    x, _ = osqp_solve(p, c, a, lo, hi, 1e-12)
    y = q0 + order_sum @ x[n_r:]
    welfare = sum(area(o["curve"], float(q)) for o, q in zip(doc["orders"], y, strict=True))
    return dict(zip([o["id"] for o in doc["orders"]], y.tolist(), strict=True)), welfare


def area(curve: list[list[float]], y: float) -> float:
    """∫_0^y of the curve's price (tokens/h), negative for a sale: the as-bid welfare."""
    total = 0.0
    for (qa, pa), (qb, pb) in itertools.pairwise(curve):
        lo, hi = max(qa, min(0.0, y)), min(qb, max(0.0, y))
        if hi <= lo:
            continue
        price = lambda q, qa=qa, pa=pa, qb=qb, pb=pb: pa + (pb - pa) * (q - qa) / (qb - qa)  # noqa: E731
        piece = 0.5 * (price(lo) + price(hi)) * (hi - lo)
        total += piece if y > 0 else -piece
    return total


@pytest.mark.parametrize(
    ("seed", "n_products", "n_orders"),
    [(1, 4, 60), (2, 20, 1000), pytest.param(5, 100, 10_000, marks=pytest.mark.slow)],
)
def test_random_books_match_an_independent_qp(seed: int, n_products: int, n_orders: int) -> None:
    doc = random_book(seed, n_products, n_orders)
    result = clear_document(doc)
    ref_qty, ref_welfare = reference(doc)
    for oid, q in ref_qty.items():
        assert result["orders"][oid]["quantity"] == pytest.approx(q, abs=1e-6), oid
    assert result["welfare"] == pytest.approx(ref_welfare, abs=1e-6 * max(1.0, abs(ref_welfare)))
    bounds = bounds_of(doc)
    for pid, row in result["portfolios"].items():
        lo, hi = bounds[pid]
        # limits are the portfolio's own bounds (exact); a curve's range bounds it through
        # the order's balance (to its rounding)
        assert lo - 1e-9 <= row["quantity"] <= hi + 1e-9, pid
    cert = result["certificate"]
    assert cert["max_imbalance"] <= 1e-8 and cert["max_order_gap"] <= 1e-8
