"""The governed clearing engine on a local node (docs/engine-versions.md): the timelock
moves the market from engine 1 to engine 2; the change starts with the first hour whose
bidding window opens after it, every earlier hour keeps engine 1, and engine 0 and anyone
but the timelock are refused."""

from __future__ import annotations

from market_harness import Market

PARAMS = "MarketParameters"


def test_the_timelock_moves_the_market_to_engine_2_from_the_next_hour(market: Market) -> None:
    now = market.now()
    open_hour = now // 3600 + 1  # the hour being bid for now
    assert market.view(PARAMS, "clearingEngine") == 1
    assert market.view(PARAMS, "clearingEngineAt", open_hour + 1) == 1

    receipt = market.send("timelock", PARAMS, "setClearingEngine", 2)
    [event] = market.events(receipt, PARAMS, "ClearingEngineUpdated")
    block_time = int(market.w3.eth.get_block(receipt["blockNumber"])["timestamp"])
    from_hour = block_time // 3600 + 2
    assert event == {"oldEngine": 1, "newEngine": 2, "fromHour": from_hour}
    assert market.view(PARAMS, "clearingEngineAt", from_hour - 1) == 1
    assert market.view(PARAMS, "clearingEngineAt", from_hour) == 2
    assert market.view(PARAMS, "clearingEngine") == 1  # the open hour keeps its own

    market.advance((from_hour - 1) * 3600 - market.now() + 1)  # hour from_hour is open
    assert market.view(PARAMS, "clearingEngine") == 2
    assert market.view(PARAMS, "clearingEngineAt", from_hour - 1) == 1  # history kept


def test_engine_0_and_a_stranger_are_refused(market: Market) -> None:
    with market.reverts("ParametersClearingEngineInvalid"):
        market.send("timelock", PARAMS, "setClearingEngine", 0)
    with market.reverts("OwnableUnauthorizedAccount"):
        market.send("alice", PARAMS, "setClearingEngine", 2)
    assert market.view(PARAMS, "clearingEngineAt", 2**64 - 1) == 1
