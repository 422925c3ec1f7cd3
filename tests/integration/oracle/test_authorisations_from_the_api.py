"""A participant's limits, signed through the HTTP API, bind in the real oracle's clearing.

Alice buys premium along p = 10 − q (up to 6 GB/h), bob sells along p = 1 + s (up to 8):
unlimited they trade 4.5 GB/h at 5.5 tokens/GB every hour. Alice signs an
`Authorisation` capping her rate at 3 GB/h: bob then sells 3 at 1 + 3 = 4. She replaces
it with a position limit of 4 GB/h held: with 3 held she buys 1 (bob's price 2), then 0.

Anyone checks the limits with `flowmarket verify --hour` on the publication files and the
node: the signed authorisations are published with the order set, the verifier adds up
alice's committed trades of the hours before (3 GB/h) and re-derives her bounds (3, then
4 − 3 = 1); a bound the oracle tightened, and a limit altered after she signed, fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from oracle_harness import GENESIS, KEYS, TOKEN, OracleWorld, address
from sqlmodel import Session

from flowmarket.api.app import create_app
from flowmarket.backend import published
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import session_secret
from flowmarket.catalogue.hours import open_hour
from flowmarket.chain.deploy import load_deployment
from flowmarket.clearing import clear_document
from flowmarket.client.bodies import authorisation_body, order_body
from flowmarket.db import oracle_repo, results_repo
from flowmarket.oracle.cycle import open_oracle
from flowmarket.signing import AuthorisationMessage, OrderMessage

WAD = 10**18
FLOWMARKET = str(Path(sys.executable).with_name("flowmarket"))


def verify(world: OracleWorld, hour: int, files: Path) -> subprocess.CompletedProcess[str]:
    """`flowmarket verify --hour` as anyone runs it: a node and the publication files."""
    return subprocess.run(
        [FLOWMARKET, "verify", "--hour", str(hour), "--files", str(files)],
        env={**os.environ, **world.env()},
        capture_output=True,
        text=True,
        timeout=300,
    )


def client_at(world: OracleWorld, now: list[float]) -> TestClient:
    """The API with a clock the test moves (`now[0]`): submissions land between the
    oracle's bidding closes (every hour's close is epoch + (hour − GENESIS) s)."""
    app = create_app(
        backend=SqlBackend(world.engine),
        domain=load_deployment(world.settings).domain(),
        operator_key=world.settings.oracle_key,
        token_secret=session_secret(world.engine),
        clock=lambda: now[0],
    )
    return TestClient(app)


def order(who: str, nonce: int, curve: list[tuple[float, float]], until: int) -> OrderMessage:
    return OrderMessage(address(who), nonce, GENESIS, until, {"premium": 1.0}, tuple(curve))


def test_a_signed_rate_limit_and_then_a_position_limit_bind_in_the_oracles_clearing(
    world: OracleWorld, tmp_path: Path
) -> None:
    now = [world.epoch - 0.5]  # before hour GENESIS closes
    api = client_at(world, now)
    until = open_hour(world.epoch) + 100  # valid through every hour the test clears
    for who, nonce, curve in (
        ("alice", 0, [(0.0, 10.0), (6.0, 4.0)]),
        ("bob", 0, [(-8.0, 9.0), (0.0, 1.0)]),
    ):
        body = order_body(world.domain, order(who, nonce, curve, until), KEYS[who])
        response = api.post("/v1/orders", json=body)
        assert response.status_code == 200, response.text
    world.fund("alice", collateral=1_000 * TOKEN)
    world.fund("bob", collateral=1_000 * TOKEN)

    cap = AuthorisationMessage(address("alice"), 0, GENESIS, until, {"premium": 1.0}, max_rate=3.0)
    response = api.post(
        "/v1/authorisations", json=authorisation_body(world.domain, cap, KEYS["alice"])
    )
    assert response.status_code == 200, response.text
    cap_id = response.json()["authorisation"]["auth_hash"]

    oracle = open_oracle(world.settings, world.engine)
    oracle.tick(limit=1)  # hour GENESIS
    alice, bob = address("alice"), address("bob")
    with Session(world.engine) as session:
        prices = results_repo.hour_prices(session, hour=GENESIS)
        journal = oracle_repo.journal_hour(session, hour=GENESIS)
        assert journal is not None and journal.result_doc is not None
        fills = {k: v["quantity"] for k, v in journal.result_doc["orders"].items()}
        applied: dict[str, Any] = journal.collateral["authorisations"]
        order_set = published.order_set(session, hour=GENESIS)
        held = oracle_repo.positions_wei_of(session, participants=[alice, bob])
    by_owner = {journal.owners[k]: (k, q) for k, q in fills.items()}
    alice_order, bought = by_owner[alice]
    assert abs(bought - 3.0) < 1e-6  # capped at 3 (4.5 unlimited)
    assert abs(by_owner[bob][1] + 3.0) < 1e-6
    # her order trades over a portfolio of its own, whose rate the limit bounds exactly
    portfolios = journal.result_doc["portfolios"]
    assert journal.engine_doc["portfolios"][alice_order]["limits"] == {"max_rate": 3.0}
    assert journal.result_doc["participants"][alice]["trades"]["premium"] <= 3.0
    assert abs(portfolios[alice_order]["quantity"] - 3.0) < 1e-6
    assert abs(prices["premium"] - 4.0) < 1e-6  # bob's price for 3: 1 + 3
    assert applied[cap_id] == {"orders": {alice_order: 1.0}, "min_rate": None, "max_rate": 3.0}
    assert held[alice]["premium"] <= 3 * WAD  # never beyond the limit, to the wei
    assert held[alice]["premium"] > 3 * WAD - 10**12
    # a monitor re-clears the published order set (signed orders + the bound) alike
    again = clear_document(order_set, {"prices": {}})
    assert abs(again["orders"][alice_order]["quantity"] - 3.0) < 1e-6
    assert abs(again["prices"]["premium"] - prices["premium"]) < 1e-9
    signed = [o for o in order_set["orders"] if "signed_portfolio" in o]
    assert [o["signed_portfolio"] for o in signed] == [{"premium": 1.0}]

    # replace the cap by a position limit: 4 GB/h held at most, 3 held now
    now[0] = world.epoch + 0.5  # before hour GENESIS + 1 closes
    position = AuthorisationMessage(
        address("alice"), 1, GENESIS, until, {"premium": 1.0}, max_position=4.0, replaces=cap_id
    )
    response = api.post(
        "/v1/authorisations", json=authorisation_body(world.domain, position, KEYS["alice"])
    )
    assert response.status_code == 200, response.text
    assert response.json()["cancel_receipt"]["order_hash"] == cap_id
    oracle.tick(limit=1)  # hour GENESIS + 1: room for 1 more
    with Session(world.engine) as session:
        prices = results_repo.hour_prices(session, hour=GENESIS + 1)
        held = oracle_repo.positions_wei_of(session, participants=[alice])
    assert abs(prices["premium"] - 2.0) < 1e-6  # bob's price for 1: 1 + 1
    assert 4 * WAD - 10**12 < held[alice]["premium"] <= 4 * WAD
    oracle.tick(limit=1)  # hour GENESIS + 2: at the limit, alice buys nothing more
    with Session(world.engine) as session:
        held = oracle_repo.positions_wei_of(session, participants=[alice])
        last = oracle_repo.journal_hour(session, hour=GENESIS + 2)
        assert last is not None and last.result_doc is not None
        fills = {k: v["quantity"] for k, v in last.result_doc["orders"].items()}
    assert 4 * WAD - 10**12 < held[alice]["premium"] <= 4 * WAD
    assert all(abs(q) < 1e-6 for q in fills.values())

    # the publication carries the authorisation as signed, with the position it met
    state = world.settings.state_dir
    second = json.loads((state / "hours" / f"{GENESIS + 1}.orders.json").read_text())
    (published_auth,) = second["authorisations"]
    assert published_auth["max_position"] == str(4 * WAD) and published_auth["max_rate"] is None
    assert 3 * WAD - 10**12 < int(published_auth["positions"]["premium"]) <= 3 * WAD
    (bounded,) = [p for p in second["portfolios"].values() if "limits" in p]
    assert abs(bounded["limits"]["max_rate"] - 1.0) < 1e-6  # 4 − 3, by hand
    for hour in (GENESIS, GENESIS + 1):
        shown = verify(world, hour, state)
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert f"hour {hour}: OK" in shown.stdout
        assert "1 signed, 1 governing orders; bounds re-derived" in shown.stdout

    # an oracle that tightens her bound to 0.5 GB/h is caught, whatever it committed
    forged = tmp_path / "forged"
    shutil.copytree(state / "hours", forged / "hours")
    path = forged / "hours" / f"{GENESIS + 1}.orders.json"
    tight = json.loads(path.read_text())
    for portfolio in tight["portfolios"].values():
        if "limits" in portfolio:
            portfolio["limits"] = {"max_rate": 0.5}
    path.write_text(json.dumps(tight))
    shown = verify(world, GENESIS + 1, forged)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert f"hour {GENESIS + 1}: MISMATCH" in shown.stdout
    assert "published max_rate 0.5, from the signed authorisations max_rate 1" in shown.stdout

    # a limit altered after signing (her 4 GB/h made 3.5) is not hers: flagged, not applied
    altered = json.loads(path.read_text())
    altered["authorisations"][0]["max_position"] = str(7 * WAD // 2)
    path.write_text(json.dumps(altered))
    shown = verify(world, GENESIS + 1, forged)
    assert shown.returncode == 1
    assert "its id is not the digest of its fields" in shown.stdout, shown.stdout
