"""The collateral rule on hand-worked cases: negative prices, short positions, sub-wei
floors and the exact boundaries of the warning states.

Floats used (exact binary values): 0.1 = 0.1000000000000000055511…, so 0.1 GB is
100 000 000 000 000 006 units of 10^-18 GB.
"""

from __future__ import annotations

from flowmarket.collateral import (
    CollateralParams,
    classify,
    clip_curve,
    requirement,
    towards_balance,
    value_of,
)
from flowmarket.money import WAD
from flowmarket.states import CollateralStatus

OK, WARNING = CollateralStatus.OK, CollateralStatus.WARNING
BELOW, RESTRICTED = CollateralStatus.BELOW, CollateralStatus.RESTRICTED

PARAMS = CollateralParams(
    initial_margin_bps=1_000, deviation_margin_bps=2_000, warning_buffer_bps=2_000
)
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
# a: −4 tokens/GB (holders pay to be rid of it), b: 5, c: −3, d: −2
PRICES = {"a": -4 * WAD, "b": 5 * WAD, "c": -3 * WAD, "d": -2 * WAD}


def test_value_counts_every_leg_at_its_absolute_price_and_quantity() -> None:
    # long 2 a at −4: 8 tokens; short 3 b at 5: 15; long 0.1 c at −3: 0.300…018 tokens
    position = {"a": 2.0, "b": -3.0, "c": 0.1}
    assert value_of(position, PRICES) == 23_300_000_000_000_000_018
    assert value_of({"a": -2.0}, PRICES) == 8 * WAD  # short at a negative price
    assert value_of({"unpriced": 5.0}, PRICES) == 0
    assert value_of({"c": 1e-19}, {"c": 3}) == 0  # 10^-19 GB rounds to 0 units


def test_requirement_with_negative_prices_and_short_positions() -> None:
    position = {"a": 2.0, "b": -3.0, "c": 0.1}
    expected = {"a": -1.0, "d": 1.0}
    # initial: 23 300 000 000 000 000 018 wei × 10 % = 2 330 000 000 000 000 001.8 → …001
    # deviation (a 3, b −3, c 0.1, d −1): 12 + 15 + 0.300…018 + 2 = 29 300 000 000 000 000 018
    #   × 20 % = 5 860 000 000 000 000 003.6 → …003
    assert requirement(position, expected, PRICES, PARAMS) == 8_190_000_000_000_000_004
    # a participant exactly at its expected position pays only the initial margin
    assert requirement(position, position, PRICES, PARAMS) == 2_330_000_000_000_000_001
    # a flat participant that expected to be short still owes the deviation margin
    assert requirement({}, {"b": -2.0}, PRICES, PARAMS) == 2 * WAD  # 10 tokens × 20 %


def test_state_boundaries_are_exact() -> None:
    def state(collateral: int, required: int, restricted: bool = False) -> CollateralStatus:
        return classify(
            ALICE, collateral=collateral, required=required, params=PARAMS, restricted=restricted
        ).state

    assert state(120, 100) == OK  # excess 20 = 20 % of 100: not below the buffer
    assert state(121, 101) == OK  # trigger ⌊101 × 20 %⌋ = 20 wei, not 20.2: excess 20 is ok
    assert state(119, 100) == WARNING
    assert state(100, 100) == WARNING  # no excess at all, but not below
    assert state(99, 100) == BELOW
    assert state(0, 1) == BELOW
    assert state(99, 100, restricted=True) == RESTRICTED
    below = classify(ALICE, collateral=99, required=100, params=PARAMS, restricted=False)
    assert (below.participant, below.collateral, below.requirement) == (ALICE, 99, 100)
    assert below.excess == -1
    assert below.must_cut
    warned = classify(ALICE, collateral=119, required=100, params=PARAMS, restricted=False)
    assert warned.excess == 19
    assert warned.warning_trigger == 20  # ⌊100 × 2 000 / 10 000⌋
    assert warned.warning_buffer_bps == 2_000
    assert not warned.must_cut
    assert classify(ALICE, collateral=5, required=0, params=PARAMS, restricted=True).must_cut


def test_towards_balance_for_short_and_mixed_positions() -> None:
    # short 3 a, long 1 b; portfolio (1 a, 2 b): w·p = −3 + 2 = −1, w·w = 5, x* = 0.2
    assert towards_balance({"a": -3.0, "b": 1.0}, {"a": 1.0, "b": 2.0}) == (0.0, 0.2)
    # the same position against the negated portfolio: x* = −0.2
    assert towards_balance({"a": -3.0, "b": 1.0}, {"a": -1.0, "b": -2.0}) == (-0.2, 0.0)
    # short 4 a, portfolio 2 a: x* = 8 / 4 = 2 (buys back exactly to flat)
    assert towards_balance({"a": -4.0}, {"a": 2.0}) == (0.0, 2.0)
    assert towards_balance({}, {"a": 1.0}) == (0.0, 0.0)  # already flat


def test_clip_curve_keeps_inner_points_and_interpolates_both_ends() -> None:
    curve = [[-6.0, 20.0], [-2.0, 12.0], [0.0, 10.0], [3.0, 4.0], [5.0, 0.0]]
    # [−4, 4]: −4 lies on (−6, 20)–(−2, 12) at 16; 4 on (3, 4)–(5, 0) at 2
    assert clip_curve(curve, -4.0, 4.0) == [
        [-4.0, 16.0],
        [-2.0, 12.0],
        [0.0, 10.0],
        [3.0, 4.0],
        [4.0, 2.0],
    ]
    # ends exactly on points keep those points' prices
    assert clip_curve(curve, -2.0, 3.0) == [[-2.0, 12.0], [0.0, 10.0], [3.0, 4.0]]
    assert clip_curve(curve, 0.0, 1.5) == [[0.0, 10.0], [1.5, 7.0]]
    assert clip_curve(curve, 0.0, 0.0) is None
    # unsorted input points are sorted by quantity first
    assert clip_curve([[2.0, 1.0], [0.0, 5.0]], 0.0, 1.0) == [[0.0, 5.0], [1.0, 3.0]]
