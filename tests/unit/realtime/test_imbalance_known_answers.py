"""Imbalance settlement by hand (money rule 7): tokens per GB, GB, wei."""

from __future__ import annotations

import pytest

from flowmarket.errors import InvalidInput
from flowmarket.money import WAD, balance_imbalances, imbalance_cash
from flowmarket.realtime import DeliveryCell, settle_hour

GB = WAD
OPERATOR = "op"


def test_usage_beyond_the_position_pays_price_plus_premium_and_unused_is_sold_back() -> None:
    # Real-time price 2 tokens/GB, imbalance premium 0.5 tokens/GB.
    price, premium = 2 * WAD, WAD // 2
    assert imbalance_cash(price=price, premium=premium, position=10 * GB, served=12 * GB) == (
        -5 * WAD  # 2 GB over: 2 × 2.5 = 5 tokens paid
    )
    assert imbalance_cash(price=price, premium=premium, position=10 * GB, served=7 * GB) == (
        6 * WAD  # 3 GB unused: 3 × 2 = 6 tokens received
    )
    assert imbalance_cash(price=price, premium=premium, position=10 * GB, served=10 * GB) == 0


def test_imbalance_cash_is_floored_so_nobody_pays_less_or_gets_more_than_exact() -> None:
    price = 3 * WAD // 2 + 1  # 1.5 tokens + 1 wei per GB
    assert imbalance_cash(price=price, premium=0, position=0, served=1) == -2  # -1.5…01 wei
    assert imbalance_cash(price=price, premium=0, position=1, served=0) == 1  # +1.5…01 wei


def test_a_throttled_hour_credits_undelivered_holdings_and_the_operator_balances() -> None:
    # Region eu: capacity 100 GB. Premium: ann holds 30, uses 30. Regular: bob holds
    # 20 and demands 60, cat holds 0 and demands 40 → regular gets 70 GB: 42 and 28.
    cells = [
        DeliveryCell("eu", "premium", 4 * WAD, {"ann": 30 * GB}, {"ann": 30 * GB}),
        DeliveryCell("eu", "regular", 2 * WAD, {"bob": 20 * GB}, {"bob": 60 * GB, "cat": 40 * GB}),
    ]
    rows, rationings, cash = settle_hour(cells, {"eu": 100 * GB}, premium=WAD, balancing=OPERATOR)
    served = {(r.service_type, r.participant): r.served for r in rows}
    assert served == {
        ("premium", "ann"): 30 * GB,
        ("regular", "bob"): 42 * GB,
        ("regular", "cat"): 28 * GB,
    }
    assert rationings["eu"].unserved("regular") == 30 * GB
    # bob: 22 GB over his 20 at 2 + 1 = 3 → pays 66; cat: 28 GB at 3 → pays 84.
    assert cash == {"bob": -66 * WAD, "cat": -84 * WAD, OPERATOR: 150 * WAD}
    assert sum(cash.values()) == 0


def test_holdings_throttled_away_are_credited_at_the_real_time_price() -> None:
    # Capacity 10 GB; premium ann uses 10; regular bob holds 5, demands 5, gets 0:
    # credited 5 GB × 3 tokens = 15 tokens, paid by the operator.
    cells = [
        DeliveryCell("eu", "premium", 3 * WAD, {"ann": 10 * GB}, {"ann": 10 * GB}),
        DeliveryCell("eu", "regular", 3 * WAD, {"bob": 5 * GB}, {"bob": 5 * GB}),
    ]
    rows, _, cash = settle_hour(cells, {"eu": 10 * GB}, premium=WAD, balancing=OPERATOR)
    bob = next(r for r in rows if r.participant == "bob")
    assert (bob.usage, bob.served, bob.cash) == (5 * GB, 0, 15 * WAD)
    assert cash == {"bob": 15 * WAD, OPERATOR: -15 * WAD}


def test_the_balancing_account_takes_minus_the_sum_and_zero_entries_are_dropped() -> None:
    assert balance_imbalances({"a": -5, "b": 7, "c": 0}, balancing=OPERATOR) == {
        "a": -5,
        "b": 7,
        OPERATOR: -2,
    }
    with pytest.raises(InvalidInput, match="balancing account"):
        balance_imbalances({OPERATOR: 1}, balancing=OPERATOR)


def test_a_region_without_capacity_or_an_operator_with_usage_is_rejected() -> None:
    cell = DeliveryCell("eu", "regular", WAD, {}, {"ann": GB})
    with pytest.raises(InvalidInput, match="capacity"):
        settle_hour([cell], {}, premium=0, balancing=OPERATOR)
    bad = DeliveryCell("eu", "regular", WAD, {}, {OPERATOR: GB})
    with pytest.raises(InvalidInput, match="balancing account"):
        settle_hour([bad], {"eu": GB}, premium=0, balancing=OPERATOR)
