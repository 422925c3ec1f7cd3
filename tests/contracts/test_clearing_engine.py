"""The governed clearing engine on a local node (docs/engine-versions.md): the market starts
on the engine its deployment named (engine 1 for these tests' market: `conftest`) and says
so in an event at its construction; the timelock moves it to engine 2; the change starts
with the first hour whose bidding window opens after it, every earlier hour keeps the
initial engine, and engine 0 and anyone but the timelock are refused. A new deployment's
default engine, the newest, is tested with `flowmarket deploy` (test_deploy_command.py)."""

from __future__ import annotations

from market_harness import TEST_MARKET_ENGINE as INITIAL
from market_harness import Market

PARAMS = "MarketParameters"


def test_the_market_starts_on_its_deployments_engine_and_says_so(market: Market) -> None:
    assert market.view(PARAMS, "initialClearingEngine") == INITIAL
    assert market.view(PARAMS, "clearingEngine") == INITIAL
    assert market.view(PARAMS, "clearingEngineAt", 0) == INITIAL
    events = market.contract(PARAMS).events.ClearingEngineUpdated.get_logs(
        from_block=market.deployment.block_number - 1
    )
    first = dict(events[0]["args"])
    assert first == {"oldEngine": 0, "newEngine": INITIAL, "fromHour": 0}


def test_the_timelock_moves_the_market_to_engine_2_from_the_next_hour(market: Market) -> None:
    now = market.now()
    open_hour = now // 3600 + 1  # the hour being bid for now
    assert market.view(PARAMS, "clearingEngine") == INITIAL
    assert market.view(PARAMS, "clearingEngineAt", open_hour + 1) == INITIAL

    receipt = market.send("timelock", PARAMS, "setClearingEngine", 2)
    [event] = market.events(receipt, PARAMS, "ClearingEngineUpdated")
    block_time = int(market.w3.eth.get_block(receipt["blockNumber"])["timestamp"])
    from_hour = block_time // 3600 + 2
    assert event == {"oldEngine": INITIAL, "newEngine": 2, "fromHour": from_hour}
    assert market.view(PARAMS, "clearingEngineAt", from_hour - 1) == INITIAL
    assert market.view(PARAMS, "clearingEngineAt", from_hour) == 2
    assert market.view(PARAMS, "clearingEngine") == INITIAL  # the open hour keeps its own

    market.advance((from_hour - 1) * 3600 - market.now() + 1)  # hour from_hour is open
    assert market.view(PARAMS, "clearingEngine") == 2
    assert market.view(PARAMS, "clearingEngineAt", from_hour - 1) == INITIAL  # history kept
    assert market.view(PARAMS, "initialClearingEngine") == INITIAL


def test_engine_0_and_a_stranger_are_refused(market: Market) -> None:
    with market.reverts("ParametersClearingEngineInvalid"):
        market.send("timelock", PARAMS, "setClearingEngine", 0)
    with market.reverts("OwnableUnauthorizedAccount"):
        market.send("alice", PARAMS, "setClearingEngine", 2)
    assert market.view(PARAMS, "clearingEngineAt", 2**64 - 1) == INITIAL
