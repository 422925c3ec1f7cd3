"""Crash safety of the usage path: the oracle killed between the report and its commit.

A child process stores the operator's usage reports (committed), then runs the
oracle's solve step of the settling hour and dies with status 137 (`os._exit`, as a
SIGKILL: no rollback, no `finally`) just before that step's commit. Afterwards the
reports are all there and unsettled, the settling hour has no results and no amounts;
solving it again settles every report exactly once, and a third attempt is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.db import oracle_repo, results_repo, usage_repo
from flowmarket.errors import Conflict
from flowmarket.money import WAD
from flowmarket.oracle.journal import require
from flowmarket.oracle.solve import solve_hour
from realtime_steps import BOB, CAT, HOUR, RULES

TESTS = Path(__file__).resolve().parents[2]
SETTLING = HOUR + 2
CHILD = """
import os, sys
from sqlmodel import Session
from flowmarket.db import oracle_repo, usage_repo
from flowmarket.db.engine import make_engine
from flowmarket.db.usage_repo import UsageBatch
from flowmarket.money import WAD
from realtime_steps import ALICE, BOB, HOUR, OPERATOR, clear, pair, product, trade_up_to_delivery

engine = make_engine(sys.argv[1])
trade_up_to_delivery(engine)
entries = ((product("rt", "premium"), ALICE, 6 * WAD), (product("rt", "regular"), BOB, 8 * WAD))
with Session(engine) as session:
    usage_repo.store_usage(session, UsageBatch(HOUR, entries, "0x" + "a" * 64, OPERATOR,
                           "0x" + "11" * 65), lag=2, reported_at=1.0)
def die(*args, **kwargs):
    os._exit(137)  # the last call before the solve step's commit
oracle_repo.drop_products = die
settling = HOUR + 2
clear(engine, settling, pair(product("rt", "premium", settling), ALICE, top=10.0, width=10.0))
"""


def test_a_kill_between_report_and_commit_loses_nothing_and_counts_nothing_twice(
    engine: Engine, database_url: str
) -> None:
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, database_url], env=env, capture_output=True, timeout=300
    )
    assert child.returncode == 137, child.stderr.decode()[-2000:]
    with Session(engine, expire_on_commit=False) as session:
        assert len(usage_repo.unsettled_reports(session, hour=HOUR)) == 2  # nothing lost
        assert usage_repo.settlements(session, hour=HOUR) == []
        assert results_repo.get_hour(session, hour=SETTLING) is None
        assert oracle_repo.week_totals(session, first_hour=SETTLING, last_hour=SETTLING) == ({}, 0)
        row = require(session, SETTLING)  # journaled as snapshotted: the restart solves it
        solve_hour(session, row, delivery=RULES)
    with Session(engine, expire_on_commit=False) as session:
        assert usage_repo.unsettled_reports(session, hour=HOUR) == []
        settled = usage_repo.settlements(session, hour=HOUR)
        assert len(settled) == 3 and {r.settled_hour for r in settled} == {SETTLING}
        net, fees = oracle_repo.week_totals(session, first_hour=SETTLING, last_hour=SETTLING)
        assert sum(net.values()) + fees == 0
        imbalance = require(session, SETTLING).result_doc["imbalance"]
        # bob and cat did not trade in the settling hour: their cash is the imbalance, once
        assert net[BOB] == int(imbalance[BOB]) and net[CAT] == int(imbalance[CAT])
        assert net[CAT] == pytest.approx(8 * WAD, abs=WAD // 10**6)  # 4 GB sold back at 2
        with pytest.raises(Conflict, match="already has stored results"):
            solve_hour(session, require(session, SETTLING), delivery=RULES)
