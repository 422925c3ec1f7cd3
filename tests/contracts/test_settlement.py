"""WeeklySettlement: optimistic roots, payouts, pulls, grace, seizure, restriction, fees.

Week 0 is set up by fixtures at three stages: `week` (the tree, not posted), `posted`
(its root posted by the oracle, the challenge window open) and `settling` (the window
over: leaves can be executed).
"""

from __future__ import annotations

import pytest
from market_harness import TOKEN, Market
from settlement_harness import build_week, deposit_collateral, execute, post_root
from web3.types import TxReceipt

from flowmarket.chain.leaves import SettlementWeek

DEMO_WINDOW_S = 120
GRACE_S = 24 * 3600
# Week 0: alice pays 100, bob receives 60, carol 39, 1 token of fees; dave's leaf is zero.
AMOUNTS = {"alice": -100 * TOKEN, "bob": 60 * TOKEN, "carol": 39 * TOKEN, "dave": 0}
FEES = 1 * TOKEN
UNSETTLED, DEFAULTED, SETTLED = 0, 1, 2


@pytest.fixture
def week(market: Market) -> SettlementWeek:
    return build_week(market, AMOUNTS, FEES)


@pytest.fixture
def posted(market: Market, week: SettlementWeek) -> SettlementWeek:
    post_root(market, week)
    return week


@pytest.fixture
def settling(market: Market, posted: SettlementWeek) -> SettlementWeek:
    market.advance(DEMO_WINDOW_S)
    return posted


def leaf_status(market: Market, who: str) -> int:
    return int(market.view("WeeklySettlement", "leafStatus", 0, market.address(who)))


def default_alice(market: Market, week: SettlementWeek, *, collateral: int) -> TxReceipt:
    """Alice deposits `collateral`; her leaf is executed without an allowance, so the pull
    fails (nothing reverts) and her grace period starts."""
    deposit_collateral(market, "alice", collateral)
    return execute(market, week, "alice")


def test_posts_root_with_totals_and_an_execution_time_after_the_challenge_window(
    market: Market, posted: SettlementWeek
) -> None:
    root = market.view("WeeklySettlement", "weekRoot", 0)
    assert root[0] == posted.root
    assert root[1] == market.now() + DEMO_WINDOW_S
    assert (root[2], root[3], root[4]) == (99 * TOKEN, 100 * TOKEN, FEES)


def test_rejects_root_from_an_account_that_is_not_the_oracle(
    market: Market, week: SettlementWeek
) -> None:
    with market.reverts("MarketNotOracle"):
        post_root(market, week, by="alice")


def test_rejects_root_for_a_week_whose_hours_are_not_all_committed(
    market: Market, week: SettlementWeek
) -> None:
    with market.reverts("SettlementWeekIncomplete"):
        post_root(market, week, number=1)


def test_rejects_root_whose_totals_do_not_sum_to_zero_after_fees(
    market: Market, week: SettlementWeek
) -> None:
    with market.reverts("SettlementNotBalanced"):
        post_root(market, week, fees=0)


def test_rejects_a_second_root_for_the_same_week(market: Market, posted: SettlementWeek) -> None:
    with market.reverts("SettlementRootAlreadyPosted"):
        post_root(market, posted)


def test_rejects_execution_during_the_challenge_window(
    market: Market, posted: SettlementWeek
) -> None:
    market.approve("alice", "WeeklySettlement", 100 * TOKEN)
    with market.reverts("SettlementChallengeWindowOpen"):
        execute(market, posted, "alice")


def test_guardian_deletes_a_root_in_its_window_and_the_oracle_reposts(
    market: Market, posted: SettlementWeek
) -> None:
    with market.reverts("MarketNotGuardian"):
        market.send("oracle", "WeeklySettlement", "deleteSettlementRoot", 0)
    receipt = market.send("guardian", "WeeklySettlement", "deleteSettlementRoot", 0)
    deleted = market.events(receipt, "WeeklySettlement", "SettlementRootDeleted")
    assert deleted[0]["root"] == posted.root
    assert market.view("WeeklySettlement", "weekRoot", 0)[0] == bytes(32)
    post_root(market, posted)
    market.advance(DEMO_WINDOW_S)
    with market.reverts("SettlementChallengeWindowOver"):
        market.send("guardian", "WeeklySettlement", "deleteSettlementRoot", 0)


def test_collects_debits_pays_credits_and_forwards_fees(
    market: Market, settling: SettlementWeek
) -> None:
    market.approve("alice", "WeeklySettlement", 100 * TOKEN)
    before = {w: market.balance(w) for w in AMOUNTS}
    for who in ("alice", "bob", "carol", "dave"):
        execute(market, settling, who)
    for who, amount in AMOUNTS.items():
        assert market.balance(who) == before[who] + amount
        assert leaf_status(market, who) == SETTLED
    receipt = market.send("bob", "WeeklySettlement", "forwardFees", 0)
    assert market.events(receipt, "WeeklySettlement", "FeesForwarded")[0]["amount"] == FEES
    assert market.view("RevenueDistributor", "pendingRevenue") == FEES
    assert market.balance("WeeklySettlement") == 0
    with market.reverts("SettlementFeesAlreadyForwarded"):
        market.send("bob", "WeeklySettlement", "forwardFees", 0)


