"""The demo's oracle in a process of its own (`demo.oracle_worker`) on the session node:
an hour is reported cleared once its results can be read and before it is committed,
then done once published; what the child raises comes back as the same error; a child
that dies is reported, never waited for."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace

import pytest
from oracle_harness import GENESIS, OracleWorld, funded_basic_book
from sqlmodel import Session

from flowmarket.db import oracle_repo, results_repo
from flowmarket.demo.child_errors import Failed, raise_failure
from flowmarket.demo.oracle_worker import OracleWorker
from flowmarket.errors import ChainUnavailable, ChildProcessFailed, JournalError
from flowmarket.oracle.cycle import open_oracle


def test_the_oracle_calls_on_cleared_after_the_results_are_stored_and_before_the_commit(
    world: OracleWorld,
) -> None:
    funded_basic_book(world)
    oracle = open_oracle(world.settings, world.engine)
    seen: list[tuple[int, str | None, int, int]] = []

    def on_cleared(hour: int) -> None:
        with Session(world.engine) as session:
            row = oracle_repo.journal_hour(session, hour=hour, light=True)
            prices = results_repo.hour_prices(session, hour=hour)
        step = None if row is None else row.step
        seen.append((hour, step, len(prices), len(world.committed_events())))

    oracle.on_cleared = on_cleared
    assert oracle.tick(limit=2) == 2
    # Each hour: cleared in the journal with its prices stored, nothing on chain yet
    # for it (the hour before is committed).
    assert seen == [(GENESIS, "cleared", 2, 0), (GENESIS + 1, "cleared", 2, 1)]


def test_the_worker_reports_an_hour_cleared_then_published(world: OracleWorld) -> None:
    funded_basic_book(world)
    with OracleWorker(world.settings, now=time.time()) as worker:
        worker.tick(time.time())
        cleared = worker.cleared()
        assert cleared is not None and cleared.hour == GENESIS
        with Session(world.engine) as session:  # readable as soon as it is reported
            assert set(results_repo.hour_prices(session, hour=GENESIS)) == {"premium", "regular"}
        done = worker.done()
        assert (done.published, done.next_hour) == (1, GENESIS + 1)
        assert done.seconds >= cleared.seconds > 0
        assert [e["hour"] for e in world.committed_events()] == [GENESIS]
        assert worker.settle_weeks() == {}
        process = worker.process
    assert process is not None and not process.is_alive()


def test_a_tick_that_clears_no_hour_says_so_and_ends(world: OracleWorld) -> None:
    funded_basic_book(world)
    before_any_close = world.epoch - 60.0
    with OracleWorker(world.settings, now=time.time()) as worker:
        worker.tick(before_any_close)
        assert worker.cleared() is None
        done = worker.done()
        assert (done.published, done.next_hour) == (0, GENESIS)
        worker.tick(time.time())  # the worker takes the next tick
        cleared = worker.cleared()
        assert cleared is not None and cleared.hour == GENESIS
        assert worker.done().next_hour == GENESIS + 1


def test_what_the_worker_raises_comes_back_as_the_same_error(world: OracleWorld) -> None:
    unreachable = replace(world.settings, rpc_url="http://127.0.0.1:9", oracle_retry_attempts=1)
    with OracleWorker(unreachable, now=time.time()) as worker:
        with pytest.raises(ChainUnavailable):
            worker.tick(time.time())
        process = worker.process
    assert process is not None and not process.is_alive()


def test_a_worker_that_dies_is_reported_not_waited_for(world: OracleWorld) -> None:
    with OracleWorker(world.settings, now=time.time()) as worker:
        assert worker.settle_weeks() == {}  # started and answering
        process = worker.process
        assert process is not None and process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
        with pytest.raises(ChildProcessFailed, match="exited with code -9"):
            worker.tick(time.time())
            worker.done()


def test_a_failure_is_raised_as_its_market_error_class_or_named_in_oracle_stopped() -> None:
    with pytest.raises(JournalError, match=r"^hour 7: not in the journal$"):
        raise_failure(Failed("JournalError", "hour 7: not in the journal"))
    with pytest.raises(ChildProcessFailed, match="FieldError: curve: bad"):
        raise_failure(Failed("FieldError", "curve: bad"))  # needs a field: not rebuilt
    with pytest.raises(ChildProcessFailed, match="failed: ValueError: math domain error"):
        raise_failure(Failed("ValueError", "math domain error"))  # not a market error
