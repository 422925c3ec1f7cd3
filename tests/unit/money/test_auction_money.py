"""Rules 5 and 6 of money.py: clock-auction payments and expansion cost shares."""

from __future__ import annotations

import pytest

from flowmarket.errors import InvalidInput
from flowmarket.money import WAD, auction_payment, cost_shares


def test_clock_payment_floors_price_times_quantity_to_the_wei() -> None:
    assert auction_payment(11 * WAD, 4 * WAD) == 44 * WAD
    assert auction_payment(3, WAD // 2) == 1  # 1.5 wei → 1
    assert auction_payment(10**18 + 1, 3) == 3  # 3.000…003 wei → 3


def test_cost_shares_sum_to_the_cost_and_give_rounding_wei_to_largest_remainders() -> None:
    # 100 wei over weights 1, 1, 1: exact 33.33 each; one lost wei to the first by address.
    assert cost_shares(100, {"b": 1, "a": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    # 10 over 1, 2: exact 3.33 and 6.67 → floors 3 + 6, the wei to the larger remainder.
    assert cost_shares(10, {"x": 1, "y": 2}) == {"x": 3, "y": 7}


def test_cost_shares_skip_a_winner_whose_bid_is_exhausted() -> None:
    assert cost_shares(10, {"x": 1, "y": 2}, {"x": 100, "y": 6}) == {"x": 4, "y": 6}
    with pytest.raises(InvalidInput, match="exceed every winner's bid"):
        cost_shares(10, {"x": 1, "y": 2}, {"x": 3, "y": 6})
