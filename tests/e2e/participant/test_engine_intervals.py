"""Governance moves the market to quarter-hours and to clearing engine 3 from the same hour,
in one proposal through the CLI on a local node (docs/schedule.md,
docs/engine-versions.md). Its own module: the market of test_engine_governance.py has
moved to engine 2 by the time its later tests run, and this one starts from engine 5, the
engine a new market starts on (every hour before the change clears with it).

The book is that module's: alice buys up to 3 GB/h of premium paying 10 down to 9
tokens/GB, bob sells up to 3 at 1 up to 1.1; all 3 GB/h trade at any price in [1.1, 9],
and with no earlier price the rule picks 1.1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from journey_market import Journey, address
from test_engine_governance import _chain_at, _enact, verify_flags

from flowmarket.db import oracle_repo
from flowmarket.money import WAD

A = address("alice")


def test_a_quarter_hourly_hour_under_engine_3_clears_through_the_oracle_and_verifies(
    journey: Journey, tmp_path: Path
) -> None:
    """One proposal moves the market to quarter-hours and to engine 3 from the same hour.
    The oracle clears that hour's four quarters, each order set naming engine 3 in its
    journal and in the publication; anyone re-clears them into the committed hour, and a
    quarter published without the engine is caught. The book is the module's: every
    quarter trades 3 GB/h at 1.1 (quarter 0 from no earlier price, quarters 1–3 starting
    the Newton stage at the previous quarter's 1.1, as engines 2 to 5 do)."""
    j = journey
    j.give_votes("alice", 100_000 * WAD)
    j.mine(1)
    out = _enact(
        j, "--clearing-interval", "15", "--clearing-engine", "3",
        "--description", "Quarter-hours on engine 3",
    )  # fmt: skip
    assert "clear every 15 minutes instead of every 60" in out
    assert "clear with engine 3 instead of engine 5" in out
    params = j.contract("MarketParameters")
    _, engine_log = params.events.ClearingEngineUpdated().get_logs(from_block=0)  # after 0 → 5
    [interval_log] = params.events.ClearingIntervalUpdated().get_logs(from_block=0)
    from_hour = int(engine_log["args"]["fromHour"])
    assert int(interval_log["args"]["fromHour"]) == from_hour
    assert j.view("MarketParameters", "clearingEngineAt", from_hour - 1) == 5
    assert j.view("MarketParameters", "clearingEngineAt", from_hour) == 3
    assert j.view("MarketParameters", "clearingIntervalAt", from_hour) == 900

    for who in ("alice", "bob"):
        j.mint(who, 1_000 * WAD)
        j.ok("collateral", "deposit", "1000", *j.wallet(who), "--yes")
    only = ("--from-hour", str(from_hour), "--until-hour", str(from_hour))
    alice, bob = j.wallet("alice"), j.wallet("bob")
    j.ok("order", "submit", "--portfolio", "premium=1", "--curve", "0:10,3:9", *only, *alice)
    j.ok("order", "submit", "--portfolio", "premium=1", "--curve=-3:1.1,0:1", *only, *bob)
    j.clock.close(from_hour)
    ledger = j.contract("ClearingLedger").functions
    for quarter in range(4):  # each quarter cleared at its close; the hour at the last
        j.clock.now = float(from_hour * 3600 + 900 * quarter)
        _chain_at(j, int(j.clock.now))
        committed = j.oracle.tick(now=j.clock.now)
        assert ledger.nextHour().call() == (from_hour + 1 if quarter == 3 else from_hour)
        assert committed == (1 if quarter == 3 else from_hour - j.hour if quarter == 0 else 0)

    state = j.oracle.ctx.settings.state_dir
    with j.oracle.ctx.session() as session:
        row = oracle_repo.journal_hour(session, hour=from_hour)
        assert row is not None and row.step == "published"
        assert [q.get("engine") for q in row.engine_doc["intervals"]] == [3, 3, 3, 3]
        quarters = row.result_doc["intervals"] if row.result_doc else []
    assert [q["prices"] for q in quarters] == [{"premium": 1.1}] * 4
    assert [q["participants"][A]["trades"] for q in quarters] == [{"premium": 3.0}] * 4
    published = json.loads((state / "hours" / f"{from_hour}.orders.json").read_text())
    assert [q.get("engine") for q in published["intervals"]] == [3, 3, 3, 3]
    out = j.ok("verify", "--hour", str(from_hour), "--files", str(state))
    assert f"hour {from_hour}: OK (2 entries re-cleared)" in out, out

    forged = tmp_path / "forged"
    shutil.copytree(state / "hours", forged / "hours")
    orders_file = forged / "hours" / f"{from_hour}.orders.json"
    published["intervals"][1].pop("engine")
    orders_file.write_text(json.dumps(published))
    problem = (
        f"interval 1's order set names clearing engine 1, the chain governed engine 3 for "
        f"hour {from_hour}"
    )
    out = verify_flags(j, from_hour, forged, problem)
    assert "interval 0's order set" not in out and "interval 2's order set" not in out
