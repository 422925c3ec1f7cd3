"""A node that goes down mid-cycle is retried with back-off and reported, never skipped;
`flowmarket status` shows the oracle's progress, lag and warnings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from oracle_harness import GENESIS, OracleWorld, basic_book, funded_basic_book
from sqlmodel import Session

from flowmarket.db import oracle_repo
from flowmarket.oracle.cycle import open_oracle

FLOWMARKET = str(Path(sys.executable).with_name("flowmarket"))


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_an_unreachable_node_delays_the_hour_with_reported_retries_but_never_skips_it(
    world: OracleWorld,
) -> None:
    funded_basic_book(world)
    oracle = open_oracle(world.settings, world.engine)
    oracle.tick(limit=1)
    provider = oracle.ctx.market.client.w3.provider
    live = provider.endpoint_uri  # type: ignore[attr-defined]
    provider.endpoint_uri = dead_url()  # type: ignore[attr-defined]
    restore = threading.Timer(1.0, lambda: setattr(provider, "endpoint_uri", live))
    restore.start()

    assert oracle.tick(limit=2) == 2
    restore.join()

    assert [e["hour"] for e in world.committed_events()] == [GENESIS, GENESIS + 1, GENESIS + 2]
    with Session(world.engine) as session:
        rpc_alerts = [a for a in oracle_repo.recent_alerts(session, limit=100) if a.kind == "rpc"]
    assert len(rpc_alerts) >= 3
    assert all(a.hour == GENESIS + 1 for a in rpc_alerts)
    assert "retrying in" in rpc_alerts[0].message


def test_status_command_shows_last_cleared_and_committed_hours_and_lag(world: OracleWorld) -> None:
    funded_basic_book(world)
    open_oracle(world.settings, world.engine).tick(limit=2)

    shown = subprocess.run(
        [FLOWMARKET, "status"],
        env={**os.environ, **world.env()},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert shown.returncode == 0, shown.stderr
    assert f"last cleared hour:   {GENESIS + 1}" in shown.stdout
    assert f"last committed hour: {GENESIS + 1}" in shown.stdout
    lag = int(
        next(line for line in shown.stdout.splitlines() if line.startswith("lag")).split()[-1]
    )
    assert lag > 90_000  # the test clock's epoch is 100 000 one-second hours ago


def test_settling_a_week_that_is_not_complete_is_refused_with_the_reason(
    world: OracleWorld,
) -> None:
    basic_book(world)
    open_oracle(world.settings, world.engine).tick(limit=1)

    settled = subprocess.run(
        [FLOWMARKET, "oracle", "settle", "0"],
        env={**os.environ, **world.env()},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert settled.returncode == 2
    assert "week 0 (hours 1000-1167) is not complete" in settled.stderr
    assert "last published hour is 1000" in settled.stderr
    assert world.view("WeeklySettlement", "weekRoot", 0)[0] == bytes(32)
