"""Collateral rules, pure: requirement formula, warning states, and order cutting that
lets a participant below its requirement trade towards balance but not away from it."""

from __future__ import annotations

from typing import Any

import pytest

from flowmarket.clearing import clear_document
from flowmarket.collateral import (
    CollateralParams,
    classify,
    clip_curve,
    cut_orders,
    requirement,
    towards_balance,
)
from flowmarket.money import WAD

PARAMS = CollateralParams(
    initial_margin_bps=1_000, deviation_margin_bps=2_000, warning_buffer_bps=2_000
)
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
CAROL = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"


def test_requirement_is_initial_margin_of_the_position_plus_deviation_margin_from_expected() -> (
    None
):
    prices = {"premium": 5 * WAD, "regular": 2 * WAD}
    position = {"premium": 10.0, "regular": -4.0}  # value 50 + 8 = 58 tokens
    expected = {"premium": 6.0}  # deviation (4, -4): value 20 + 8 = 28 tokens
    assert requirement(position, expected, prices, PARAMS) == 58 * WAD // 10 + 28 * WAD // 5
    assert requirement(position, position, prices, PARAMS) == 58 * WAD // 10
    assert requirement({}, {}, prices, PARAMS) == 0
    assert requirement({"unpriced": 3.0}, {}, prices, PARAMS) == 0


def test_states_ok_warning_below_and_restricted() -> None:
    def state(collateral: int, required: int, restricted: bool = False) -> str:
        return classify(
            ALICE, collateral=collateral, required=required, params=PARAMS, restricted=restricted
        ).state

    assert state(130, 100) == "ok"  # excess 30 ≥ 20 % of 100
    assert state(119, 100) == "warning"  # excess 19 < 20
    assert state(99, 100) == "below"
    assert state(10**9, 100, restricted=True) == "restricted"
    assert state(0, 0) == "ok"


def test_towards_balance_allows_only_trades_between_zero_and_the_closest_point_to_flat() -> None:
    assert towards_balance({"premium": 4.0}, {"premium": 1.0}) == (-4.0, 0.0)
    assert towards_balance({"premium": -3.0}, {"premium": 2.0}) == (0.0, 1.5)
    assert towards_balance({"premium": 4.0}, {"regular": 1.0}) == (0.0, 0.0)
    lo, hi = towards_balance({"a": 2.0, "b": 2.0}, {"a": 1.0, "b": -1.0})
    assert (lo, hi) == (0.0, 0.0)  # orthogonal: any trade moves away from balance


def test_clip_curve_interpolates_the_new_end_points_and_drops_what_is_left_empty() -> None:
    curve = [[-10.0, 25.0], [0.0, 5.0], [4.0, 1.0]]
    assert clip_curve(curve, -4.0, 0.0) == [[-4.0, 13.0], [0.0, 5.0]]
    assert clip_curve(curve, 0.0, 2.0) == [[0.0, 5.0], [2.0, 3.0]]
    assert clip_curve(curve, -20.0, 20.0) == curve
    assert clip_curve([[0.0, 12.0], [6.0, 2.0]], -3.0, 0.0) is None


def book() -> dict[str, Any]:
    return {
        "products": ["premium"],
        "orders": [
            {
                "id": "a-buy",
                "participant": ALICE,
                "portfolio": {"premium": 1.0},
                "curve": [[0, 12], [6, 2]],
            },
            {
                "id": "a-sell",
                "participant": ALICE,
                "portfolio": {"premium": 1.0},
                "curve": [[-10, 25], [0, 5]],
            },
            {
                "id": "b-sell",
                "participant": BOB,
                "portfolio": {"premium": 1.0},
                "curve": [[-8, 10], [0, 1]],
            },
            {
                "id": "c-buy",
                "participant": CAROL,
                "portfolio": {"premium": 1.0},
                "curve": [[0, 30], [10, 5]],
            },
        ],
    }


def test_a_long_participant_below_zero_excess_can_sell_down_to_flat_but_not_buy() -> None:
    position = {"premium": 1.0}
    cut, changes = cut_orders(book(), cut={ALICE: position})
    assert changes == {"a-buy": "removed", "a-sell": "clipped"}
    assert [o["id"] for o in cut["orders"]] == ["a-sell", "b-sell", "c-buy"]

    selling = book()
    selling["orders"] = [o for o in selling["orders"] if o["id"] != "a-buy"]
    uncut = clear_document(selling)["participants"][ALICE]["trades"]["premium"]
    trade = clear_document(cut)["participants"][ALICE]["trades"]["premium"]
    assert uncut < -1.5  # unrestricted, alice would sell past flat into a short position
    assert trade == pytest.approx(-1.0, abs=1e-7)  # restricted: sells exactly down to flat
    assert position["premium"] + trade >= -1e-7


def test_a_short_participant_below_zero_excess_can_buy_back_but_not_sell_more() -> None:
    cut, changes = cut_orders(book(), cut={ALICE: {"premium": -2.0}})
    assert changes == {"a-buy": "clipped", "a-sell": "removed"}
    result = clear_document(cut)
    assert 0.0 < result["participants"][ALICE]["trades"]["premium"] <= 2.0 + 1e-9


def test_cutting_leaves_other_participants_and_the_input_document_unchanged() -> None:
    original = book()
    cut, _ = cut_orders(original, cut={ALICE: {"premium": 3.0}})
    assert original == book()
    assert [o for o in cut["orders"] if o["participant"] != ALICE] == [
        o for o in original["orders"] if o["participant"] != ALICE
    ]
