"""Crash safety: `flowmarket oracle run` killed at each step and restarted commits every
hour exactly once, with the roots an uninterrupted run gives, and loses nothing.

The kill is either the fault-injection hook (`FLOWMARKET_ORACLE_CRASH_AT`, which ends
the process with `os._exit(137)` exactly at the named step) or a real SIGKILL sent
while the oracle is between sending a commit and recording it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from oracle_harness import GENESIS, TOKEN, OracleWorld, basic_book
from sqlmodel import Session, select

from flowmarket.clearing import clear_document
from flowmarket.db import oracle_repo
from flowmarket.db.oracle_tables import OrderExclusion
from flowmarket.oracle.cycle import open_oracle
from flowmarket.oracle.hour_commitment import build_hour_bundle

FLOWMARKET = str(Path(sys.executable).with_name("flowmarket"))
LAST = GENESIS + 3


def start(world: OracleWorld, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FLOWMARKET, "oracle", "run", *args],
        env={**os.environ, **world.env(), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(world: OracleWorld, *args: str, **env: str) -> tuple[int, str]:
    process = start(world, *args, **env)
    _, stderr = process.communicate(timeout=300)
    return process.returncode, stderr


def prepare(world: OracleWorld) -> None:
    basic_book(world)
    for who in ("alice", "bob", "carol"):
        world.fund(who, collateral=1_000 * TOKEN)


def assert_each_hour_committed_once_with_reproducible_roots(world: OracleWorld) -> None:
    events = world.committed_events()
    assert [e["hour"] for e in events] == list(range(GENESIS, LAST + 1))
    prior: dict[str, float] = {}
    for event in events:
        hour = event["hour"]
        with Session(world.engine) as session:
            journal = oracle_repo.journal_hour(session, hour=hour)
        assert journal is not None and journal.step == "published"
        # A monitor re-clearing the published order set reproduces the committed roots.
        published = world.settings.state_dir / "hours" / f"{hour}.orders.json"
        order_set = json.loads(published.read_text())
        assert order_set["orders"] == journal.engine_doc["orders"]
        result = clear_document(order_set, {"prices": prior})
        bundle = build_hour_bundle(
            result, hour=hour, fee_bps=journal.fee_bps, orders=order_set["orders"]
        )
        assert event["ordersRoot"] == bundle.commitment.orders_root
        assert event["pricesRoot"] == bundle.commitment.prices_root
        assert event["entriesRoot"] == bundle.commitment.entries_root
        assert world.publication(hour)["commitment"] == bundle.commitment.to_json()
        prior = result["prices"]


def reference_roots(world: OracleWorld) -> list[tuple[bytes, bytes, bytes]]:
    return [(e["ordersRoot"], e["pricesRoot"], e["entriesRoot"]) for e in world.committed_events()]


@pytest.mark.parametrize("step", ["after_snapshot", "after_solve", "after_send", "after_record"])
def test_an_oracle_killed_at_a_step_and_restarted_commits_every_hour_exactly_once(
    world: OracleWorld, step: str
) -> None:
    prepare(world)

    code, stderr = run(
        world,
        "--until-hour",
        str(LAST),
        FLOWMARKET_ORACLE_CRASH_AT=step,
        FLOWMARKET_ORACLE_CRASH_HOUR=str(GENESIS + 1),
    )
    assert code == 137, stderr
    crash = [json.loads(line) for line in stderr.splitlines() if "fault injection" in line]
    assert crash and crash[0]["hour"] == GENESIS + 1 and crash[0]["step"] == step
    committed_before = len(world.committed_events())
    assert committed_before == (2 if step in ("after_send", "after_record") else 1)

    code, stderr = run(world, "--until-hour", str(LAST))
    assert code == 0, stderr

    assert_each_hour_committed_once_with_reproducible_roots(world)
    if step == "after_send":
        assert any(json.loads(line)["msg"] == "recovered commit" for line in stderr.splitlines())


def test_a_sigkilled_oracle_resumes_and_matches_an_uninterrupted_run(
    world: OracleWorld, deployed: Path, tmp_path: Path
) -> None:
    prepare(world)
    before = world.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    process = start(world, "--until-hour", str(LAST))
    assert process.stderr is not None
    for line in process.stderr:
        record = json.loads(line)
        if record["msg"] == "commit sent" and record["hour"] == GENESIS + 2:
            process.send_signal(signal.SIGKILL)
            break
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL

    code, stderr = run(world, "--until-hour", str(LAST))
    assert code == 0, stderr
    assert_each_hour_committed_once_with_reproducible_roots(world)
    crashed = reference_roots(world)

    # The same book, run without interruption from the same chain state on a new database.
    world.w3.provider.make_request("evm_revert", [before])  # type: ignore[arg-type]
    fresh = OracleWorld.create(
        world.settings,
        deployed,
        tmp_path / "fresh",
        world.settings.rpc_url,
        world.w3,
        world.compiled,
    )
    try:
        basic_book(fresh)
        assert open_oracle(fresh.settings, fresh.engine).tick(limit=LAST - GENESIS + 1) == 4
        assert reference_roots(fresh) == crashed
    finally:
        fresh.engine.dispose()


# 10 GB/h over a price step of 10⁻¹³ tokens, the marginal order of premium: the
# certificate gate names it every hour (tests/integration/oracle/test_oracle_quarantine.py).
FLAT = [(-5.0, 5.00000000000005), (5.0, 4.99999999999995)]


@pytest.mark.parametrize("step", ["after_snapshot", "after_solve", "after_send"])
def test_an_oracle_killed_around_a_quarantine_records_it_once_and_commits_every_hour(
    world: OracleWorld, step: str
) -> None:
    prepare(world)
    flat = world.place("carol", {"premium": 1.0}, FLAT)

    code, stderr = run(
        world,
        "--until-hour",
        str(LAST),
        FLOWMARKET_ORACLE_CRASH_AT=step,
        FLOWMARKET_ORACLE_CRASH_HOUR=str(GENESIS + 1),
    )
    assert code == 137, stderr
    code, stderr = run(world, "--until-hour", str(LAST))
    assert code == 0, stderr

    assert_each_hour_committed_once_with_reproducible_roots(world)
    with Session(world.engine) as session:
        excluded = [(r.hour, r.order_hash, r.stage) for r in session.exec(select(OrderExclusion))]
        alerts = [
            a.hour
            for a in oracle_repo.recent_alerts(session, limit=100)
            if a.kind == "orders-quarantined"
        ]
        journals = [oracle_repo.journal_hour(session, hour=h) for h in range(GENESIS, LAST + 1)]
    hours = list(range(GENESIS, LAST + 1))
    assert sorted(excluded) == [(hour, flat, "quarantine") for hour in hours]
    assert sorted(alerts) == hours
    for journal in journals:
        assert journal is not None
        assert flat not in {order["id"] for order in journal.engine_doc["orders"]}
        assert set(journal.collateral["quarantined"]) == {flat}
