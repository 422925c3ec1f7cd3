"""A dishonest oracle on a real node: the hourly entries say alice paid 10 and bob received
10 in hour 5 of week 1; the oracle posts a weekly root that debits alice 100. Alice proves
on chain that her leaf is not the sum of her committed entries: the root is void, the
operator's bond (1 000 tokens in the demo profile) is hers, and she is never debited."""

from __future__ import annotations

from typing import Any

from market_harness import TOKEN, Market, commitment
from settlement_harness import execute, post_root

from flowmarket.chain import leaves
from flowmarket.merkle import MerkleTree

HOURS_PER_WEEK = 168
DEMO_BOND = 1_000 * TOKEN  # the demo profile's oracle_bond, by hand
DEMO_CHALLENGE_WINDOW_S = 120


def _commit_week_one(market: Market, entries: list[bytes]) -> int:
    """Commit week 1 (its hours closed after a week of node time); hour 5 carries an
    entries tree of `entries`. Returns the week's first hour."""
    market.advance(HOURS_PER_WEEK * 3600)
    first = market.deployment.genesis_hour + HOURS_PER_WEEK
    tree = MerkleTree.from_leaves(entries)
    for hour in range(first, first + HOURS_PER_WEEK):
        c: list[Any] = list(commitment(hour))
        if hour == first + 5:
            c[2] = tree.root
        market.send("oracle", "ClearingLedger", "commitHour", hour, tuple(c))
    return first


def test_an_inflated_weekly_leaf_is_challenged_the_bond_slashed_and_the_victim_never_debited(
    market: Market,
) -> None:
    alice, bob = market.address("alice"), market.address("bob")
    trades = leaves.trades_hash([], [])
    honest = [
        leaves.entry_leaf(alice, -10 * TOKEN, 0, trades),
        leaves.entry_leaf(bob, 10 * TOKEN, 0, trades),
    ]
    first = _commit_week_one(market, honest)
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed
    inflated = leaves.settlement_week(
        1, [(alice, -100 * TOKEN), (bob, 100 * TOKEN)], 0, hours={alice: 1 << 5, bob: 1 << 5}
    )
    post_root(market, inflated)
    leaf = inflated.item(alice).as_tuple()
    proof = MerkleTree.from_leaves(honest).proof(honest[0])

    # A forged entry (alice −100 in hour 5) is not in the committed tree: not a fault.
    with market.reverts("SettlementNotAFault"):
        forged = [(first + 5, -100 * TOKEN, 0, trades, proof)]
        market.send("dave", "WeeklySettlement", "challengeLeafSum", 1, leaf, forged)

    before = market.balance("alice")
    evidence = [(first + 5, -10 * TOKEN, 0, trades, proof)]
    receipt = market.send("alice", "WeeklySettlement", "challengeLeafSum", 1, leaf, evidence)
    (voided,) = market.events(receipt, "WeeklySettlement", "SettlementRootVoided")
    assert (voided["week"], voided["challenger"], voided["paid"]) == (1, alice, DEMO_BOND)
    assert voided["root"] == inflated.root
    assert market.balance("alice") == before + DEMO_BOND
    assert market.view("OracleBond", "bonded") == 0

    market.advance(DEMO_CHALLENGE_WINDOW_S)
    with market.reverts("SettlementRootMissing"):
        execute(market, inflated, "alice")
    assert market.balance("alice") == before + DEMO_BOND, "alice is never debited"
    with market.reverts("SettlementOracleUnbonded"):
        post_root(market, inflated)
