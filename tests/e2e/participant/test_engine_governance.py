"""Governance moves the market to clearing engine 2 (docs/engine-versions.md), through the
CLI, on a local node: an engine this version does not run is refused before anything is
proposed; the proposal passes, is queued and executes; the change starts with the first
hour whose bidding opens after it. The market starts on engine 5, the newest (a new
deployment's default): the oracle clears the hour before the change with engine 5 and the
first hour after it with engine 2, and each published order set names its engine; anyone
re-clears both into the committed hours, and an order set published with another engine
than the chain's is caught.

The book, both hours (curves as (GB/h, tokens/GB) points, straight between them): alice
buys up to 3 GB/h of premium paying 10 down to 9 tokens/GB, bob sells up to 3 at 1 up to
1.1. All 3 GB/h trade at any price in [1.1, 9]: the hour before the change has no earlier
price, so the rule picks the one closest to 0, 1.1; the first engine-2 hour starts from
that prior (engines from 2 start the Newton stage at a nonzero prior) and keeps 1.1."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from journey_market import Journey, address

from flowmarket.backend import published as served
from flowmarket.db import oracle_repo
from flowmarket.errors import InvalidInput
from flowmarket.money import WAD
from flowmarket.oracle.publication import read_publication

A, B = address("alice"), address("bob")
INITIAL = 5  # the engine a new market starts on (the demo profile's)


def test_governance_moves_the_market_to_engine_2_and_verify_re_clears_with_it(
    journey: Journey, tmp_path: Path
) -> None:
    j = journey
    alice, bob = j.wallet("alice"), j.wallet("bob")
    j.give_votes("alice", 100_000 * WAD)
    j.mine(1)

    refusal = j.refused(
        "governance", "propose", "--clearing-engine", "6", "--description", "engine 6",
        *alice, "--yes",
    )  # fmt: skip
    assert "clearing_engine: 6 is not an engine this runs (1, 2, 3, 4, 5)" in refusal
    out = _enact(j, "--clearing-engine", "2", "--description", "Clear with engine 2")
    assert f"clear with engine 2 instead of engine {INITIAL}" in out

    params = j.contract("MarketParameters")
    started, log = params.events.ClearingEngineUpdated().get_logs(from_block=0)
    assert dict(started["args"]) == {"oldEngine": 0, "newEngine": INITIAL, "fromHour": 0}
    executed_at = int(j.w3.eth.get_block(log["blockNumber"])["timestamp"])
    from_hour = executed_at // 3600 + 2
    assert dict(log["args"]) == {"oldEngine": INITIAL, "newEngine": 2, "fromHour": from_hour}
    assert j.view("MarketParameters", "clearingEngineAt", from_hour - 1) == INITIAL
    assert j.view("MarketParameters", "clearingEngineAt", from_hour) == 2

    for who in ("alice", "bob"):
        j.mint(who, 1_000 * WAD)
        j.ok("collateral", "deposit", "1000", *j.wallet(who), "--yes")
    both = ("--from-hour", str(from_hour - 1), "--until-hour", str(from_hour))
    j.ok("order", "submit", "--portfolio", "premium=1", "--curve", "0:10,3:9", *both, *alice)
    j.ok("order", "submit", "--portfolio", "premium=1", "--curve=-3:1.1,0:1", *both, *bob)
    j.clock.close(from_hour)
    _chain_at(j, int(j.clock.now))
    assert j.oracle.tick(now=j.clock.now) == from_hour - j.hour + 1
    ledger = j.contract("ClearingLedger").functions
    assert ledger.nextHour().call() == from_hour + 1

    state = j.oracle.ctx.settings.state_dir
    for hour, engine in ((from_hour - 1, INITIAL), (from_hour, 2)):
        with j.oracle.ctx.session() as session:
            row = oracle_repo.journal_hour(session, hour=hour)
            assert row is not None and row.step == "published"
            assert row.engine_doc.get("engine") == engine
            assert served.order_set(session, hour=hour).get("engine") == engine  # the API's
        published = json.loads((state / "hours" / f"{hour}.orders.json").read_text())
        assert published.get("engine") == engine
        publication = read_publication(state, hour)
        assert publication is not None
        assert publication.result["prices"] == {"premium": 1.1}
        assert publication.result["participants"][A]["trades"] == {"premium": 3.0}
        assert publication.result["participants"][B]["trades"] == {"premium": -3.0}
        out = j.ok("verify", "--hour", str(hour), "--files", str(state))
        assert f"hour {hour}: OK (2 entries re-cleared)" in out, out

    # An order set published without the engine the chain governed for its hour (so naming
    # engine 1), and one naming engine 2 for an engine-4 hour, are caught.
    forged = tmp_path / "forged"
    shutil.copytree(state / "hours", forged / "hours")
    for hour, named in ((from_hour, None), (from_hour - 1, 2)):
        orders_file = forged / "hours" / f"{hour}.orders.json"
        order_set = json.loads(orders_file.read_text())
        order_set.pop("engine", None)
        if named is not None:
            order_set["engine"] = named
        orders_file.write_text(json.dumps(order_set))
        governed = 2 if named is None else INITIAL
        problem = (
            f"the order set names clearing engine {named or 1}, the chain governed engine "
            f"{governed} for hour {hour}"
        )
        verify_flags(j, hour, forged, problem)


def verify_flags(j: Journey, hour: int, files: Path, problem: str) -> str:
    """`flowmarket verify` on `hour`'s published files in `files`: a MISMATCH naming
    `problem`; its output."""
    code, out, _ = j.cli("verify", "--hour", str(hour), "--files", str(files))
    assert code == 1 and f"hour {hour}: MISMATCH" in out, out
    assert problem in out, out
    return out


def _enact(j: Journey, *change: str) -> str:
    """Propose `change` as alice, vote it through, queue and execute it; the proposal's
    output."""
    alice = j.wallet("alice")
    out = j.ok("governance", "propose", *change, *alice, "--yes")
    proposal = re.search(r"proposal ([0-9]+) created", out)
    assert proposal, out
    pid = proposal.group(1)
    j.mine(2)  # past the voting delay
    j.ok("governance", "vote", pid, "for", *alice, "--yes")
    j.mine(51)  # past the voting period
    j.ok("governance", "queue", pid, *alice, "--yes")
    j.advance(61)  # past the timelock delay
    executed = j.ok("governance", "execute", pid, *alice, "--yes")
    assert executed.strip().endswith("is Executed")
    return out


def _chain_at(j: Journey, now: int) -> None:
    """Bring the chain's clock to `now` (Unix seconds)."""
    if int(j.w3.eth.get_block("latest")["timestamp"]) < now:
        j.w3.provider.make_request("evm_setNextBlockTimestamp", [now])  # type: ignore[arg-type]
        j.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def test_an_hour_governed_by_an_engine_this_oracle_does_not_run_waits_unjournaled(
    journey: Journey,
) -> None:
    """Governance can name any engine from 1 through a raw call (the typed change refuses
    one this release does not run): the oracle alerts its operator once, as soon as the
    change is scheduled, then stops at the first such hour's snapshot with an error naming
    the engine, journals nothing for it and keeps every hour before it."""
    j = journey
    j.give_votes("alice", 100_000 * WAD)
    j.mine(1)
    params = j.contract("MarketParameters")
    calldata = params.encode_abi("setClearingEngine", args=[6])
    _enact(j, "--raw", params.address, calldata, "--description", "Engine 6")
    log = params.events.ClearingEngineUpdated().get_logs(from_block=0)[-1]
    from_hour = int(log["args"]["fromHour"])
    assert j.view("MarketParameters", "clearingEngineAt", from_hour) == 6

    # The operator hears of it at once, and once: the hours before it still clear.
    j.oracle.tick(now=j.clock.now)
    j.oracle.tick(now=j.clock.now)
    with j.oracle.ctx.session() as session:
        warned = [a for a in oracle_repo.recent_alerts(session) if a.kind == "clearing-engine"]
    assert [a.message for a in warned] == [
        "governance has scheduled clearing engine 6, which this release does not run "
        "(1, 2, 3, 4, 5): upgrade the oracle before the first hour it governs closes"
    ]
    j.clock.close(from_hour)
    _chain_at(j, int(j.clock.now))
    with pytest.raises(InvalidInput, match=r"^engine: 6 is not a clearing engine this version"):
        j.oracle.tick(now=j.clock.now)
    ledger = j.contract("ClearingLedger").functions
    assert ledger.nextHour().call() == from_hour  # every hour before it committed
    with j.oracle.ctx.session() as session:
        assert oracle_repo.journal_hour(session, hour=from_hour) is None
        assert oracle_repo.journal_hour(session, hour=from_hour - 1) is not None
