"""money.py on inputs whose answers were worked out by hand: exact ties, fees and cash
that are not a whole number of wei, and the largest-remainder hand-outs.

Binary values used below (exact): 2^-19 = 1.9073486328125e-06, so 2^-19 · 10^18 =
5^18 / 2 = 1 907 348 632 812.5 — an exact tie; 3 · 2^-19 · 10^18 = 5 722 045 898 437.5.
The float 0.1 is 0.1000000000000000055511151231257827…, so 0.1 token is
100 000 000 000 000 006 wei (…005.55 rounds up); 1.1 is 1.1000000000000000888178…,
1 100 000 000 000 000 089 wei; 0.3 is 0.29999999999999998889776975…, 299 999 999 999 999 989.
"""

from __future__ import annotations

from flowmarket.money import hour_amounts, to_wad


def test_an_exact_tie_rounds_to_the_even_wei() -> None:
    assert to_wad(2.0**-19) == 1_907_348_632_812  # …812.5 → the even 812, not 813
    assert to_wad(3 * 2.0**-19) == 5_722_045_898_438  # …437.5 → the even 438, not 437
    assert to_wad(-(2.0**-19)) == -1_907_348_632_812  # ties to even on both sides of 0
    assert to_wad(-3 * 2.0**-19) == -5_722_045_898_438
    assert to_wad(2.0**-60) == 1  # 0.867 wei: nearest is 1, not 0
    assert to_wad(0.5) == 500_000_000_000_000_000


def test_a_fee_that_is_not_a_whole_wei_is_floored() -> None:
    # ann buys 3 GB from bob at 1.1 tokens: traded value 3 × 1 100 000 000 000 000 089
    # = 3 300 000 000 000 000 267 wei each; fee at 25 bps = 8 250 000 000 000 000.6675 wei.
    result = {
        "prices": {"premium": 1.1},
        "participants": {
            "ann": {"trades": {"premium": 3.0}},
            "bob": {"trades": {"premium": -3.0}},
        },
    }
    amounts = hour_amounts(result, fee_bps=25)
    assert amounts.prices == {"premium": 1_100_000_000_000_000_089}
    assert amounts.trades == {
        "ann": {"premium": 3_000_000_000_000_000_000},
        "bob": {"premium": -3_000_000_000_000_000_000},
    }
    assert amounts.cash == {"ann": -3_300_000_000_000_000_267, "bob": 3_300_000_000_000_000_267}
    assert amounts.fees == {"ann": 8_250_000_000_000_000, "bob": 8_250_000_000_000_000}
    assert amounts.total_fees == 16_500_000_000_000_000
    assert amounts.net_cash == {
        "ann": -3_308_250_000_000_000_267,
        "bob": 3_291_750_000_000_000_267,
    }
    assert amounts.fee_bps == 25


def test_cash_that_is_not_a_whole_wei_goes_to_the_nearest_wei_summing_to_zero() -> None:
    # 0.3 GB at 0.1 token: exact value 100 000 000 000 000 006 × 299 999 999 999 999 989
    # = 30 000 000 000 000 000 .699 999 999 999 999 934 wei. Floors: ann −…001, bob …000;
    # the one lost wei goes to the larger remainder (bob's .70 over ann's .30).
    result = {
        "prices": {"regular": 0.1},
        "participants": {
            "ann": {"trades": {"regular": 0.3}},
            "bob": {"trades": {"regular": -0.3}},
        },
    }
    amounts = hour_amounts(result, fee_bps=7)
    assert amounts.prices == {"regular": 100_000_000_000_000_006}
    assert amounts.trades["ann"] == {"regular": 299_999_999_999_999_989}
    assert amounts.cash == {"ann": -30_000_000_000_000_001, "bob": 30_000_000_000_000_001}
    # traded value floored to 30 000 000 000 000 000 wei; × 7 / 10 000 = 21 000 000 000 000
    assert amounts.fees == {"ann": 21_000_000_000_000, "bob": 21_000_000_000_000}


