"""Non-convex orders: hand-computed books, brute force over every accept set (Clarabel +
a price LP, `nonconvex_reference`), and strict parsing of the contract."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from nonconvex_books import block_book
from nonconvex_reference import brute_force, ref_orders, value

from flowmarket.clearing import clear_document
from flowmarket.clearing.document import parse_orders
from flowmarket.clearing.nonconvex import NonConvexOptions
from flowmarket.clearing.nonconvex_document import clear_mixed_document
from flowmarket.errors import CertificateFailed, InvalidInput, InvalidOrder


def _plant_book(rule: str) -> dict[str, Any]:
    # The source paper's example: a plant that costs 30 to start and 10 a unit up to 50
    # (here 10 → 10.000001), and a buyer of up to 40 units at 20 (→ 19.999999).
    return {
        "nonconvex_rule": rule,
        "orders": [
            {
                "id": "buy",
                "participant": "b",
                "portfolio": {"x": 1},
                "curve": [[0, 20.0], [40, 19.999999]],
            },
            {
                "id": "plant",
                "participant": "s",
                "portfolio": {"x": 1},
                "kind": "startup",
                "curve": [[-50, 10.000001], [0, 10.0]],
                "fixed_cost": 30,
            },
        ],
    }


def test_startup_model_b_trades_at_the_lowest_price_that_covers_the_start_up() -> None:
    out = clear_document(_plant_book("no_loss"))  # type: ignore[arg-type]
    # 40 units; the plant covers 30 + 40 × 10.0000004 (its mean cost) at 40 ρ: ρ = 10.75.
    assert out["orders"]["plant"] == {"quantity": pytest.approx(-40.0, abs=1e-6), "accepted": True}
    assert out["orders"]["buy"]["quantity"] == pytest.approx(40.0)
    assert out["prices"]["x"] == pytest.approx(30 / 40 + 10.0000004, abs=1e-6)
    assert out["welfare"] == pytest.approx(40 * 19.9999995 - 30 - 40 * 10.0000004, abs=1e-5)
    assert out["certificate"]["paradoxically_rejected"] == []
    assert out["certificate"]["search_exact"] is True


def test_startup_model_a_rejects_the_plant_and_reports_its_lost_surplus() -> None:
    out = clear_document(_plant_book("model_a"))  # type: ignore[arg-type]
    # At 40 units the plant is inside its curve, so its price is 10.0000004 and it loses
    # the start-up: Model A rejects it; the buyer alone prices at its bid, 20.
    assert out["orders"]["plant"] == {"quantity": 0.0, "accepted": False}
    assert out["welfare"] == 0.0
    assert out["prices"]["x"] == pytest.approx(20.0)
    # At 20 it would sell 50: 1000 − 30 − (500 + 50 × 0.000001 / 2 × 50 / 50 ... ) = 469.999975
    assert out["certificate"]["paradoxically_rejected"] == ["plant"]
    assert out["certificate"]["lost_surplus"]["plant"] == pytest.approx(1000 - 30 - 500.000025)


def test_block_over_two_hours_is_accepted_when_its_limit_covers_both_hours() -> None:
    out = clear_document(block_book(9.0))  # type: ignore[arg-type]
    # Each hour's seller: marginal cost 2 + 0.2 x; 10 units price each hour at 4, the
    # block pays 8 ≤ 9. Welfare 90 − 2 × (20 + 10) = 30.
    assert out["orders"]["event"] == {"quantity": 10.0, "accepted": True}
    assert out["prices"] == {"eu@18": pytest.approx(4.0), "eu@19": pytest.approx(4.0)}
    assert out["welfare"] == pytest.approx(30.0)
    assert out["participants"]["tv"]["cash"] == pytest.approx(-80.0)


def test_block_is_rejected_when_it_would_pay_more_than_its_limit() -> None:
    out = clear_document(block_book(7.5))  # type: ignore[arg-type]
    # 8 > 7.5: a loss. Rejected, nothing trades, the prices stay at the prior 0 (within
    # the sellers' asks), where the block would gain 75: paradoxically rejected.
    assert out["orders"]["event"] == {"quantity": 0.0, "accepted": False}
    assert out["welfare"] == 0.0
    assert out["certificate"]["paradoxically_rejected"] == ["event"]
    assert out["certificate"]["lost_surplus"] == {"event": pytest.approx(75.0)}


def _min_fill_book(top: float, bottom: float, rule: str) -> dict[str, Any]:
    return {
        "nonconvex_rule": rule,
        "orders": [
            {
                "id": "buy",
                "participant": "b",
                "portfolio": {"x": 1},
                "curve": [[0, top], [30, bottom]],
            },
            {
                "id": "plant",
                "participant": "net",
                "portfolio": {"x": 1},
                "kind": "min_fill",
                "curve": [[-50, 12], [0, 10]],
                "min_quantity": 20,
            },
        ],
    }


@pytest.mark.parametrize("rule", ["no_loss", "model_a"])
def test_min_fill_sells_its_minimum_when_that_pays(rule: str) -> None:
    out = clear_document(_min_fill_book(11.0, 10.4, rule))  # type: ignore[arg-type]
    # Buyer 11 − 0.02 y, seller 10 + 0.04 x: the convex meeting point 16.7 < 20, so 20
    # trade at the buyer's 10.6; the seller gets 212 for a cost of 208: no loss.
    assert out["orders"]["plant"] == {"quantity": pytest.approx(-20.0), "accepted": True}
    assert out["prices"]["x"] == pytest.approx(10.6)
    assert out["welfare"] == pytest.approx(20 - 0.03 * 400)


@pytest.mark.parametrize("rule", ["no_loss", "model_a"])
def test_min_fill_is_rejected_when_its_minimum_would_lose(rule: str) -> None:
    out = clear_document(_min_fill_book(10.7, 10.1, rule))  # type: ignore[arg-type]
    # At 20 units the buyer pays 10.3: 206 < 208. Rejected; the buyer alone prices at
    # 10.7, where the plant would sell 20 (its best from 20 up) for 214 − 208 = 6.
    assert out["orders"]["plant"] == {"quantity": 0.0, "accepted": False}
    assert out["prices"]["x"] == pytest.approx(10.7)
    assert out["certificate"]["lost_surplus"] == {"plant": pytest.approx(6.0)}


def _random_book(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    products = ["a", "b"][: rng.choice([1, 2])]
    orders: list[dict[str, Any]] = []
    for k in range(rng.randint(3, 5)):
        name = rng.choice(products)
        p0 = rng.uniform(4, 12)
        if rng.random() < 0.5:
            curve = [[0, p0], [rng.uniform(5, 30), p0 - rng.uniform(0.5, 4)]]
        else:
            curve = [[-rng.uniform(5, 30), p0 + rng.uniform(0.5, 4)], [0, p0]]
        orders.append(
            {"id": f"c{k}", "participant": f"p{k}", "portfolio": {name: 1}, "curve": curve}
        )
    for k in range(3):
        portfolio = (
            {name: 1 for name in products} if rng.random() < 0.4 else {rng.choice(products): 1}
        )
        side = 1 if rng.random() < 0.5 else -1
        kind = rng.choice(["all_or_nothing", "min_fill", "startup"])
        p0 = rng.uniform(5, 10) * len(portfolio)
        extent = rng.uniform(5, 25)
        slope = rng.uniform(0.5, 3)
        curve = [[0, p0], [extent, p0 - slope]] if side > 0 else [[-extent, p0 + slope], [0, p0]]
        order: dict[str, Any] = {
            "id": f"n{k}",
            "participant": f"q{k}",
            "portfolio": portfolio,
            "kind": kind,
        }
        if kind == "all_or_nothing":
            order |= {"quantity": side * extent, "price": p0}
        elif kind == "min_fill":
            order |= {"curve": curve, "min_quantity": rng.uniform(0.3, 0.9) * extent}
        else:
            order |= {"curve": curve, "fixed_cost": rng.uniform(1, 25)}
        orders.append(order)
    return {"orders": orders}


def _check_against_brute_force(doc: dict[str, Any], rule: str) -> None:
    out = clear_document({**doc, "nonconvex_rule": rule})  # type: ignore[arg-type]
    ranked = brute_force(doc, rule)
    best_welfare, best_set = ranked[0]
    scale = max(1.0, abs(best_welfare))
    assert out["welfare"] == pytest.approx(best_welfare, abs=1e-5 * scale)
    accepted = {oid for oid, r in out["orders"].items() if r.get("accepted")}
    runner_up = ranked[1][0] if len(ranked) > 1 else -np.inf
    if best_welfare - runner_up > 1e-4 * scale:
        assert accepted == set(best_set)
    # No accepted order loses at the published prices, every convex order is on its curve.
    for o in ref_orders(doc):
        rho = sum(w * out["prices"][name] for name, w in o.w.items())
        x = out["orders"][o.oid]["quantity"]
        if o.kind != "curve" and o.oid in accepted:
            assert value(o, x) - o.fixed - rho * x >= -1e-6 * max(1.0, abs(rho * x))
        if o.kind == "curve":
            curve_x = float(np.interp(rho, o.price[::-1], o.qty[::-1]))
            assert x == pytest.approx(curve_x, abs=1e-6)
    assert out["certificate"]["max_imbalance"] <= 1e-6


@pytest.mark.parametrize("seed", range(14))
@pytest.mark.parametrize("rule", ["no_loss", "model_a"])
def test_random_books_match_brute_force_over_every_accept_set(seed: int, rule: str) -> None:
    _check_against_brute_force(_random_book(seed), rule)


@pytest.mark.parametrize("seed", range(6))
def test_random_books_under_engine_3_match_brute_force(seed: int) -> None:
    # Each convex subproblem goes through engine 3's Newton stage (its band).
    _check_against_brute_force({**_random_book(seed), "engine": 3}, "no_loss")


def test_paper_example_matches_brute_force_in_both_models() -> None:
    doc = _plant_book("no_loss")
    del doc["nonconvex_rule"]
    _check_against_brute_force(doc, "no_loss")
    _check_against_brute_force(doc, "model_a")
    assert brute_force(doc, "model_a")[0][1] == frozenset()
    assert brute_force(doc, "no_loss")[0][1] == frozenset({"plant"})


@pytest.mark.parametrize("seed", range(6))
def test_heuristic_is_admissible_and_brackets_the_optimum(seed: int) -> None:
    doc = _random_book(seed)
    out = clear_mixed_document(doc, None, None, NonConvexOptions(exact_limit=0))
    best = brute_force(doc, "no_loss")[0][0]
    cert = out["certificate"]
    assert cert["search_exact"] is False
    assert out["welfare"] <= best + 1e-5 * max(1.0, abs(best))
    assert cert["welfare_upper_bound"] >= best - 1e-5 * max(1.0, abs(best))
    gap = (cert["welfare_upper_bound"] - out["welfare"]) / max(
        1.0, abs(cert["welfare_upper_bound"])
    )
    assert cert["optimality_gap"] == pytest.approx(max(0.0, gap), abs=1e-12)


def test_plain_books_clear_as_before() -> None:
    doc = block_book(9.0)
    plain = {
        **doc,
        "orders": [*doc["orders"][:2], {**doc["orders"][0], "id": "b", "curve": [[0, 9], [5, 3]]}],
    }
    out = clear_document(plain)  # type: ignore[arg-type]
    assert "accepted" not in out["orders"]["b"]
    assert "nonconvex_rule" not in out["certificate"]
    parse_orders(plain)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "block"}, "order 'event': kind: expected 'curve' or one of"),
        ({"limit": 3}, "order 'event': unknown key 'limit' for kind 'all_or_nothing'"),
        ({"quantity": 0}, "order 'event': quantity: must be non-zero"),
        ({"price": "7"}, "order 'event': price: expected a number"),
        ({"quantity": None}, "order 'event': quantity: expected a number"),
        ({"portfolio": {"eu@20": 1}}, "order 'event': portfolio: unknown product 'eu@20'"),
        (
            {"portfolio": {"eu@18": 0}},
            "order 'event': portfolio weight of 'eu@18': must be non-zero",
        ),
    ],
)
def test_bad_block_orders_name_the_field(change: dict[str, Any], message: str) -> None:
    doc = block_book(9.0)
    doc["orders"][2] = {**doc["orders"][2], **change}
    with pytest.raises(InvalidOrder, match=message.replace("(", r"\(")):
        clear_document(doc)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (
            {"kind": "min_fill", "curve": [[-5, 3], [0, 2]]},
            "'min_quantity' is required for kind 'min_fill'",
        ),
        (
            {"kind": "min_fill", "curve": [[-5, 3], [0, 2]], "min_quantity": 6},
            "min_quantity: must be > 0 and at most",
        ),
        (
            {"kind": "min_fill", "curve": [[-5, 3], [5, 2]], "min_quantity": 1},
            "must only buy or only sell",
        ),
        (
            {"kind": "startup", "curve": [[-5, 3], [0, 2]], "fixed_cost": -1},
            "fixed_cost: must be ≥ 0",
        ),
        (
            {"kind": "startup", "curve": [[-5, 2], [0, 3]], "fixed_cost": 1},
            "price must strictly decrease",
        ),
        ({"kind": "startup", "curve": [[1, 3], [5, 2]], "fixed_cost": 1}, "range must contain 0"),
        (
            {"kind": "startup", "curve": [[-5, 3], [0, 2]], "fixed_cost": 1, "min_quantity": 1},
            "unknown key 'min_quantity'",
        ),
    ],
)
def test_bad_min_fill_and_startup_orders_name_the_field(
    order: dict[str, Any], message: str
) -> None:
    doc = {"orders": [{"id": "o", "participant": "p", "portfolio": {"x": 1}, **order}]}
    with pytest.raises(InvalidOrder, match=f"order 'o': .*{message}"):
        clear_document(doc)  # type: ignore[arg-type]


def test_bad_rule_and_network_are_clear_errors() -> None:
    doc = block_book(9.0)
    with pytest.raises(InvalidInput, match="nonconvex_rule: expected one of"):
        clear_document({**doc, "nonconvex_rule": "model_c"})  # type: ignore[typeddict-item]
    with pytest.raises(InvalidInput, match="cannot yet clear with a network"):
        clear_document({**doc, "network": {"locations": {}, "links": []}})  # type: ignore[typeddict-item]
    dup = {**doc, "orders": [*doc["orders"], {**doc["orders"][2]}]}
    with pytest.raises(InvalidOrder, match="order 'event': duplicate order id"):
        clear_document(dup)  # type: ignore[arg-type]


def _huge_block(quantity: float) -> dict[str, Any]:
    return {
        "orders": [
            {"id": "s", "participant": "n", "portfolio": {"x": 1}, "curve": [[-1, 3], [0, 2]]},
            {
                "id": "ev",
                "participant": "t",
                "portfolio": {"x": 1},
                "kind": "all_or_nothing",
                "quantity": quantity,
                "price": 1e6,
            },
        ]
    }


def test_a_block_far_beyond_the_market_is_rejected_not_an_error() -> None:
    # Accepting 1e9 GB/h against a seller of 1 cannot be cleared to the gate's
    # tolerances: that accept set is not admissible, so the block is rejected.
    out = clear_document(_huge_block(1e9))  # type: ignore[arg-type]
    assert out["orders"]["ev"] == {"quantity": 0.0, "accepted": False}
    assert out["orders"]["s"]["quantity"] == 0.0
    assert out["certificate"]["paradoxically_rejected"] == ["ev"]


def test_a_relaxation_that_cannot_be_certified_names_the_order_by_its_id() -> None:
    with pytest.raises(CertificateFailed, match="unreachable: 'ev'") as err:
        clear_mixed_document(_huge_block(1e14), None, None, NonConvexOptions(exact_limit=0))
    assert err.value.orders == ("ev",)
