"""Authorisations as bounds inside the clearing: hand-computed books where a limit binds.

Every book: bob (and carol) sell along p = 1 + s (s GB/h sold, tokens per GB); alice
buys along p = 10 − q. Unlimited they meet at 4.5 GB/h and 5.5 tokens.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from flowmarket.authorisations import (
    WAD,
    Authorisation,
    apply_authorisations,
    direction,
    factor,
    rate_bounds,
    round_down,
    round_up,
)
from flowmarket.clearing import clear_document

AUTH = "0x" + "a1" * 32
SELL = [[-8.0, 9.0], [0.0, 1.0]]
BUY = [[0.0, 10.0], [6.0, 4.0]]


def book(*orders: tuple[str, str, dict[str, float], list[list[float]]]) -> dict[str, Any]:
    return {
        "products": ["premium", "regular"],
        "orders": [
            {"id": oid, "participant": who, "portfolio": portfolio, "curve": curve}
            for oid, who, portfolio, curve in orders
        ],
    }


def cleared(
    doc: dict[str, Any], auths: list[Authorisation], wei: dict[str, dict[str, int]] | None = None
) -> dict[str, Any]:
    limited, _ = apply_authorisations(doc, auths, wei or {})
    result: dict[str, Any] = dict(clear_document(limited))
    return result


def test_a_max_rate_caps_the_buyer_at_the_limit_and_the_price_is_the_sellers() -> None:
    # capped at 3: bob sells 3 at p = 1 + 3 = 4 (alice would take 6 at 4)
    doc = book(("a", "alice", {"premium": 1.0}, BUY), ("b", "bob", {"premium": 1.0}, SELL))
    auth = Authorisation(AUTH, "alice", {"premium": 1.0}, max_rate=3 * WAD)
    result = cleared(doc, [auth])
    assert result["orders"]["a"]["quantity"] == pytest.approx(3.0, abs=1e-7)
    assert result["orders"]["b"]["quantity"] == pytest.approx(-3.0, abs=1e-7)
    assert result["portfolios"]["a"]["quantity"] == pytest.approx(3.0, abs=1e-7)  # the rate
    assert result["participants"]["alice"]["trades"]["premium"] <= 3.0  # exactly within
    assert result["prices"]["premium"] == pytest.approx(4.0, abs=1e-6)
    assert set(result["participants"]["alice"]["trades"]) == {"premium"}  # no virtual rows
    # without the authorisation: 4.5 at 5.5
    free = clear_document(doc)
    assert free["orders"]["a"]["quantity"] == pytest.approx(4.5, abs=1e-7)


def test_a_max_position_counts_the_committed_position_to_the_wei() -> None:
    # alice holds 1.5 GB/h (in wei) and may hold 4: she buys 2.5, bob sells at 3.5
    doc = book(("a", "alice", {"premium": 1.0}, BUY), ("b", "bob", {"premium": 1.0}, SELL))
    auth = Authorisation(AUTH, "alice", {"premium": 1.0}, max_position=4 * WAD)
    result = cleared(doc, [auth], {"alice": {"premium": 3 * WAD // 2}})
    assert result["orders"]["a"]["quantity"] == pytest.approx(2.5, abs=1e-7)
    assert result["participants"]["alice"]["trades"]["premium"] <= 2.5
    assert result["prices"]["premium"] == pytest.approx(3.5, abs=1e-6)


def test_a_position_beyond_its_limit_is_not_forced_back_and_not_extended() -> None:
    doc = book(("a", "alice", {"premium": 1.0}, BUY), ("b", "bob", {"premium": 1.0}, SELL))
    auth = Authorisation(AUTH, "alice", {"premium": 1.0}, max_position=4 * WAD)
    result = cleared(doc, [auth], {"alice": {"premium": 5 * WAD}})
    assert result["orders"]["a"]["quantity"] == pytest.approx(0.0, abs=1e-7)


def test_an_order_over_twice_the_portfolio_counts_twice() -> None:
    # alice's order: 2 premium + 2 regular per unit, p = 40 − 8x for the unit; premium and
    # regular each sold along 1 + s: the unit costs 2 (1 + 2x) × 2 = 4 + 8x, so unlimited
    # x = 2.25. The authorisation on premium + regular allows a rate 2x ≤ 3: x = 1.5, and
    # each product sells 3 at 1 + 3 = 4.
    doc = book(
        ("a", "alice", {"premium": 2.0, "regular": 2.0}, [[0.0, 40.0], [5.0, 0.0]]),
        ("b", "bob", {"premium": 1.0}, SELL),
        ("c", "carol", {"regular": 1.0}, SELL),
    )
    auth = Authorisation(AUTH, "alice", {"premium": 1.0, "regular": 1.0}, max_rate=3 * WAD)
    result = cleared(doc, [auth])
    assert result["orders"]["a"]["quantity"] == pytest.approx(1.5, abs=1e-7)
    assert result["prices"]["premium"] == pytest.approx(4.0, abs=1e-6)
    assert result["prices"]["regular"] == pytest.approx(4.0, abs=1e-6)
    assert clear_document(doc)["orders"]["a"]["quantity"] == pytest.approx(2.25, abs=1e-7)


def test_two_orders_over_the_portfolio_share_the_limit_and_stay_additive() -> None:
    # two identical buyers of alice, 3 in all: 1.5 each (strictly concave: unique); bob
    # sells 3 at 4. A third order of alice over another portfolio is not governed.
    doc = book(
        ("a1", "alice", {"premium": 1.0}, BUY),
        ("a2", "alice", {"premium": 1.0}, BUY),
        ("b", "bob", {"premium": 1.0}, SELL),
    )
    auth = Authorisation(AUTH, "alice", {"premium": 1.0}, max_rate=3 * WAD)
    result = cleared(doc, [auth])
    assert result["orders"]["a1"]["quantity"] == pytest.approx(1.5, abs=1e-6)
    assert result["orders"]["a2"]["quantity"] == pytest.approx(1.5, abs=1e-6)
    assert result["orders"][AUTH]["quantity"] <= 3.0  # the portfolio's rate, exactly within
    assert result["prices"]["premium"] == pytest.approx(4.0, abs=1e-6)


def test_a_min_rate_caps_a_seller() -> None:
    # bob may sell at most 2: alice buys 2 at p = 10 − 2 = 8 (bob would sell 7 at 8)
    doc = book(("a", "alice", {"premium": 1.0}, BUY), ("b", "bob", {"premium": 1.0}, SELL))
    auth = Authorisation(AUTH, "bob", {"premium": 1.0}, min_rate=-2 * WAD)
    result = cleared(doc, [auth])
    assert result["orders"]["b"]["quantity"] == pytest.approx(-2.0, abs=1e-7)
    assert result["prices"]["premium"] == pytest.approx(8.0, abs=1e-6)


def test_directions_factors_and_exact_bounds() -> None:
    assert direction({"a": 2.0, "b": -4.0}) == direction({"b": 1.0, "a": -0.5})
    assert direction({"a": 1.0}) != direction({"a": 1.0, "b": 1.0})
    assert factor({"a": 2.0, "b": -4.0}, {"a": -0.5, "b": 1.0}) == -4.0
    assert factor({"a": 2.0, "b": -4.0}, {"a": 1.0, "b": -2.000001}) is None
    assert factor({"a": 1.0}, {"a": 1.0, "b": 1.0}) is None
    # product by product: premium at 3 portfolio units (6 / 2), regular at 1 (1 / 1)
    auth = Authorisation(
        AUTH,
        "alice",
        {"premium": 2.0, "regular": 1.0},
        min_rate=-10 * WAD,
        max_rate=7 * WAD,
        min_position=-1 * WAD,
        max_position=5 * WAD,
    )
    lo, hi = rate_bounds(auth, {"premium": 6 * WAD, "regular": 1 * WAD})
    assert (lo, hi) == (Fraction(-2), Fraction(2))  # −1 − 1 and 5 − 3
    assert rate_bounds(Authorisation(AUTH, "alice", {"premium": 1.0}), {}) == (None, None)
    third = Fraction(1, 3)
    assert Fraction(round_down(third)) <= third <= Fraction(round_up(third))
    assert round_up(third) > round_down(third)
    assert round_up(Fraction(1, 2)) == round_down(Fraction(1, 2)) == 0.5
