"""A week whose every entry is voided settles nothing (docs/settlement.md, "A week with no
leaves"): its tree has no leaf, so the oracle posts the empty-week root with count 0 and
zero totals, the week completes with nothing to pull or pay, and a wrong empty root (an
entry that is not void) is proven like any missing participant.

Week 1's hour 5 commits alice −10 and bob +10 tokens. The oracle posts the honest root;
a challenge voids hour 5 (here: its trade-lines tree proves a product that does not
balance, bob's −10 against alice's +9); the root is deleted and the bond paid. The
operator restakes, and the oracle reposts week 1 without the voided hour: no leaf.
"""

from __future__ import annotations

from typing import Any

from market_harness import TOKEN, Market, commitment
from settlement_harness import post_root

from flowmarket.chain import leaves
from flowmarket.hashing import keccak
from flowmarket.merkle import MerkleTree
from flowmarket.oracle.fills_tree import fills_tree
from flowmarket.oracle.trade_lines import build_tree, unbacked_source

HOURS_PER_WEEK = 168
DEMO_BOND = 1_000 * TOKEN
CHALLENGE_WINDOW_S = 3_600
PREMIUM = leaves.product_id("premium")


def restake(market: Market) -> None:
    """The operator restakes the bond's size after a slash."""
    market.mint("oracle", DEMO_BOND)
    market.send(
        "oracle", "CapacityToken", "approve", market.deployment.addresses["OracleBond"], DEMO_BOND
    )
    market.send("oracle", "OracleBond", "stake", DEMO_BOND)


def commit_week_one(market: Market, entries: list[bytes], lines: Any, fills: Any) -> int:
    """Commit week 1; hour 5 carries `entries` and the lines and fills trees given."""
    market.advance(HOURS_PER_WEEK * 3600)
    first = market.deployment.genesis_hour + HOURS_PER_WEEK
    tree = MerkleTree.from_leaves(entries)
    for hour in range(first, first + HOURS_PER_WEEK):
        c: list[Any] = list(commitment(hour))
        if hour == first + 5:
            c[2], c[8], c[9], c[12], c[13] = tree.root, lines.root, lines.count, fills.root, 2
        market.send("oracle", "ClearingLedger", "commitHour", hour, tuple(c))
    return first


def test_the_empty_root_is_a_fixed_constant_and_the_empty_tree_uses_it(market: Market) -> None:
    empty = leaves.settlement_week(1, [], 0)
    assert (empty.count, empty.total_credits, empty.total_debits, empty.fees) == (0, 0, 0, 0)
    # By hand: keccak256("flowmarket: a week with no leaves"), the contract's constant.
    assert empty.root == keccak(b"flowmarket: a week with no leaves")
    assert bytes(market.view("WeeklySettlement", "EMPTY_WEEK_ROOT")) == empty.root


