"""The public proof routes over HTTP: a participant's weekly settlement leaf and its
requirement proof, served from the oracle's records and checked here against the roots
the way a wallet checks them against the chain.

The week (amounts written out by hand): alice (0x90F7…) pays 10.01 tokens, bob
(0x15d3…) receives 9.99, the fees are 0.02. Leaves are in address order, so bob's comes
first (nothing before it) and alice's second, after 9.99 tokens of credits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_harness import DOMAIN, OPERATOR_KEY, migrated_engine
from fastapi.testclient import TestClient
from sqlmodel import Session

from flowmarket.api.app import create_app
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.settlement_proofs import StoredProofs
from flowmarket.chain.leaves import settlement_week
from flowmarket.chain.requirements import Requirement, write_requirements
from flowmarket.chain.sorted_tree import Item, verify_item
from flowmarket.db import oracle_repo
from flowmarket.db.oracle_tables import OracleWeek

ALICE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
BOB = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
CAROL = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
MILLI = 10**15
GENESIS_HOUR = 500_000
HOUR = 500_167


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Path, str]]:
    engine = migrated_engine(tmp_path / "market.sqlite")
    amounts = {ALICE: -10_010 * MILLI, BOB: 9_990 * MILLI}
    root = "0x" + settlement_week(0, amounts.items(), 20 * MILLI).root.hex()
    with Session(engine) as session:
        oracle_repo.save_clock(session, genesis_hour=GENESIS_HOUR, epoch_s=0.0, hour_length_s=3600)
        session.add(
            OracleWeek(
                week=0,
                root=root,
                fees=str(20 * MILLI),
                amounts={p: str(a) for p, a in amounts.items()},
                status="posted",
                updated_at=0.0,
            )
        )
        session.commit()
    write_requirements(tmp_path, HOUR, {ALICE: Requirement(504 * 10**18, 1_681_680 * MILLI)})
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=b"test-secret",
        proofs=StoredProofs(engine, tmp_path),
    )
    with TestClient(app) as client:
        yield client, tmp_path, root
    engine.dispose()


def test_lists_the_prepared_week_with_its_root_and_totals(
    api: tuple[TestClient, Path, str],
) -> None:
    client, _, root = api
    response = client.get("/v1/settlement/weeks")
    assert response.status_code == 200
    assert response.json() == [
        {
            "week": 0,
            "root": root,
            "count": 2,
            "total_credits": "9990000000000000000",
            "total_debits": "10010000000000000000",
            "fees": "20000000000000000",
            "status": "posted",
        }
    ]


def test_serves_a_participants_leaf_that_proves_against_the_week_root(
    api: tuple[TestClient, Path, str],
) -> None:
    client, _, root = api
    body = client.get(f"/v1/settlement/weeks/0/leaves/{ALICE.lower()}").json()
    assert body["participant"] == ALICE
    assert (body["amount"], body["credits_before"], body["debits_before"]) == (
        "-10010000000000000000",
        "9990000000000000000",
        "0",
    )
    assert (body["root"], body["count"], body["item"]["index"]) == (root, 2, 1)
    item = Item.from_json(body["item"], field="item")
    assert verify_item(bytes.fromhex(root[2:]), 2, item)
    bob = client.get(f"/v1/settlement/weeks/0/leaves/{BOB}").json()
    assert (bob["amount"], bob["credits_before"], bob["item"]["index"]) == (
        "9990000000000000000",
        "0",
        0,
    )


def test_refuses_a_leaf_that_is_not_published_with_a_clear_404(
    api: tuple[TestClient, Path, str],
) -> None:
    client, _, _ = api
    absent = client.get(f"/v1/settlement/weeks/0/leaves/{CAROL}")
    assert absent.status_code == 404
    assert absent.json()["message"] == f"participant: {CAROL} has no leaf in week 0"
    later = client.get(f"/v1/settlement/weeks/1/leaves/{ALICE}")
    assert later.status_code == 404
    assert "week 1 is not prepared for settlement yet" in later.json()["message"]
    bad = client.get("/v1/settlement/weeks/0/leaves/0x1234")
    assert bad.status_code == 422 and bad.json()["field"] == "address"


def test_serves_the_requirement_with_its_parts_and_the_items_proving_it(
    api: tuple[TestClient, Path, str],
) -> None:
    client, _, _ = api
    body = client.get(f"/v1/collateral/requirements/{HOUR}/{ALICE}").json()
    assert (body["requirement"], body["margin"], body["owed"]) == (
        "2185680000000000000000",
        "504000000000000000000",
        "1681680000000000000000",
    )
    (item,) = (Item.from_json(raw, field="item") for raw in body["items"])
    assert int.from_bytes(item.value, "big") == 2_185_680 * MILLI
    assert verify_item(bytes.fromhex(body["root"][2:]), body["count"], item)
    none = client.get(f"/v1/collateral/requirements/{HOUR}/{BOB}").json()
    assert none["requirement"] == "0" and len(none["items"]) == 1  # alice's leaf brackets bob
    missing = client.get(f"/v1/collateral/requirements/{HOUR - 1}/{ALICE}")
    assert missing.status_code == 404
    assert missing.json()["message"] == f"hour: no requirements are published for hour {HOUR - 1}"


def test_a_stored_root_the_amounts_do_not_rebuild_is_never_served(
    api: tuple[TestClient, Path, str],
) -> None:
    client, state, _ = api
    engine = migrated_engine(state / "market.sqlite")
    with Session(engine) as session:
        row = session.get(OracleWeek, 0)
        assert row is not None
        row.root = "0x" + "11" * 32
        session.add(row)
        session.commit()
    engine.dispose()
    response = client.get(f"/v1/settlement/weeks/0/leaves/{ALICE}")
    assert response.status_code == 503
    assert response.json()["message"] == "week 0: the rebuilt tree is not the stored root"
