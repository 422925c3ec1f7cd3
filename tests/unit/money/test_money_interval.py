"""Rule 8 (money.py, docs/schedule.md): an interval shorter than an hour delivers the
cleared rates times its length; the amounts below were worked out by hand.

Binary values (exact): 1.1 is 1.1000000000000000888178…, 1 100 000 000 000 000 089 wei;
0.1 is 0.1000000000000000055511151231257827021181583404541015625; 2^-17 · 10^18 / 4 =
5^18 / 2 = 1 907 348 632 812.5 — an exact tie.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_money import cleared_hours

from flowmarket.errors import FieldError
from flowmarket.money import MANY, WAD, hour_amounts, interval_quantities, interval_quantity
from flowmarket.schedule import (
    ALLOWED_INTERVALS_S,
    interval_closes,
    interval_wad,
    intervals_per_hour,
    intervals_per_week,
)

THREE_GB_PER_HOUR_AT_1_1: dict[str, Any] = {
    "prices": {"premium": 1.1},
    "participants": {
        "ann": {"trades": {"premium": 3.0}},
        "bob": {"trades": {"premium": -3.0}},
    },
}


def test_a_quarter_hour_delivers_a_quarter_of_the_rate_and_pays_for_it_to_the_wei() -> None:
    # 3 GB/h for 15 minutes = 0.75 GB. Value 0.75 × 1 100 000 000 000 000 089
    # = 825 000 000 000 000 066.75 wei: ann's floor −…067 (remainder .25), bob's …066
    # (remainder .75): the one wei the floors lose goes to bob. Fee at 25 bps: traded value
    # ⌊…066.75⌋ = …066 wei × 25 / 10 000 = 2 062 500 000 000 000.165 → 2 062 500 000 000 000.
    amounts = hour_amounts(THREE_GB_PER_HOUR_AT_1_1, fee_bps=25, interval_s=900)
    assert amounts.prices == {"premium": 1_100_000_000_000_000_089}
    assert amounts.trades == {
        "ann": {"premium": 750_000_000_000_000_000},
        "bob": {"premium": -750_000_000_000_000_000},
    }
    assert amounts.cash == {"ann": -825_000_000_000_000_067, "bob": 825_000_000_000_000_067}
    assert amounts.fees == {"ann": 2_062_500_000_000_000, "bob": 2_062_500_000_000_000}
    assert amounts.net_cash == {
        "ann": -827_062_500_000_000_067,
        "bob": 822_937_500_000_000_067,
    }


def test_four_quarter_hours_are_rounded_each_on_their_own() -> None:
    # The same rate for an hour: 3 300 000 000 000 000 267 wei (test_money_known_answers);
    # four quarter-hours pay 4 × 825 000 000 000 000 067 = 3 300 000 000 000 000 268: each
    # interval is its own settlement entry, rounded to the wei on its own.
    hourly = hour_amounts(THREE_GB_PER_HOUR_AT_1_1, fee_bps=0)
    quarter = hour_amounts(THREE_GB_PER_HOUR_AT_1_1, fee_bps=0, interval_s=900)
    assert hourly.cash["bob"] == 3_300_000_000_000_000_267
    assert 4 * quarter.cash["bob"] == 3_300_000_000_000_000_268


def test_a_minute_of_a_rate_that_is_no_whole_number_of_wei() -> None:
    # 0.1 GB/h for 60 s: 100 000 000 000 000 005.551115… / 60 = 1 666 666 666 666 666.759…
    # → 1 666 666 666 666 667 (10^-18 GB).
    assert interval_wad(0.1, 60) == 1_666_666_666_666_667
    assert interval_wad(-0.1, 60) == -1_666_666_666_666_667
    # 2^-17 GB/h for 15 minutes is exactly …812.5: ties go to the even …812.
    assert interval_wad(2.0**-17, 900) == 1_907_348_632_812
    assert interval_wad(3 * 2.0**-17, 900) == 5_722_045_898_438  # …437.5 → even …438


@settings(max_examples=200, deadline=None)
@given(result=cleared_hours(), fee_bps=st.integers(min_value=0, max_value=10_000))
def test_an_hourly_interval_is_the_hourly_rule_to_the_wei(
    result: dict[str, object], fee_bps: int
) -> None:
    assert hour_amounts(result, fee_bps=fee_bps, interval_s=3600) == hour_amounts(
        result, fee_bps=fee_bps
    )


@settings(max_examples=200, deadline=None)
@given(
    result=cleared_hours(),
    fee_bps=st.integers(min_value=0, max_value=10_000),
    interval_s=st.sampled_from(ALLOWED_INTERVALS_S),
)
def test_every_interval_sums_to_exactly_zero_within_a_wei_of_exact(
    result: dict[str, Any], fee_bps: int, interval_s: int
) -> None:
    amounts = hour_amounts(result, fee_bps=fee_bps, interval_s=interval_s)
    for product in amounts.prices:
        assert sum(book.get(product, 0) for book in amounts.trades.values()) == 0
    assert sum(amounts.cash.values()) == 0
    assert sum(amounts.net_cash.values()) + amounts.total_fees == 0
    for participant, book in amounts.trades.items():
        exact = -sum(amounts.prices[k] * q for k, q in book.items())
        assert abs(amounts.cash[participant] * WAD - exact) < WAD
        for product, rate in (
            result["participants"].get(participant, {"trades": {}})["trades"].items()
        ):
            # each quantity is the rate's interval share, moved at most by its share of
            # the balancing residual: the generator's imbalance (≤ 10^-8 GB/h) over the
            # interval, plus a 10^-18 GB of rounding per trader
            bound = 10**10 * interval_s // 3600 + len(amounts.trades)
            if product in book:
                assert abs(book[product] - interval_wad(float(rate), interval_s)) <= bound


def test_the_schedule_counts_intervals_hours_and_weeks() -> None:
    assert ALLOWED_INTERVALS_S == (60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600)
    assert [intervals_per_hour(s) for s in (3600, 900, 60)] == [1, 4, 60]
    assert [intervals_per_week(s) for s in (3600, 900, 300, 60)] == [168, 672, 2016, 10_080]
    # delivery hour 10 starts at 36 000 s; its quarter-hours clear as each one starts
    assert interval_closes(10, 900) == [36_000, 36_900, 37_800, 38_700]
    assert interval_closes(10, 3600) == [36_000]


def test_interval_quantities_of_many_rates_are_the_hand_values_one_by_one() -> None:
    # 1.1 GB/h: 1 100 000 000 000 000 089 wei an hour (binary 1.1, module docstring);
    # 0.25 of it for a quarter hour = 275 000 000 000 000 022.25 → …022. 2^-17 GB/h for a
    # quarter hour is the exact tie …812.5 → …812 (even). Enough rates for the batch path.
    rates = [1.1, -1.1, 2.0**-17] * MANY
    hourly = interval_quantities(rates, 3600)
    quarter = interval_quantities(rates, 900)
    assert hourly[:3] == [1_100_000_000_000_000_089, -1_100_000_000_000_000_089, 7_629_394_531_250]
    assert quarter[:3] == [275_000_000_000_000_022, -275_000_000_000_000_022, 1_907_348_632_812]
    assert hourly == [interval_quantity(rate, 3600) for rate in rates]
    assert quarter == [interval_quantity(rate, 900) for rate in rates]
    with pytest.raises(FieldError, match="clearing_interval_s"):
        interval_quantities(rates, 450)


@pytest.mark.parametrize("bad", [0, 59, 61, 90, 450, 2700, 3601, 7200, -900])
def test_an_interval_that_does_not_divide_an_hour_in_whole_minutes_is_refused(bad: int) -> None:
    with pytest.raises(FieldError) as caught:
        interval_quantity(1.0, bad)
    assert caught.value.field == "clearing_interval_s"
    assert f"{bad} s is not a whole number of minutes dividing an hour" in str(caught.value)