def test_a_sign_mixed_book_with_a_negative_price_pays_each_side_exactly() -> None:
    # Two products: premium at 2.5 tokens, regular at −0.5 (holders pay to be rid of it).
    # ann buys 2 premium and 4 regular; bob sells 2 premium; cat sells 4 regular.
    # ann's exact cash: −(2.5 × 2 + (−0.5) × 4) = −3 tokens; bob +5; cat −2.
    # Traded value is Σ |price × trade|: ann 5 + 2 = 7, bob 5, cat 2 tokens; fee 30 bps.
    result = {
        "prices": {"premium": 2.5, "regular": -0.5},
        "participants": {
            "ann": {"trades": {"premium": 2.0, "regular": 4.0}},
            "bob": {"trades": {"premium": -2.0}},
            "cat": {"trades": {"regular": -4.0}},
        },
    }
    amounts = hour_amounts(result, fee_bps=30)
    token = 10**18
    assert amounts.cash == {"ann": -3 * token, "bob": 5 * token, "cat": -2 * token}
    assert amounts.fees == {
        "ann": 21_000_000_000_000_000,  # 7 tokens × 0.003
        "bob": 15_000_000_000_000_000,
        "cat": 6_000_000_000_000_000,
    }
    assert amounts.net_cash == {
        "ann": -3_021_000_000_000_000_000,
        "bob": 4_985_000_000_000_000_000,
        "cat": -2_006_000_000_000_000_000,
    }


def test_a_residual_of_a_few_units_goes_by_largest_remainder_then_by_name() -> None:
    # Trades of 1e-18 GB units: ann +5, bob −1, cat −1, dan −1 (to_wad of 5e-18 etc. is 5:
    # 5e-18 is 5.0000000000000000597e-18). Residual −2 to absorb, weight 8:
    # shares ann 10/8 → 1 r2, bob/cat/dan 2/8 → 0 r2 each; one unit left, all remainders
    # equal, so it goes to the first name: ann. ann takes −2 → +3; the others stay −1.
    result = {
        "prices": {"premium": 1.0},
        "participants": {
            "ann": {"trades": {"premium": 5e-18}},
            "bob": {"trades": {"premium": -1e-18}},
            "cat": {"trades": {"premium": -1e-18}},
            "dan": {"trades": {"premium": -1e-18}},
        },
    }
    amounts = hour_amounts(result, fee_bps=0)
    assert {p: book["premium"] for p, book in amounts.trades.items()} == {
        "ann": 3,
        "bob": -1,
        "cat": -1,
        "dan": -1,
    }


def test_the_residual_goes_to_the_largest_remainder_not_the_first_name() -> None:
    # ann +1, bob +2, cat −6 units: residual +3 over weight 9; shares 3, 6, 18 → bases
    # 0, 0, 2 with remainders 3, 6, 0: the one unit left goes to bob (remainder 6).
    result = {
        "prices": {"premium": 1.0},
        "participants": {
            "ann": {"trades": {"premium": 1e-18}},
            "bob": {"trades": {"premium": 2e-18}},
            "cat": {"trades": {"premium": -6e-18}},
        },
    }
    trades = hour_amounts(result, fee_bps=0).trades
    assert trades == {"ann": {"premium": 1}, "bob": {"premium": 3}, "cat": {"premium": -4}}


def test_a_lone_unit_trade_is_absorbed_and_zero_trades_are_left_out() -> None:
    # premium: only ann trades, 1 unit: the residual −1 takes it to 0, so it disappears;
    # regular: bob trades exactly 0 and cat/dan one unit each way.
    result = {
        "prices": {"premium": 3.0, "regular": 2.0},
        "participants": {
            "ann": {"trades": {"premium": 1e-18}},
            "bob": {"trades": {"regular": 0.0}},
            "cat": {"trades": {"regular": 1e-18}},
            "dan": {"trades": {"regular": -1e-18}},
        },
    }
    amounts = hour_amounts(result, fee_bps=0)
    assert amounts.trades == {
        "ann": {},
        "bob": {},
        "cat": {"regular": 1},
        "dan": {"regular": -1},
    }
    # 10^-18 GB at 2 tokens/GB = 2 wei
    assert amounts.cash == {"ann": 0, "bob": 0, "cat": -2, "dan": 2}
