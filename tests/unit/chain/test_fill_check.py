"""The fill check's arithmetic against values computed by hand (docstring of
`flowmarket.chain.fill_check`: slack 10^-6 of max(1, |P|) in price and of max(1, max |q|)
in quantity, 18-decimal fixed point)."""

from __future__ import annotations

import pytest

from flowmarket.chain.fill_check import judge_fill

W = 10**18


def test_alice_at_9_2_is_on_her_curve_within_the_slack() -> None:
    # curve (0, 10) → (5, 9); P = 9.2, price slack 9.2e12. At 9.2 + 9.2e-6 the curve gives
    # 5 × (10 − 9.2000092) = 3.999954 GB, at 9.2 − 9.2e-6 4.000046; quantity slack 5e-6.
    judged = judge_fill(4 * W, [W], [0, 5 * W], [10 * W, 9 * W], [92 * W // 10])
    assert judged.portfolio_price == 92 * W // 10
    assert (judged.lowest, judged.highest) == (3_999_949 * 10**12, 4_000_051 * 10**12)
    assert not judged.off_curve
    assert judge_fill(
        4_000_051 * 10**12 + 1, [W], [0, 5 * W], [10 * W, 9 * W], [92 * W // 10]
    ).off_curve


def test_bob_selling_4_at_9_2_is_off_his_curve() -> None:
    # curve (−5, 2) → (0, 1): at any price above 2 all 5 are sold.
    judged = judge_fill(-4 * W, [W], [-5 * W, 0], [2 * W, W], [92 * W // 10])
    assert (judged.lowest, judged.highest) == (-5 * W - 5 * 10**12, -5 * W + 5 * 10**12)
    assert judged.off_curve
    assert not judge_fill(-5 * W, [W], [-5 * W, 0], [2 * W, W], [92 * W // 10]).off_curve


def test_a_flat_piece_allows_its_whole_range_at_its_price() -> None:
    # (0, 5) → (3, 5): at 5 any quantity in [0, 3]; quantity slack 3e-6.
    curve = ([0, 3 * W], [5 * W, 5 * W])
    judged = judge_fill(2 * W, [W], *curve, [5 * W])
    assert (judged.lowest, judged.highest) == (-3 * 10**12, 3 * W + 3 * 10**12)
    assert not judged.off_curve
    assert judge_fill(31 * W // 10, [W], *curve, [5 * W]).off_curve


def test_a_single_point_curve_trades_nothing() -> None:
    assert not judge_fill(10**12, [W], [0], [4 * W], [9 * W]).off_curve
    assert judge_fill(10**12 + 1, [W], [0], [4 * W], [9 * W]).off_curve


def test_a_spread_portfolio_prices_by_its_weights() -> None:
    # weights (1, −1) at prices (7, 3): P = 4; curve (−2, 6) → (2, 2) gives 0 at 4.
    judged = judge_fill(0, [W, -W], [-2 * W, 2 * W], [6 * W, 2 * W], [7 * W, 3 * W])
    assert judged.portfolio_price == 4 * W
    assert not judged.off_curve
    assert judge_fill(W // 1000, [W, -W], [-2 * W, 2 * W], [6 * W, 2 * W], [7 * W, 3 * W]).off_curve


def test_the_portfolio_price_truncates_toward_zero_like_solidity() -> None:
    # −0.5 × (3e18 + 1) = −1.5e36 − 0.5e18 → /1e18 = −1.5e18 − 0.5 → −1.5e18 (not −1.5e18 − 1).
    judged = judge_fill(0, [-W // 2], [-W, W], [W, -W], [3 * W + 1])
    assert judged.portfolio_price == -15 * 10**17


@pytest.mark.parametrize(
    ("weights", "quantities", "prices"),
    [
        ([W], [0, 5 * W], [9 * W, 10 * W]),  # price rises with quantity
        ([W], [5 * W, 0], [10 * W, 9 * W]),  # quantities not increasing
        ([W], [W, 5 * W], [10 * W, 9 * W]),  # 0 outside the range
        ([W], [0, W], [W]),  # lengths differ
        ([], [0], [W]),  # empty portfolio
        ([W], list(range(0, 65 * W, W)), [W] * 65),  # 65 points
    ],
)
def test_terms_the_market_never_accepts_are_a_fault(
    weights: list[int], quantities: list[int], prices: list[int]
) -> None:
    judged = judge_fill(0, weights, quantities, prices, [W] * len(weights))
    assert judged.off_curve and judged.malformed


def test_the_price_slack_grows_with_the_governed_highest_order_price() -> None:
    # The flat piece (0, 5) → (3, 5) at P = 4.9995: without a price cap the curve gives 3
    # (everything below 5 buys the whole piece); with a cap of 1 000 tokens the slack is
    # 1e-3, which reaches 5: the whole piece, 0 included, is allowed.
    curve = ([0, 3 * W], [5 * W, 5 * W])
    price = 49_995 * W // 10_000
    assert judge_fill(0, [W], *curve, [price]).off_curve
    judged = judge_fill(0, [W], *curve, [price], 1_000 * W)
    assert not judged.off_curve
    assert judged.lowest == -3 * 10**12
