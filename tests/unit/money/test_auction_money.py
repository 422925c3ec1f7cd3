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


def test_a_zero_price_or_quantity_pays_nothing_and_a_negative_one_is_refused() -> None:
    assert auction_payment(0, 5 * WAD) == 0
    assert auction_payment(5 * WAD, 0) == 0
    for price, quantity in ((-1, WAD), (WAD, -1)):
        with pytest.raises(InvalidInput, match=rf"^auction payment of {quantity} at {price}: both"):
            auction_payment(price, quantity)


def test_cost_shares_of_edge_costs_and_weights() -> None:
    assert cost_shares(0, {"a": 1, "b": 3}) == {"a": 0, "b": 0}  # nothing to share
    assert cost_shares(5, {"a": 1}) == {"a": 5}  # a lone winner of weight 1 pays it all
    for cost, weights in ((-1, {"a": 1}), (5, {"a": 1, "b": 0}), (5, {"a": 2, "b": -1})):
        with pytest.raises(InvalidInput, match=r"^cost shares of -?\d+ over weights \{"):
            cost_shares(cost, weights)


def test_the_rounding_wei_goes_by_remainder_not_by_size() -> None:
    # 4 wei over weights 1 and 4: exact 0.8 and 3.2 → floors 0 + 3; x's remainder (0.8) is
    # the larger although y's share is, so the lost wei is x's.
    assert cost_shares(4, {"x": 1, "y": 4}) == {"x": 1, "y": 3}


def test_a_winner_missing_from_the_headroom_has_none() -> None:
    # 1 wei over two equal weights: "a" would get it first by name, but it has no headroom.
    assert cost_shares(1, {"a": 1, "b": 1}, {"b": 5}) == {"a": 0, "b": 1}