def test_rejects_a_credit_before_the_week_has_collected_it(
    market: Market, settling: SettlementWeek
) -> None:
    with market.reverts("SettlementFundsNotCollected"):
        execute(market, settling, "bob")
    with market.reverts("SettlementFundsNotCollected"):
        market.send("bob", "WeeklySettlement", "forwardFees", 0)


def test_rejects_settlement_twice_for_same_leaf(market: Market, settling: SettlementWeek) -> None:
    market.approve("alice", "WeeklySettlement", 200 * TOKEN)
    execute(market, settling, "alice")
    execute(market, settling, "bob")
    with market.reverts("SettlementAlreadySettled"):
        execute(market, settling, "alice")
    with market.reverts("SettlementAlreadySettled"):
        execute(market, settling, "bob")


def test_rejects_a_bad_proof_or_a_changed_amount(market: Market, settling: SettlementWeek) -> None:
    bob, alice = market.address("bob"), market.address("alice")
    for amount, proof in ((61 * TOKEN, settling.proof(bob)), (60 * TOKEN, settling.proof(alice))):
        with market.reverts("SettlementInvalidProof"):
            market.send("bob", "WeeklySettlement", "executeSettlement", 0, bob, amount, proof)


def test_failed_pull_starts_grace_then_seizure_restricts_until_whole(
    market: Market, settling: SettlementWeek
) -> None:
    alice = market.address("alice")
    market.send("oracle", "CollateralVault", "setRequirements", [alice], [80 * TOKEN])
    receipt = default_alice(market, settling, collateral=150 * TOKEN)
    [failed] = market.events(receipt, "WeeklySettlement", "SettlementPullFailed")
    assert failed["graceEndsAt"] == market.now() + GRACE_S
    assert leaf_status(market, "alice") == DEFAULTED
    assert market.view("WeeklySettlement", "debtOf", alice) == 100 * TOKEN
    assert not market.view("WeeklySettlement", "isRestricted", alice)

    with market.reverts("SettlementGraceNotOver"):
        market.send("dave", "WeeklySettlement", "seize", 0, alice)
    market.advance(GRACE_S)
    market.send("dave", "WeeklySettlement", "seize", 0, alice)
    assert market.view("CollateralVault", "collateralOf", alice) == 50 * TOKEN
    assert leaf_status(market, "alice") == SETTLED
    assert market.view("WeeklySettlement", "debtOf", alice) == 0
    assert market.view("WeeklySettlement", "isRestricted", alice)
    with market.reverts("SettlementNotDefaulted"):
        market.send("dave", "WeeklySettlement", "seize", 0, alice)
    # Collateral 50 < requirement 80: still restricted until it tops up.
    with market.reverts("SettlementStillRestricted"):
        market.send("dave", "WeeklySettlement", "clearRestriction", alice)
    deposit_collateral(market, "alice", 30 * TOKEN)
    market.send("dave", "WeeklySettlement", "clearRestriction", alice)
    assert not market.view("WeeklySettlement", "isRestricted", alice)
    execute(market, settling, "bob")  # the seized collateral pays the creditors


def test_partial_seizure_leaves_debt_that_a_later_pull_repays(
    market: Market, settling: SettlementWeek
) -> None:
    alice = market.address("alice")
    default_alice(market, settling, collateral=30 * TOKEN)
    market.advance(GRACE_S)
    receipt = market.send("dave", "WeeklySettlement", "seize", 0, alice)
    [seized] = market.events(receipt, "WeeklySettlement", "SettlementSeized")
    assert (seized["seized"], seized["outstanding"]) == (30 * TOKEN, 70 * TOKEN)
    assert leaf_status(market, "alice") == DEFAULTED
    with market.reverts("SettlementTransferFailed"):
        execute(market, settling, "alice")
    market.approve("alice", "WeeklySettlement", 70 * TOKEN)
    execute(market, settling, "alice")
    assert market.view("WeeklySettlement", "debtOf", alice) == 0
    assert market.view("WeeklySettlement", "weekRoot", 0)[5] == 100 * TOKEN
    market.send("dave", "WeeklySettlement", "clearRestriction", alice)


def test_seize_rejects_a_leaf_that_never_defaulted(
    market: Market, settling: SettlementWeek
) -> None:
    with market.reverts("SettlementNotDefaulted"):
        market.send("dave", "WeeklySettlement", "seize", 0, market.address("bob"))


def test_rejects_execution_of_a_week_without_root_and_while_paused(
    market: Market, week: SettlementWeek
) -> None:
    with market.reverts("SettlementRootMissing"):
        execute(market, week, "bob")
    post_root(market, week)
    market.advance(DEMO_WINDOW_S)
    market.send("guardian", "MarketParameters", "pause")
    with market.reverts("MarketIsPaused"):
        execute(market, week, "bob")


def test_rejects_a_zero_root_and_deleting_a_root_that_was_never_posted(market: Market) -> None:
    with market.reverts("SettlementZeroRoot"):
        market.send("oracle", "WeeklySettlement", "postSettlementRoot", 0, bytes(32), 0, 0, 0)
    with market.reverts("SettlementRootMissing"):
        market.send("guardian", "WeeklySettlement", "deleteSettlementRoot", 0)


def test_rejects_lifting_a_restriction_that_was_never_imposed(market: Market) -> None:
    with market.reverts("SettlementStillRestricted"):
        market.send("dave", "WeeklySettlement", "clearRestriction", market.address("bob"))
