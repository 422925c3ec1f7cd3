"""`flowmarket oracle run` lowers its own CPU priority (`FLOWMARKET_ORACLE_NICE`, default
10 steps) so the API's workers on the same machine answer first, and still clears its
hours; an increment outside 0-19 stops it before it does anything, naming the variable."""

from __future__ import annotations

import os
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


def started(stderr: str) -> dict[str, Any]:
    return log_record(stderr, "oracle started")


def ours() -> int:
    """This test process's nice value: the oracle's starts from it."""
    return os.getpriority(os.PRIO_PROCESS, 0)


def test_the_oracle_runs_ten_nice_steps_below_its_parent_and_clears_the_hour(
    world: OracleWorld,
) -> None:
    funded_basic_book(world)

    done = run_one_hour(world)

    assert done.returncode == 0, done.stderr
    record = started(done.stderr)
    assert record["nice"] == min(19, ours() + 10)
    assert record["pid"] != os.getpid()
    assert [e["hour"] for e in world.committed_events()] == [GENESIS]


@pytest.mark.parametrize("increment", [0, 3])
def test_the_setting_is_the_increment_and_zero_keeps_the_parents_priority(
    world: OracleWorld, increment: int
) -> None:
    funded_basic_book(world)

    done = run_one_hour(world, FLOWMARKET_ORACLE_NICE=str(increment))

    assert done.returncode == 0, done.stderr
    assert started(done.stderr)["nice"] == min(19, ours() + increment)


@pytest.mark.parametrize("value", ["20", "-1"])
def test_an_increment_outside_0_to_19_stops_the_oracle_naming_the_variable(
    world: OracleWorld, value: str
) -> None:
    funded_basic_book(world)

    assert refused_setting(world, "FLOWMARKET_ORACLE_NICE", value) == (
        "flowmarket oracle: error: FLOWMARKET_ORACLE_NICE: a nice increment is between 0 "
        f"and 19, got {value}\n"
    )
