"""Delivered products leave the live state: once a product's delivery hour has cleared,
its positions and expected positions are dropped (so snapshots, requirements and
publications stop carrying them), while its hourly history stays queryable."""

from __future__ import annotations

from oracle_harness import GENESIS, TOKEN, OracleWorld, address, api
from sqlmodel import Session

from flowmarket.catalogue import Kind, ProductKey
from flowmarket.db import oracle_repo, orders_repo, results_repo
from flowmarket.db.models import Product
from flowmarket.oracle.cycle import open_oracle
from flowmarket.oracle.expected import report_expected

RT = ProductKey(Kind.REAL_TIME, "eu-west", "premium", GENESIS).name
FORWARD = ProductKey(Kind.HOURLY, "eu-west", "premium", GENESIS + 3).name


def _book(world: OracleWorld) -> None:
    with Session(world.engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=RT), Product(name=FORWARD)])
    for product in (RT, FORWARD):
        until = GENESIS if product == RT else GENESIS + 2
        world.place("alice", {product: 1.0}, [(0.0, 12.0), (6.0, 2.0)], until_hour=until)
        world.place("bob", {product: 1.0}, [(-8.0, 10.0), (0.0, 1.0)], until_hour=until)
    for who in ("alice", "bob"):
        world.fund(who, collateral=1_000 * TOKEN)


def test_positions_in_a_delivered_product_are_dropped_but_its_history_stays(
    world: OracleWorld,
) -> None:
    _book(world)
    report_expected(world.engine, participant=address("alice"), quantities={RT: 3.0, FORWARD: 2.0})
    oracle = open_oracle(world.settings, world.engine)

    assert oracle.tick(limit=1) == 1  # GENESIS: the real-time product's own hour

    alice = address("alice")
    with Session(world.engine) as session:
        positions = oracle_repo.positions_of(session, participants=[alice])[alice]
        expected = oracle_repo.expected_positions(session, participants=[alice])[alice]
        entry = results_repo.hour_participant(session, hour=GENESIS, participant=alice)
        prices = results_repo.hour_prices(session, hour=GENESIS)
    assert RT not in positions and positions[FORWARD] > 0
    assert expected == {FORWARD: 2.0}
    assert entry is not None and entry.trades[RT] > 0  # the hour's trades stay on record
    assert set(prices) == {RT, FORWARD}
    proof = api(world).get(f"/v1/hours/{GENESIS}/proofs/prices/{RT}")
    assert proof.status_code == 200 and proof.json()["proof"]


def test_the_next_hours_snapshot_and_requirement_ignore_the_delivered_product(
    world: OracleWorld,
) -> None:
    _book(world)
    oracle = open_oracle(world.settings, world.engine)
    oracle.tick(limit=2)

    alice = address("alice")
    with Session(world.engine) as session:
        journal = oracle_repo.journal_hour(session, hour=GENESIS + 1)
        positions = oracle_repo.positions_of(session, participants=[alice])[alice]
    assert journal is not None
    assert journal.engine_doc["products"] == [FORWARD]
    assert list(positions) == [FORWARD]
    assert world.posted_requirement("alice") > 0


def test_forwards_leave_the_live_state_once_their_delivery_hour_clears(
    world: OracleWorld,
) -> None:
    _book(world)
    oracle = open_oracle(world.settings, world.engine)
    oracle.tick(limit=4)  # GENESIS .. GENESIS + 3, the forward's delivery hour

    with Session(world.engine) as session:
        assert oracle_repo.live_products(session) == set()
        history = results_repo.participant_history(session, participant=address("bob"))
    assert {p for entry in history for p in entry.trades} == {RT, FORWARD}
