"""`FLOWMARKET_ORACLE_ENGINE_THREADS`: the threads the oracle's clearing splits its large
sparse products over (`SolverOptions.threads`, default 1). The prices are the same bits
on any number (tests/unit/clearing/test_clearing_threads.py), so the setting changes the
hour's time, never its commitment."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest
from oracle_harness import (
    GENESIS,
    OracleWorld,
    funded_basic_book,
    log_record,
    refused_setting,
    run_one_hour,
)

from flowmarket.clearing import ResultDoc, SolverOptions
from flowmarket.oracle.cycle import open_oracle
from flowmarket.solvers import highs_projection


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_the_oracles_hour_clears_on_as_many_threads_as_the_setting_says(
    world: OracleWorld, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    funded_basic_book(world)
    seen: list[int] = []
    real = highs_projection.clear_document

    def spy(
        orders: Mapping[str, Any], prior: Mapping[str, Any] | None, options: SolverOptions
    ) -> ResultDoc:
        seen.append(options.threads)
        return real(orders, prior, options)

    monkeypatch.setattr(highs_projection, "clear_document", spy)
    settings = dataclasses.replace(world.settings, oracle_engine_threads=threads)
    oracle = open_oracle(settings, world.engine)

    assert oracle.tick(limit=1) == 1

    assert seen == [threads]
    assert [e["hour"] for e in world.committed_events()] == [GENESIS]


@pytest.mark.parametrize(
    ("env", "threads"), [({}, 1), ({"FLOWMARKET_ORACLE_ENGINE_THREADS": "2"}, 2)]
)
def test_the_oracle_run_command_logs_its_threads_and_commits_the_hour(
    world: OracleWorld, env: dict[str, str], threads: int
) -> None:
    funded_basic_book(world)

    done = run_one_hour(world, **env)

    assert done.returncode == 0, done.stderr
    assert log_record(done.stderr, "oracle started")["engine_threads"] == threads
    assert [e["hour"] for e in world.committed_events()] == [GENESIS]


@pytest.mark.parametrize(("value", "reason"), [("0", "got 0"), ("65", "got 65")])
def test_a_number_of_threads_out_of_range_stops_the_oracle_naming_the_variable(
    world: OracleWorld, value: str, reason: str
) -> None:
    assert refused_setting(world, "FLOWMARKET_ORACLE_ENGINE_THREADS", value) == (
        "flowmarket oracle: error: FLOWMARKET_ORACLE_ENGINE_THREADS: a number of threads "
        f"between 1 and 64, {reason}\n"
    )
