"""Governance changes the clearing interval from 60 to 15 minutes (docs/schedule.md),
through the CLI, on a local node: a length that does not divide an hour is refused before
anything is proposed; the proposal passes, is queued and executes; the change starts with
the first hour whose bidding opens after it; the oracle clears the hours before that one
as hours and stops, with an alert, before the first quarter-hourly one (it does not clear
intervals yet) instead of clearing it as an hour."""

from __future__ import annotations

import re

import pytest
from journey_market import Journey

from flowmarket.db import oracle_repo
from flowmarket.errors import ScheduleUnsupported
from flowmarket.money import WAD


def test_governance_moves_the_market_to_quarter_hours_from_the_next_hour_boundary(
    journey: Journey,
) -> None:
    j = journey
    alice, bob = j.wallet("alice"), j.wallet("bob")
    j.give_votes("alice", 100_000 * WAD)
    j.give_votes("bob", 20_000 * WAD)
    j.mine(1)

    refusal = j.refused(
        "governance", "propose", "--clearing-interval", "45", "--description", "45 min",
        *alice, "--yes",
    )  # fmt: skip
    assert "clearing_interval_s: 2700 s is not a whole number of minutes dividing an hour" in (
        refusal
    )
    out = j.ok(
        "governance", "propose", "--clearing-interval", "15",
        "--description", "Clear every quarter-hour", *alice, "--yes",
    )  # fmt: skip
    assert "clear every 15 minutes instead of every 60" in out
    proposal = re.search(r"proposal ([0-9]+) created", out)
    assert proposal, out
    pid = proposal.group(1)
    j.mine(2)  # past the voting delay
    j.ok("governance", "vote", pid, "for", *alice, "--yes")
    j.ok("governance", "vote", pid, "against", *bob, "--yes")
    j.mine(51)  # past the voting period
    j.ok("governance", "queue", pid, *bob, "--yes")
    j.advance(61)  # past the timelock delay
    out = j.ok("governance", "execute", pid, *alice, "--yes")
    assert out.strip().endswith("is Executed")

    params = j.contract("MarketParameters")
    [log] = params.events.ClearingIntervalUpdated().get_logs(from_block=0)
    executed_at = int(j.w3.eth.get_block(log["blockNumber"])["timestamp"])
    from_hour = executed_at // 3600 + 2
    assert dict(log["args"]) == {"oldSeconds": 3600, "newSeconds": 900, "fromHour": from_hour}
    assert from_hour > j.hour  # the genesis hour, open when the market started, keeps 60
    for hour in range(j.hour, from_hour):
        assert j.view("MarketParameters", "clearingIntervalAt", hour) == 3600
    assert j.view("MarketParameters", "clearingIntervalAt", from_hour) == 900

    # The hours before the change clear, commit and publish as hours.
    _close(j, from_hour - 1)
    assert j.oracle.tick(now=j.clock.now) == from_hour - j.hour
    ledger = j.contract("ClearingLedger").functions
    assert ledger.nextHour().call() == from_hour
    # The first quarter-hourly hour is not cleared as an hour: the oracle stops, alerts,
    # and journals nothing for it.
    _close(j, from_hour)
    with pytest.raises(ScheduleUnsupported, match=rf"hour {from_hour}: .* to 900 s \(4 clearings"):
        j.oracle.tick(now=j.clock.now)
    assert ledger.nextHour().call() == from_hour
    assert j.oracle.next_hour() == from_hour
    with j.oracle.ctx.session() as session:
        kinds = [(a.kind, a.hour) for a in oracle_repo.recent_alerts(session)]
    assert ("clearing-interval", from_hour) in kinds


def _close(j: Journey, hour: int) -> None:
    """Close `hour` on the API's clock and bring the chain's clock to it."""
    j.clock.close(hour)
    now = int(j.clock.now)
    if int(j.w3.eth.get_block("latest")["timestamp"]) < now:
        j.w3.provider.make_request("evm_setNextBlockTimestamp", [now])  # type: ignore[arg-type]
        j.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
