"""The governed clearing interval on a local node (docs/schedule.md): the timelock
changes it from 60 to 15 minutes; the change starts with the first hour whose bidding
window opens after it, every earlier hour keeps 60 minutes, and anyone else is refused."""

from __future__ import annotations

from market_harness import Market

PARAMS = "MarketParameters"


def test_the_timelock_moves_the_market_from_hourly_to_quarter_hourly(market: Market) -> None:
    now = market.now()
    open_hour = now // 3600 + 1  # the hour being bid for now
    assert market.view(PARAMS, "clearingInterval") == 3600
    assert market.view(PARAMS, "clearingIntervalAt", open_hour + 1) == 3600

    receipt = market.send("timelock", PARAMS, "setClearingInterval", 900)
    [event] = market.events(receipt, PARAMS, "ClearingIntervalUpdated")
    block_time = int(market.w3.eth.get_block(receipt["blockNumber"])["timestamp"])
    from_hour = block_time // 3600 + 2
    assert event == {"oldSeconds": 3600, "newSeconds": 900, "fromHour": from_hour}
    assert market.view(PARAMS, "clearingIntervalAt", from_hour - 1) == 3600
    assert market.view(PARAMS, "clearingIntervalAt", from_hour) == 900
    assert market.view(PARAMS, "clearingInterval") == 3600  # the open hour keeps its own

    market.advance((from_hour - 1) * 3600 - market.now() + 1)  # hour from_hour is open
    assert market.view(PARAMS, "clearingInterval") == 900
    assert market.view(PARAMS, "clearingIntervalAt", from_hour - 1) == 3600  # history kept


def test_a_length_that_does_not_divide_an_hour_and_a_stranger_are_refused(
    market: Market,
) -> None:
    with market.reverts("ParametersClearingIntervalInvalid"):
        market.send("timelock", PARAMS, "setClearingInterval", 2700)
    with market.reverts("OwnableUnauthorizedAccount"):
        market.send("alice", PARAMS, "setClearingInterval", 900)
    assert market.view(PARAMS, "clearingIntervalAt", 2**64 - 1) == 3600
