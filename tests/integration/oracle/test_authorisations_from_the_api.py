"""A participant's limits, signed through the HTTP API, bind in the real oracle's clearing.

Alice buys premium along p = 10 − q (up to 6 GB/h), bob sells along p = 1 + s (up to 8):
unlimited they trade 4.5 GB/h at 5.5 tokens/GB every hour. Alice signs an
`Authorisation` capping her rate at 3 GB/h: bob then sells 3 at 1 + 3 = 4. She replaces
it with a position limit of 4 GB/h held: with 3 held she buys 1 (bob's price 2), then 0.
"""

from __future__ import annotations

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
    world: OracleWorld,
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
