"""Crash safety: `flowmarket oracle run` killed at each step and restarted commits every
hour exactly once, with the roots an uninterrupted run gives, and loses nothing; started
on a database restored from a backup, it commits nothing twice and stops at an hour the
restored book no longer reproduces.

The kill is either the fault-injection hook (`FLOWMARKET_ORACLE_CRASH_AT`, which ends
the process with `os._exit(137)` exactly at the named step) or a real SIGKILL sent
while the oracle is between sending a commit and recording it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
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


def run_past_a_backup_and_restore(world: OracleWorld, tmp_path: Path, *, after_backup: bool) -> str:
    """Clear GENESIS, back the database up while nothing runs on it (SQLite's online
    backup, docs/operations.md), clear on to LAST (with one more order accepted after the
    backup when `after_backup`), then lose the database, restore the backup and start the
    oracle on it again: its stderr (the test reads the exit code from its lines)."""
    prepare(world)
    code, stderr = run(world, "--until-hour", str(GENESIS))
    assert code == 0, stderr
    database = world.settings.state_dir / "oracle.sqlite"
    backup = tmp_path / "backup.sqlite"
    with sqlite3.connect(database) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)
    if after_backup:  # a second seller of premium from the next hour on
        world.place("bob", {"premium": 1.0}, [(-4.0, 9.0), (0.0, 3.0)], from_hour=GENESIS + 1)
    code, stderr = run(world, "--until-hour", str(LAST))
    assert code == 0, stderr
    assert len(world.committed_events()) == LAST - GENESIS + 1

    world.engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, database)
    with Session(world.engine) as session:
        assert oracle_repo.latest_journal_hour(session) == GENESIS
    code, stderr = run(world, "--until-hour", str(LAST))
    return f"exit {code}\n{stderr}"


def test_an_oracle_restarted_on_a_database_restored_from_a_backup_commits_nothing_twice(
    world: OracleWorld, tmp_path: Path
) -> None:
    """The restored journal lacks the hours committed since the backup; the oracle
    re-derives each from the restored book, finds the chain holding that very
    commitment, records the hour without a transaction and goes on."""
    outcome = run_past_a_backup_and_restore(world, tmp_path, after_backup=False)
    assert outcome.startswith("exit 0\n"), outcome
    assert_each_hour_committed_once_with_reproducible_roots(world)


def test_an_oracle_restored_without_an_order_the_chain_cleared_stops_naming_the_hour(
    world: OracleWorld, tmp_path: Path
) -> None:
    """An order accepted after the backup is not in the restored database, so the hour it
    traded in re-derives to another commitment than the chain's: the oracle stops with a
    ChainError naming that hour and commits nothing (docs/operations.md, Backups)."""
    outcome = run_past_a_backup_and_restore(world, tmp_path, after_backup=True)
    assert outcome.startswith("exit 1\n"), outcome
    assert (
        f"hour {GENESIS + 1} is committed on chain with a different commitment than the "
        "journaled result gives"
    ) in outcome
    assert len(world.committed_events()) == LAST - GENESIS + 1  # not one commitHour more
