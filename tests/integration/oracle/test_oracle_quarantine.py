"""The oracle never commits an hour whose certificate fails: it quarantines the orders
the certificate gate names, clears the rest, records why (database, API, status) and
commits, on a real node (issue: hostile input, item 1)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from oracle_harness import GENESIS, OracleWorld, address, api, funded_basic_book
from sqlmodel import Session

from flowmarket.clearing import clear_document
from flowmarket.db import oracle_repo, orders_repo
from flowmarket.errors import CertificateFailed
from flowmarket.oracle.cycle import open_oracle
from flowmarket.oracle.status import oracle_status

# 10 GB/h over a price step of 10⁻¹³ tokens, at 5 tokens/GB: a quarter of a token above
# the basic book's premium price (4.73), so it is the marginal order, and its quantity
# would have to be resolved from a price known to 10⁻¹⁵ tokens. Double precision cannot.
FLAT = [(-5.0, 5.00000000000005), (5.0, 4.99999999999995)]


def published_order_set(world: OracleWorld, hour: int) -> dict[str, Any]:
    path = world.settings.state_dir / "hours" / f"{hour}.orders.json"
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def engine_doc(order_set: dict[str, Any], drop: set[str] = frozenset()) -> dict[str, Any]:
    keys = ("id", "participant", "portfolio", "curve")
    orders = [{k: o[k] for k in keys} for o in order_set["orders"] if o["id"] not in drop]
    return {"products": order_set["products"], "orders": orders}


def test_an_hour_the_gate_fails_is_committed_without_the_orders_it_names(
    world: OracleWorld,
) -> None:
    honest = funded_basic_book(world)
    flat = world.place("carol", {"premium": 1.0}, FLAT)
    oracle = open_oracle(world.settings, world.engine)

    assert oracle.tick(limit=1) == 1

    [event] = world.committed_events()
    assert event["hour"] == GENESIS
    with Session(world.engine) as session:
        journal = oracle_repo.journal_hour(session, hour=GENESIS)
    assert journal is not None and journal.step == "published"
    assert set(journal.collateral["quarantined"]) == {flat}
    assert "out of tolerance" in journal.collateral["quarantined"][flat]
    # The published order set is what was cleared: it re-clears (the gate passes) to the
    # committed result, and that is the result of the honest orders alone.
    order_set = published_order_set(world, GENESIS)
    assert {o["id"] for o in order_set["orders"]} == set(honest.values())
    assert journal.result_doc is not None
    assert clear_document(engine_doc(order_set))["prices"] == journal.result_doc["prices"]
    with pytest.raises(CertificateFailed) as failed:  # with it, no tolerance is reachable
        clear_document(
            {
                **engine_doc(order_set),
                "orders": [
                    *engine_doc(order_set)["orders"],
                    {
                        "id": flat,
                        "participant": address("carol"),
                        "portfolio": {"premium": 1.0},
                        "curve": [list(p) for p in FLAT],
                    },
                ],
            }
        )
    assert failed.value.orders == (flat,)

    client = api(world)
    exclusions = client.get(f"/v1/hours/{GENESIS}/exclusions").json()
    assert exclusions == [
        {
            "hour": GENESIS,
            "order_hash": flat,
            "participant": address("carol"),
            "stage": "quarantine",
            "reason": journal.collateral["quarantined"][flat],
        }
    ]
    assert client.get(f"/v1/hours/{GENESIS}/orders").json()["collateral"]["quarantined"] == {
        flat: journal.collateral["quarantined"][flat]
    }
    status = oracle_status(world.engine, now=world.epoch + 10.0)
    [alert] = [w for w in status["warnings"] if w["kind"] == "orders-quarantined"]
    assert alert["hour"] == GENESIS and flat in alert["message"]


def test_a_quarantined_order_does_not_change_the_honest_participants_results(
    world: OracleWorld,
) -> None:
    honest = funded_basic_book(world)
    world.place("carol", {"premium": 1.0}, FLAT)
    open_oracle(world.settings, world.engine).tick(limit=1)
    with Session(world.engine) as session:
        journal = oracle_repo.journal_hour(session, hour=GENESIS)
        rows = orders_repo.orders_by_hash(session, order_hashes=list(honest.values()))
    assert journal is not None and journal.result_doc is not None
    # The same hour's honest orders, read from the order table, cleared by themselves.
    alone = clear_document(
        {
            "products": ["premium", "regular"],
            "orders": [
                {
                    "id": row.order_hash,
                    "participant": row.participant,
                    "portfolio": row.portfolio,
                    "curve": row.curve,
                }
                for row in rows
            ],
        }
    )
    assert journal.result_doc["prices"] == alone["prices"]
    assert journal.result_doc["orders"] == alone["orders"]
    assert journal.result_doc["participants"] == alone["participants"]
