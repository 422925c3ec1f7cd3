"""A full 168-hour week: the weekly root is the exact sum of the hourly amounts, every leaf
settles once, a failed pull gets its grace, then seizure and restriction, which the next
hour's snapshot enforces on the participant's orders."""

from __future__ import annotations

import json

from oracle_harness import GENESIS, TOKEN, OracleWorld, address, api
from sqlmodel import Session

from flowmarket.actions.actor import Actor
from flowmarket.actions.verify import PublicApi, PublicationFiles, verify_hour, verify_week
from flowmarket.chain.leaves import settlement_week
from flowmarket.client.participant_client import ApiReader
from flowmarket.db import oracle_repo
from flowmarket.money import hour_amounts
from flowmarket.oracle.settlement import advance_week
from flowmarket.states import WeekStatus
from live_server import serve

HOURS = 168
GRACE = 24 * 3600

# The three standing curves below, solved by hand: alice buys 3(12 − p)/10, carol buys
# 3(11 − p)/8, bob sells 8(p − 1)/9 GB; demand = supply at
#   p* = (3.6 + 4.125 + 8/9) / (0.3 + 0.375 + 8/9) = 8.61389 / 1.56389 ≈ 5.50799 tokens/GB.
PRICE = (3.6 + 4.125 + 8 / 9) / (0.3 + 0.375 + 8 / 9)
BOUGHT = {"alice": 0.3 * (12 - PRICE), "carol": 0.375 * (11 - PRICE), "bob": -8 * (PRICE - 1) / 9}


def week_zero_from_publications(world: OracleWorld) -> tuple[dict[str, int], int]:
    totals: dict[str, int] = {}
    fees = 0
    for hour in range(GENESIS, GENESIS + HOURS):
        publication = world.publication(hour)
        amounts = hour_amounts(publication["result"], fee_bps=publication["fee_bps"])
        for participant, cash in amounts.net_cash.items():
            totals[participant] = totals.get(participant, 0) + cash
        fees += amounts.total_fees
    return totals, fees


def test_a_week_settles_exactly_and_a_defaulting_participant_is_seized_and_restricted(
    world: OracleWorld,
) -> None:
    from flowmarket.oracle.cycle import open_oracle

    alice, bob, carol = address("alice"), address("bob"), address("carol")
    world.place("alice", {"premium": 1.0}, [(0.0, 12.0), (3.0, 2.0)])
    world.place("bob", {"premium": 1.0}, [(-8.0, 10.0), (0.0, 1.0)])
    carol_buy = world.place("carol", {"premium": 1.0}, [(0.0, 11.0), (3.0, 3.0)])
    world.fund("alice", collateral=100_000 * TOKEN, balance=100_000 * TOKEN)
    world.fund("bob", collateral=100_000 * TOKEN)
    world.fund("carol", collateral=100_000 * TOKEN, balance=100_000 * TOKEN, approve=False)
    oracle = open_oracle(world.settings, world.engine)

    assert oracle.tick(limit=HOURS) == HOURS  # also posts week 0's root

    totals, fees = week_zero_from_publications(world)
    # every hour clears at the hand-solved price, so the week's cash is 168 hours of it,
    # buyers paying the fee on top and the seller receiving his cash less the fee
    fee_rate = world.publication(GENESIS)["fee_bps"] / 10_000
    assert fee_rate > 0
    for hour in (GENESIS, GENESIS + 1, GENESIS + HOURS - 1):
        assert abs(float(world.publication(hour)["result"]["prices"]["premium"]) - PRICE) < 1e-6
    for who, bought in BOUGHT.items():
        expected = (
            -HOURS * PRICE * bought * 10**18 - HOURS * PRICE * abs(bought) * fee_rate * 10**18
        )
        assert abs(totals[address(who)] - expected) < 1e-6 * abs(expected), who
    with Session(world.engine) as session:
        hours = oracle_repo.week_hours(session, first_hour=GENESIS, last_hour=GENESIS + HOURS - 1)
    assert hours[carol] == 2**HOURS - 1  # carol traded every hour of the week
    tree = settlement_week(0, sorted(totals.items()), fees, hours)
    posted = world.view("WeeklySettlement", "weekRoot", 0)
    assert posted[0] == tree.root and posted[1] == 3 and posted[6] == fees > 0
    # Anyone re-derives the week from the oracle's publication files (all 168 hours
    # re-clear to their committed roots, the posted root is the sum of their entries),
    # and an hour from the public API.
    reader = Actor.watching(world.settings, address("bob"))  # any address: it only reads
    verdict = verify_week(reader, PublicationFiles(world.settings.state_dir), 0)
    assert verdict.ok and len(verdict.hours) == HOURS, verdict.problems
    assert all(len(h.committed.amounts.trades) == 3 for h in verdict.hours if h.committed)
    published = json.loads((world.settings.state_dir / "weeks" / "0.json").read_text())
    assert published["root"] == "0x" + tree.root.hex() and len(published["leaves"]) == 3
    with serve(api(world).app) as url:
        source = ApiReader(url)
        hour = verify_hour(reader, PublicApi(source), GENESIS + 1)
        source.close()
    assert hour.ok and hour.committed is not None, hour.problems
    assert totals[carol] < 0 < totals[bob]
    bob_before = world.view("CapacityToken", "balanceOf", bob)
    distributor = world.deployment.addresses["RevenueDistributor"]
    pool_before = world.view("CapacityToken", "balanceOf", distributor)

    world.advance(121)  # past the demo profile's 120 s challenge window
    assert oracle.settle_weeks() == {0: "executing"}
    assert world.view("WeeklySettlement", "leafStatus", 0, alice) == 2
    assert world.view("WeeklySettlement", "leafStatus", 0, carol) == 1  # defaulted: grace
    # Bob is paid his share of what alice paid in; the rest waits for carol's money.
    assert world.view("WeeklySettlement", "leafStatus", 0, bob) == 3
    assert 0 < world.view("CapacityToken", "balanceOf", bob) - bob_before < totals[bob]
    assert not world.view("WeeklySettlement", "isRestricted", carol)
    assert world.view("CollateralVault", "debtOf", carol) == -totals[carol]

    world.advance(GRACE + 1)
    assert oracle.settle_weeks() == {0: WeekStatus.DONE}
    assert world.view("WeeklySettlement", "isRestricted", carol)
    assert world.view("CollateralVault", "collateralOf", carol) == 100_000 * TOKEN + totals[carol]
    assert world.view("CapacityToken", "balanceOf", bob) == bob_before + totals[bob]
    assert world.view("CapacityToken", "balanceOf", distributor) == pool_before + fees
    for participant in (alice, bob, carol):
        assert world.view("WeeklySettlement", "leafStatus", 0, participant) == 2

    nonce = world.w3.eth.get_transaction_count(address("oracle"))
    assert advance_week(oracle.ctx, 0) == WeekStatus.DONE  # repeating settles nothing twice
    assert world.w3.eth.get_transaction_count(address("oracle")) == nonce
    assert oracle.settle_weeks() == {}

    oracle.tick(limit=1)  # hour 168: carol is restricted, her buying is cut
    with Session(world.engine) as session:
        journal = oracle_repo.journal_hour(session, hour=GENESIS + HOURS)
    assert journal is not None
    assert journal.collateral["participants"][carol]["state"] == "restricted"
    assert journal.collateral["cut_orders"] == {carol_buy: "removed"}
    assert carol not in world.publication(GENESIS + HOURS)["result"]["participants"]
