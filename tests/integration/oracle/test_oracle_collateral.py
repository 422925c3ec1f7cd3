"""Collateral rules in the running cycle: a participant below zero excess keeps only the
part of its orders that moves it towards balance."""

from __future__ import annotations

from oracle_harness import GENESIS, TOKEN, OracleWorld, address, api
from sqlmodel import Session

from flowmarket.actions.actor import Actor
from flowmarket.actions.verify import PublicApi, PublicationFiles, verify_hour
from flowmarket.clearing import clear_document
from flowmarket.client.participant_client import ApiReader
from flowmarket.db import oracle_repo
from flowmarket.oracle.cycle import open_oracle
from flowmarket.oracle.hour_commitment import build_hour_bundle
from live_server import serve

# Margins governance raises after the first hour (basis points): initial 100 %, deviation
# 100 %, warning 20 %. Alice's position of ~4.4 GB/h of premium at ~4.7 tokens/GB then
# requires ~41 tokens, more than the 25 she holds.
RAISED_MARGINS = (10_000, 10_000, 2_000)


def below_after_governance(world: OracleWorld) -> None:
    """Alice deposits 25 tokens: enough for the worst case of her first buy order (6 GB/h
    at up to 12 tokens/GB: 72 tokens of exposure × 30 % margins = 21.6 tokens), not for
    her position once governance raises the margins."""
    world.fund("alice", collateral=25 * TOKEN)


def test_a_participant_below_its_requirement_can_trade_towards_balance_but_not_away(
    world: OracleWorld,
) -> None:
    alice = address("alice")
    buy = world.place("alice", {"premium": 1.0}, [(0.0, 12.0), (6.0, 2.0)])
    world.place("bob", {"premium": 1.0}, [(-8.0, 10.0), (0.0, 1.0)])
    sell = world.place(
        "alice", {"premium": 1.0}, [(-10.0, 25.0), (0.0, 5.0)], from_hour=GENESIS + 1
    )
    world.place("carol", {"premium": 1.0}, [(0.0, 30.0), (10.0, 5.0)], from_hour=GENESIS + 1)
    world.fund("bob", collateral=1_000 * TOKEN)
    world.fund("carol", collateral=1_000 * TOKEN)
    below_after_governance(world)
    oracle = open_oracle(world.settings, world.engine)

    oracle.tick(limit=1)
    world.govern("setCollateralParams", RAISED_MARGINS)
    oracle.tick(limit=1)

    first = world.publication(GENESIS)["result"]["participants"][alice]["trades"]["premium"]
    assert first > 1.0  # bought while its collateral backed the order's worst case
    assert world.posted_requirement("alice") > 0
    with Session(world.engine) as session:
        journal = oracle_repo.journal_hour(session, hour=GENESIS + 1)
        position = oracle_repo.positions_of(session, participants=[alice])[alice]["premium"]
        alerts = [a.kind for a in oracle_repo.recent_alerts(session)]
    assert journal is not None
    assert journal.collateral["participants"][alice]["state"] == "below"
    assert journal.collateral["cut_orders"] == {buy: "removed", sell: "clipped"}
    assert "collateral-below" in alerts
    second = world.publication(GENESIS + 1)["result"]["participants"][alice]["trades"]["premium"]
    assert -first - 1e-9 <= second < -0.5  # sold towards balance, never past it
    assert -1e-9 <= position < first


def test_the_published_order_set_is_the_cut_book_and_re_clears_to_the_committed_roots(
    world: OracleWorld,
) -> None:
    alice = address("alice")
    world.place("alice", {"premium": 1.0}, [(0.0, 12.0), (6.0, 2.0)])
    # bob signs his sell in a batch with a second order that never trades
    batched, _ = world.place_batch(
        "bob",
        [
            ({"premium": 1.0}, [(-8.0, 10.0), (0.0, 1.0)]),
            ({"premium": 1.0}, [(-1.0, 99.0), (0.0, 98.0)]),
        ],
    )
    sell = world.place(
        "alice", {"premium": 1.0}, [(-10.0, 25.0), (0.0, 5.0)], from_hour=GENESIS + 1
    )
    world.place("carol", {"premium": 1.0}, [(0.0, 30.0), (10.0, 5.0)], from_hour=GENESIS + 1)
    world.fund("bob", collateral=1_000 * TOKEN)
    world.fund("carol", collateral=1_000 * TOKEN)
    below_after_governance(world)
    oracle = open_oracle(world.settings, world.engine)
    oracle.tick(limit=1)
    world.govern("setCollateralParams", RAISED_MARGINS)
    oracle.tick(limit=1)

    hour = GENESIS + 1
    published = api(world).get(f"/v1/hours/{hour}/orders").json()
    by_id = {order["id"]: order for order in published["orders"]}

    assert by_id[sell]["signed_curve"] != by_id[sell]["curve"]  # clipped, signature kept
    assert by_id[sell]["participant"] == alice and by_id[sell]["signature"].startswith("0x")
    prior = {"prices": world.publication(GENESIS)["result"]["prices"]}
    result = clear_document(published, prior)
    fee_bps = world.publication(hour)["fee_bps"]
    recleared = build_hour_bundle(result, hour=hour, fee_bps=fee_bps).commitment
    assert world.committed_events()[1]["entriesRoot"] == recleared.entries_root
    assert world.committed_events()[1]["pricesRoot"] == recleared.prices_root
    # Every fill leaf the oracle committed is its participant's signed order: the cut
    # order commits the curve alice signed and the window she was cut to, bob's the
    # batch he signed; anyone re-derives the orders root from the published order set,
    # and no fill is unsigned or off its curve (the files, and the API, agree).
    assert by_id[batched]["batch"] in published["batches"]
    reader = Actor.watching(world.settings, alice)
    verdict = verify_hour(reader, PublicationFiles(world.settings.state_dir), hour)
    assert verdict.ok and verdict.faults == [], verdict.problems
    assert verdict.recleared is not None
    fills = verdict.recleared.fills
    assert world.committed_events()[1]["ordersRoot"] == verdict.recleared.commitment.orders_root
    cut = fills[sell]
    assert cut.curve_quantities == (-10 * TOKEN, 0) and cut.window[0] > -10 * TOKEN
    assert fills[batched].batch_orders and not cut.batch_orders
    with serve(api(world).app) as url:
        source_api = ApiReader(url)
        verdict = verify_hour(reader, PublicApi(source_api), hour)
        source_api.close()
    assert verdict.ok and verdict.faults == [], verdict.problems
    assert verdict.recleared is not None and len(verdict.recleared.fills) == len(by_id)
