"""`FLOWMARKET_ORACLE_MEMO_ORDERS`: the oracle remembers the work of as many standing
orders as the setting says, or follows its books from 2^17 orders when it is 0 (the
default); the hour's snapshot log line says how many (`memo_orders`)."""

from __future__ import annotations

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

from flowmarket.memo import BoundedMemo
from flowmarket.oracle.cycle import open_oracle


@pytest.mark.parametrize(
    ("env", "memo_orders"), [({}, 131_072), ({"FLOWMARKET_ORACLE_MEMO_ORDERS": "5000"}, 5_000)]
)
def test_the_oracle_remembers_as_many_orders_as_the_setting_says_and_clears_the_hour(
    world: OracleWorld, env: dict[str, str], memo_orders: int
) -> None:
    funded_basic_book(world)

    done = run_one_hour(world, **env)

    assert done.returncode == 0, done.stderr
    assert log_record(done.stderr, "snapshot")["memo_orders"] == memo_orders
    assert [e["hour"] for e in world.committed_events()] == [GENESIS]


def test_a_negative_number_of_orders_stops_the_oracle_naming_the_variable(
    world: OracleWorld,
) -> None:
    assert refused_setting(world, "FLOWMARKET_ORACLE_MEMO_ORDERS", "-3") == (
        "flowmarket oracle: error: FLOWMARKET_ORACLE_MEMO_ORDERS: a number of orders, "
        "0 or more, got -3\n"
    )


def test_the_oracles_snapshot_grows_the_memos_to_its_book_with_a_quarters_room(
    world: OracleWorld, standing_memos: list[BoundedMemo[Any, Any]]
) -> None:
    """The memos' floor (2^17 orders) is shrunk to two here, after the oracle opens, so
    that the four orders of the basic book are more than they hold."""
    funded_basic_book(world)
    oracle = open_oracle(world.settings, world.engine)
    for held in standing_memos:
        held.resize(2)

    assert oracle.tick(limit=1) == 1

    assert [held.limit for held in standing_memos] == [5] * len(standing_memos)  # 4 + 4 // 4
