"""Positions at delivery, accumulated cash and collateral series from hand-written rows."""

from __future__ import annotations

import numpy as np

from flowmarket.catalogue import format_hour
from flowmarket.reports.extract_accounts import (
    accumulated_cash,
    accumulated_positions,
    collateral_series,
    delivered_positions,
    requirement_share,
)
from flowmarket.reports.record import CollateralRow, ParticipantRow

H = 1_000
TOKEN = 10**18


def fwd(hour: int, type_: str = "premium") -> str:
    return f"fwd-h:eu-west:{type_}:{format_hour(hour)}"


def rt(hour: int, type_: str = "premium") -> str:
    return f"rt:eu-west:{type_}:{format_hour(hour)}"


def rows() -> list[ParticipantRow]:
    """Alice buys 5 GB/h of hour H+2 forward, sells 2 back, buys 1 more in real time;
    Bob is her counterparty throughout, and also sells 3 GB/h of regular for H+3."""
    return [
        (H, "0xA", {fwd(H + 2): 5.0}, -10.0),
        (H, "0xB", {fwd(H + 2): -5.0}, 10.0),
        (H + 1, "0xA", {fwd(H + 2): -2.0}, 4.5),
        (H + 1, "0xB", {fwd(H + 2): 2.0, fwd(H + 3, "regular"): -3.0}, -1.5),
        (H + 2, "0xA", {rt(H + 2): 1.0}, -2.5),
        (H + 2, "0xB", {rt(H + 2): -1.0}, 2.5),
    ]


def test_positions_accumulate_the_trades_of_every_hour_up_to_the_last() -> None:
    assert accumulated_positions(rows(), until=H + 1) == {
        "0xA": {fwd(H + 2): 3.0},
        "0xB": {fwd(H + 2): -3.0, fwd(H + 3, "regular"): -3.0},
    }


def test_delivered_positions_add_forwards_and_the_real_time_trade_of_each_hour() -> None:
    held = delivered_positions(rows(), first=H, last=H + 2)

    assert held.participants == ("0xA", "0xB")
    assert held.groups == (("eu-west", "premium"), ("eu-west", "regular"))
    assert held.hours.tolist() == [H, H + 1, H + 2, H + 3]  # up to the last hour held
    np.testing.assert_array_equal(held.held[0, 0], [0.0, 0.0, 4.0, 0.0])
    np.testing.assert_array_equal(held.held[1, 0], [0.0, 0.0, -4.0, 0.0])
    np.testing.assert_array_equal(held.held[1, 1], [0.0, 0.0, 0.0, -3.0])


def test_accumulated_cash_starts_from_the_hours_before_the_range() -> None:
    participants, cash = accumulated_cash(rows(), [H + 1, H + 2])

    assert participants == ("0xA", "0xB")
    np.testing.assert_allclose(cash, [[-5.5, -8.0], [8.5, 11.0]])


def test_collateral_series_reads_tokens_states_and_cut_orders_per_hour() -> None:
    docs: list[CollateralRow] = [
        (
            H,
            10,
            {
                "participants": {
                    "0xA": {"collateral": str(100 * TOKEN), "requirement": "0", "state": "ok"}
                },
                "cut_orders": {},
            },
        ),
        (
            H + 1,
            10,
            {
                "participants": {
                    "0xA": {
                        "collateral": str(100 * TOKEN),
                        "requirement": str(95 * TOKEN),
                        "state": "warning",
                    },
                    "0xB": {"collateral": "0", "requirement": str(TOKEN // 2), "state": "below"},
                },
                "cut_orders": {"0x01": "removed", "0x02": "clipped"},
            },
        ),
    ]

    series = collateral_series(docs)

    assert series.participants == ("0xA", "0xB")
    np.testing.assert_array_equal(series.collateral, [[100.0, 100.0], [np.nan, 0.0]])
    np.testing.assert_array_equal(series.requirement, [[0.0, 95.0], [np.nan, 0.5]])
    assert series.state.tolist() == [[0, 1], [-1, 2]]  # ok, warning; absent, below
    assert series.cut.tolist() == [0, 2]


def test_requirement_share_is_infinite_without_collateral_and_zero_without_either() -> None:
    docs: list[CollateralRow] = [
        (
            H,
            10,
            {
                "participants": {
                    "0xA": {"collateral": str(200 * TOKEN), "requirement": str(50 * TOKEN)},
                    "0xB": {"collateral": "0", "requirement": str(TOKEN)},
                    "0xC": {"collateral": "0", "requirement": "0"},
                }
            },
        ),
        (H + 1, 10, {"participants": {}}),
    ]

    share = requirement_share(collateral_series(docs))

    np.testing.assert_array_equal(share, [[25.0, np.nan], [np.inf, np.nan], [0.0, np.nan]])
