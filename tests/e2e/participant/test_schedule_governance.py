"""Governance changes the clearing interval from 60 to 15 minutes (docs/schedule.md),
through the CLI, on a local node: a length that does not divide an hour is refused before
anything is proposed; the proposal passes, is queued and executes; the change starts with
the first hour whose bidding opens after it; the oracle clears the hours before that one
as hours, then clears the first quarter-hourly hour four times, once per quarter, across a
restart between two quarters, and commits it once: cash, fees, positions and the committed
hour are the exact sums of the quarters' amounts under money rule 8, worked out by hand."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from journey_market import Journey, address
from sqlmodel import select

from flowmarket.collateral import CollateralParams, requirement
from flowmarket.db import oracle_repo, results_repo
from flowmarket.db.oracle_tables import OracleHourAmount, OracleWeek
from flowmarket.money import WAD
from flowmarket.oracle import cycle
from flowmarket.oracle.cycle import open_oracle
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.publication import published_intervals, read_publication

A, B = address("alice"), address("bob")


def test_governance_moves_the_market_to_quarter_hours_from_the_next_hour_boundary(
    journey: Journey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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
    # The first quarter-hourly hour clears four times, once at each quarter's close.
    # alice buys up to 3 GB/h (values 10 → 9), bob sells up to 3 GB/h (asks 1 → 1.1): all
    # 3 GB/h trade at any price in [1.1, 9]; with no earlier price the rule picks 1.1, and
    # each later quarter's prior is 1.1 (rule: closest to the previous prices).
    for who in ("alice", "bob"):
        j.mint(who, 1_000 * WAD)
        j.ok("collateral", "deposit", "1000", *j.wallet(who), "--yes")
    only = ("--from-hour", str(from_hour), "--until-hour", str(from_hour))
    j.ok("order", "submit", "--portfolio", "premium=1", "--curve", "0:10,3:9", *only, *alice)
    j.ok("order", "submit", "--portfolio", "premium=1", "--curve=-3:1.1,0:1", *only, *bob)
    _close(j, from_hour)
    assert j.oracle.tick(now=j.clock.now) == 0  # quarter 0 cleared, the hour goes on
    _at(j, from_hour * 3600 + 900)
    assert j.oracle.tick(now=j.clock.now) == 0  # quarter 1
    assert ledger.nextHour().call() == from_hour  # nothing committed mid-hour
    # Quarter 1's requirements count what quarter 0 left owed: alice's net cash of
    # −825 825 000 000 000 067 wei (0.75 GB at 1.1 and the fee, below) on top of the
    # margin of her 0.75 GB at quarter 0's price; bob, who was paid, owes nothing.
    params = CollateralParams.from_chain(j.view("MarketParameters", "collateralParams"))
    price = {"premium": 1_100_000_000_000_000_089}
    with j.oracle.ctx.session() as session:
        row = oracle_repo.journal_hour(session, hour=from_hour)
        assert row is not None
        quarter1 = row.collateral["intervals"][1]["participants"]
    assert int(quarter1[A]["requirement"]) == (
        requirement({"premium": 0.75}, {}, price, params) + 825_825_000_000_000_067
    )
    assert int(quarter1[B]["requirement"]) == requirement({"premium": -0.75}, {}, price, params)
    # The oracle dies between two quarters' clearings, and again right after quarter 2's
    # snapshot (the crash point the fault injection stops the process at); each time a
    # fresh oracle on the same journal goes on from there: quarter 2 is cleared from its
    # journaled snapshot, quarter 3 snapshotted and cleared, the hour committed once.
    j.oracle = open_oracle(j.oracle.ctx.settings, j.engine, now=j.clock.now)
    _at(j, from_hour * 3600 + 1800)
    with monkeypatch.context() as patch:
        patch.setattr(cycle, "crash_point", _die_after("after_snapshot"))
        with pytest.raises(_Killed):
            j.oracle.tick(now=j.clock.now)
    with j.oracle.ctx.session() as session:
        row = oracle_repo.journal_hour(session, hour=from_hour)
        assert row is not None and row.step == "snapshotted"
        assert row.result_doc is not None
        assert (len(row.engine_doc["intervals"]), len(row.result_doc["intervals"])) == (3, 2)
    j.oracle = open_oracle(j.oracle.ctx.settings, j.engine, now=j.clock.now)
    _at(j, from_hour * 3600 + 2700)
    assert j.oracle.tick(now=j.clock.now) == 1
    assert ledger.nextHour().call() == from_hour + 1
    with j.oracle.ctx.session() as session:
        row = oracle_repo.journal_hour(session, hour=from_hour)
        assert row is not None and row.step == "published"
        quarters = row.result_doc["intervals"] if row.result_doc else []
        amounts = {
            a.participant: (int(a.net_cash), int(a.fee))
            for a in session.exec(
                select(OracleHourAmount).where(OracleHourAmount.hour == from_hour)
            )
        }
        held = {p.participant: int(p.wei) for p in results_repo.positions(session, participant=A)}
    assert len(quarters) == 4
    for quarter in quarters:  # each quarter its own clearing, prices and fills
        assert quarter["prices"] == {"premium": 1.1}
        assert quarter["participants"][A]["trades"] == {"premium": 3.0}
        assert quarter["participants"][B]["trades"] == {"premium": -3.0}
    # Money rule 8, by hand (tests/unit/money/test_money_interval.py): 0.75 GB at
    # 1 100 000 000 000 000 089 wei (the float 1.1) = 825 000 000 000 000 066.75 wei: alice
    # pays …067, bob receives …067; fee at 10 bps of ⌊…066.75⌋ = 825 000 000 000 000 wei
    # each. Four quarters, each rounded on its own, summed exactly:
    fee = 4 * 825_000_000_000_000
    assert amounts == {
        A: (-4 * 825_000_000_000_000_067 - fee, fee),
        B: (4 * 825_000_000_000_000_067 - fee, fee),
    }
    assert held == {A: 3 * WAD}  # 4 × 0.75 GB: each quarter added exactly once
    commitment = ledger.hourCommitment(from_hour).call()
    assert commitment[5] == 2 * fee  # fees committed for the hour
    assert commitment[4] == 4 * 3 * WAD // 4  # volume: 4 × 0.75 GB
    publication = read_publication(j.oracle.ctx.settings.state_dir, from_hour)
    assert publication is not None
    # The commitment binds each quarter's signed fills: rebuilt from the result and the
    # four published quarter order sets, as any verifier does.
    quarter_sets = published_intervals(j.oracle.ctx.settings.state_dir, from_hour)
    assert len(quarter_sets) == 4
    bundle = build_hour_bundle(
        publication.result, hour=from_hour, fee_bps=10, order_sets=quarter_sets
    )
    assert bundle.commitment.as_tuple() == tuple(commitment)
    assert bundle.entry_fields(A)[1:3] == (-4 * 825_000_000_000_000_067 - fee, fee)
    # Anyone re-clears the four published quarter order sets into the committed hour.
    state = j.oracle.ctx.settings.state_dir
    out = j.ok("verify", "--hour", str(from_hour), "--files", str(state))
    assert f"hour {from_hour}: OK (2 entries re-cleared)" in out
    # An order set published for one quarter that is not the one cleared is caught.
    forged = tmp_path / "forged"
    shutil.copytree(state / "hours", forged / "hours")
    orders_file = forged / "hours" / f"{from_hour}.orders.json"
    order_set = json.loads(orders_file.read_text())
    order_set["intervals"][2]["orders"] = [
        o for o in order_set["intervals"][2]["orders"] if o["participant"] != A
    ]
    orders_file.write_text(json.dumps(order_set))
    code, out, _ = j.cli("verify", "--hour", str(from_hour), "--files", str(forged))
    assert code == 1 and f"hour {from_hour}: MISMATCH" in out, out

    # The rest of the week clears (every later hour in quarters, no orders) and the week
    # settles: each participant's leaf is the sum of its quarter entries, and anyone
    # re-clears the week's 168 hours, quarter by quarter, into the posted root.
    last = j.hour + 167
    _at(j, last * 3600 + 2700)
    assert j.oracle.tick(now=j.clock.now) == last - from_hour
    assert ledger.nextHour().call() == last + 1
    with j.oracle.ctx.session() as session:
        week = session.get(OracleWeek, 0)
        assert week is not None
        leaves = dict(week.amounts)
    assert leaves == {
        A: str(-4 * 825_000_000_000_000_067 - fee),
        B: str(4 * 825_000_000_000_000_067 - fee),
    }
    out = j.ok("verify", "--week", "0", "--files", str(state))
    assert f"hour {from_hour}: OK (2 entries re-cleared)" in out
    assert "week 0: OK" in out, out


class _Killed(Exception):
    """The oracle process dying at a crash point (its journal stays as it was)."""


def _die_after(step: str) -> Callable[..., None]:
    def crash(settings: object, at: str, *, hour: int) -> None:
        if at == step:
            raise _Killed(f"killed {at} of hour {hour}")

    return crash


def _at(j: Journey, now: int) -> None:
    """Move the API's and the chain's clocks to `now` (Unix seconds)."""
    j.clock.now = float(now)
    if int(j.w3.eth.get_block("latest")["timestamp"]) < now:
        j.w3.provider.make_request("evm_setNextBlockTimestamp", [now])  # type: ignore[arg-type]
        j.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def _close(j: Journey, hour: int) -> None:
    """Close `hour` on the API's clock and bring the chain's clock to it."""
    j.clock.close(hour)
    now = int(j.clock.now)
    if int(j.w3.eth.get_block("latest")["timestamp"]) < now:
        j.w3.provider.make_request("evm_setNextBlockTimestamp", [now])  # type: ignore[arg-type]
        j.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