def test_an_all_voided_week_reposts_the_empty_root_and_settles_nothing(market: Market) -> None:
    alice, bob = market.address("alice"), market.address("bob")
    market.send("timelock", "MarketParameters", "setChallengeWindow", CHALLENGE_WINDOW_S)
    trades = leaves.trades_hash([], [])
    entries = [
        leaves.entry_leaf(alice, -10 * TOKEN, 0, trades),
        leaves.entry_leaf(bob, 10 * TOKEN, 0, trades),
    ]
    # Hour 5's lines: alice +9 and bob −10 of premium (unbacked): −1 GB/h, not zero.
    lines = build_tree(
        {PREMIUM + unbacked_source(alice): 9 * TOKEN, PREMIUM + unbacked_source(bob): -10 * TOKEN}
    )
    fills = fills_tree([], [alice, bob])
    first = commit_week_one(market, entries, lines, fills)
    hour = first + 5
    honest = leaves.settlement_week(
        1, [(alice, -10 * TOKEN), (bob, 10 * TOKEN)], 0, {alice: 1 << 5, bob: 1 << 5}
    )
    post_root(market, honest)
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed

    last = lines.item(lines.count - 1).as_tuple()
    check = market.contract("ClearingLedger").encode_abi(
        "isUnbalanced", args=[hour, last, last, False]
    )
    market.send("dave", "WeeklySettlement", "challengeBalance", hour, check)
    assert market.view("WeeklySettlement", "isHourVoided", hour)
    assert market.view("WeeklySettlement", "weekRoot", 1)[0] == bytes(32)

    # Every entry of week 1 is in hour 5, now void: the week's tree has no leaf.
    empty = leaves.settlement_week(1, [], 0, {})
    restake(market)
    with market.reverts("SettlementEmptyRoot"):  # an empty week declares no totals
        market.send("oracle", "WeeklySettlement", "postSettlementRoot", 1, empty.root, 0,
                    TOKEN, TOKEN, 0)  # fmt: skip
    with market.reverts("SettlementEmptyRoot"):  # the empty root has no leaves
        market.send("oracle", "WeeklySettlement", "postSettlementRoot", 1, empty.root, 1,
                    0, 0, 0)  # fmt: skip
    with market.reverts("SettlementZeroRoot"):  # count 0 only with the empty root
        market.send("oracle", "WeeklySettlement", "postSettlementRoot", 1, honest.root, 0,
                    0, 0, 0)  # fmt: skip
    post_root(market, empty)
    record = market.view("WeeklySettlement", "weekRoot", 1)
    assert (bytes(record[0]), record[1], record[4], record[5], record[6]) == (
        empty.root, 0, 0, 0, 0)  # fmt: skip

    # The empty root stands: alice's entry is void, so her missing leaf is no fault.
    proof = MerkleTree.from_leaves(entries).proof(entries[0])
    entry = (hour, -10 * TOKEN, 0, trades, proof)
    with market.reverts("SettlementNotAFault"):
        market.send("dave", "WeeklySettlement", "challengeMissingParticipant", 1, alice,
                    entry, [])  # fmt: skip

    before = market.balance("alice")
    market.advance(CHALLENGE_WINDOW_S)
    assert market.view("WeeklySettlement", "executableAt", 1) > 0
    with market.reverts("SettlementInvalidLeaf"):  # nothing to execute: no leaf
        market.send("dave", "WeeklySettlement", "executeSettlement", 1,
                    honest.item(alice).as_tuple())  # fmt: skip
    with market.reverts("SettlementNothingDue"):  # and no fee to forward
        market.send("dave", "WeeklySettlement", "forwardFees", 1)
    assert market.balance("alice") == before, "alice is never debited"
    assert market.view("WeeklySettlement", "leafStatus", 1, alice) == 0  # never settled


def test_a_wrong_empty_root_is_proven_by_a_missing_participant(market: Market) -> None:
    """The oracle posts the empty root for a week whose hour 5 is not void: alice's entry
    proves that she has no leaf (count 0: every key is absent), the root is void."""
    alice, bob = market.address("alice"), market.address("bob")
    trades = leaves.trades_hash([], [])
    entries = [
        leaves.entry_leaf(alice, -10 * TOKEN, 0, trades),
        leaves.entry_leaf(bob, 10 * TOKEN, 0, trades),
    ]
    lines = build_tree(
        {PREMIUM + unbacked_source(alice): 10 * TOKEN, PREMIUM + unbacked_source(bob): -10 * TOKEN}
    )
    first = commit_week_one(market, entries, lines, fills_tree([], [alice, bob]))
    post_root(market, leaves.settlement_week(1, [], 0))
    proof = MerkleTree.from_leaves(entries).proof(entries[0])
    entry = (first + 5, -10 * TOKEN, 0, trades, proof)
    before = market.balance("dave")
    market.send("dave", "WeeklySettlement", "challengeMissingParticipant", 1, alice, entry, [])
    assert market.balance("dave") == before + DEMO_BOND
    assert market.view("WeeklySettlement", "weekRoot", 1)[0] == bytes(32)
