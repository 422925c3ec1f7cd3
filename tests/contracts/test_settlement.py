"""WeeklySettlement: optimistic roots, payouts, pulls, grace, seizure, restriction, fees."""

from __future__ import annotations

from market_harness import TOKEN, Market
from web3.types import TxReceipt

from flowmarket.chain import leaves

DEMO_WINDOW_S = 120
GRACE_S = 24 * 3600
# Week 0: alice pays 100, bob receives 60, carol 39, 1 token of fees; dave's leaf is zero.
AMOUNTS = {"alice": -100 * TOKEN, "bob": 60 * TOKEN, "carol": 39 * TOKEN, "dave": 0}
FEES = 1 * TOKEN


def build_week(
    market: Market, amounts: dict[str, int] = AMOUNTS, fees: int = FEES
) -> leaves.SettlementWeek:
    return leaves.settlement_week(0, [(market.address(w), a) for w, a in amounts.items()], fees)


def post_week(market: Market, *, wait: bool = True) -> leaves.SettlementWeek:
    week = build_week(market)
    market.send(
        "oracle",
        "WeeklySettlement",
        "postSettlementRoot",
        0,
        week.root,
        week.total_credits,
        week.total_debits,
        week.fees,
    )
    if wait:
        market.advance(DEMO_WINDOW_S)
    return week


def execute(
    market: Market, week: leaves.SettlementWeek, who: str, caller: str = "dave"
) -> TxReceipt:
    address = market.address(who)
    return market.send(
        caller,
        "WeeklySettlement",
        "executeSettlement",
        0,
        address,
        week.amounts[address],
        week.proof(address),
    )


def test_posts_root_with_totals_and_an_execution_time_after_the_challenge_window(
    market: Market,
) -> None:
    week = post_week(market, wait=False)
    root = market.view("WeeklySettlement", "weekRoot", 0)
    assert root[0] == week.root
    assert root[1] == market.now() + DEMO_WINDOW_S
    assert (root[2], root[3], root[4]) == (99 * TOKEN, 100 * TOKEN, FEES)


def test_rejects_root_from_an_account_that_is_not_the_oracle(market: Market) -> None:
    week = build_week(market)
    with market.reverts("MarketNotOracle"):
        market.send(
            "alice",
            "WeeklySettlement",
            "postSettlementRoot",
            0,
            week.root,
            99 * TOKEN,
            100 * TOKEN,
            FEES,
        )


def test_rejects_root_for_a_week_whose_hours_are_not_all_committed(market: Market) -> None:
    week = build_week(market)
    with market.reverts("SettlementWeekIncomplete"):
        market.send(
            "oracle",
            "WeeklySettlement",
            "postSettlementRoot",
            1,
            week.root,
            99 * TOKEN,
            100 * TOKEN,
            FEES,
        )


def test_rejects_root_whose_totals_do_not_sum_to_zero_after_fees(market: Market) -> None:
    week = build_week(market)
    with market.reverts("SettlementNotBalanced"):
        market.send(
            "oracle",
            "WeeklySettlement",
            "postSettlementRoot",
            0,
            week.root,
            99 * TOKEN,
            100 * TOKEN,
            0,
        )


def test_rejects_a_second_root_for_the_same_week(market: Market) -> None:
    week = post_week(market, wait=False)
    with market.reverts("SettlementRootAlreadyPosted"):
        market.send(
            "oracle",
            "WeeklySettlement",
            "postSettlementRoot",
            0,
            week.root,
            99 * TOKEN,
            100 * TOKEN,
            FEES,
        )


def test_rejects_execution_during_the_challenge_window(market: Market) -> None:
    week = post_week(market, wait=False)
    market.approve("alice", "WeeklySettlement", 100 * TOKEN)
    with market.reverts("SettlementChallengeWindowOpen"):
        execute(market, week, "alice")


def test_guardian_deletes_a_root_in_its_window_and_the_oracle_reposts(market: Market) -> None:
    week = post_week(market, wait=False)
    with market.reverts("MarketNotGuardian"):
        market.send("oracle", "WeeklySettlement", "deleteSettlementRoot", 0)
    receipt = market.send("guardian", "WeeklySettlement", "deleteSettlementRoot", 0)
    assert (
        market.events(receipt, "WeeklySettlement", "SettlementRootDeleted")[0]["root"] == week.root
    )
    assert market.view("WeeklySettlement", "weekRoot", 0)[0] == bytes(32)
    post_week(market)
    with market.reverts("SettlementChallengeWindowOver"):
        market.send("guardian", "WeeklySettlement", "deleteSettlementRoot", 0)


def test_collects_debits_pays_credits_and_forwards_fees(market: Market) -> None:
    week = post_week(market)
    market.approve("alice", "WeeklySettlement", 100 * TOKEN)
    before = {w: market.balance(w) for w in AMOUNTS}
    for who in ("alice", "bob", "carol", "dave"):
        execute(market, week, who)
    for who, amount in AMOUNTS.items():
        assert market.balance(who) == before[who] + amount
        assert market.view("WeeklySettlement", "leafStatus", 0, market.address(who)) == 2
    receipt = market.send("bob", "WeeklySettlement", "forwardFees", 0)
    assert market.events(receipt, "WeeklySettlement", "FeesForwarded")[0]["amount"] == FEES
    assert market.view("RevenueDistributor", "pendingRevenue") == FEES
    assert market.balance("WeeklySettlement") == 0
    with market.reverts("SettlementFeesAlreadyForwarded"):
        market.send("bob", "WeeklySettlement", "forwardFees", 0)


def test_rejects_a_credit_before_the_week_has_collected_it(market: Market) -> None:
    week = post_week(market)
    with market.reverts("SettlementFundsNotCollected"):
        execute(market, week, "bob")
    with market.reverts("SettlementFundsNotCollected"):
        market.send("bob", "WeeklySettlement", "forwardFees", 0)


def test_rejects_settlement_twice_for_same_leaf(market: Market) -> None:
    week = post_week(market)
    market.approve("alice", "WeeklySettlement", 200 * TOKEN)
    execute(market, week, "alice")
    execute(market, week, "bob")
    with market.reverts("SettlementAlreadySettled"):
        execute(market, week, "alice")
    with market.reverts("SettlementAlreadySettled"):
        execute(market, week, "bob")


def test_rejects_a_bad_proof_or_a_changed_amount(market: Market) -> None:
    week = post_week(market)
    bob = market.address("bob")
    with market.reverts("SettlementInvalidProof"):
        market.send(
            "bob", "WeeklySettlement", "executeSettlement", 0, bob, 61 * TOKEN, week.proof(bob)
        )
    with market.reverts("SettlementInvalidProof"):
        market.send(
            "bob",
            "WeeklySettlement",
            "executeSettlement",
            0,
            bob,
            60 * TOKEN,
            week.proof(market.address("alice")),
        )


def test_failed_pull_starts_grace_then_seizure_restricts_until_whole(market: Market) -> None:
    week = post_week(market)
    alice = market.address("alice")
    market.approve("alice", "CollateralVault", 180 * TOKEN)
    market.send("alice", "CollateralVault", "deposit", 150 * TOKEN)
    market.send("oracle", "CollateralVault", "setRequirements", [alice], [80 * TOKEN])
    receipt = execute(market, week, "alice")  # no allowance: the pull fails, nothing reverts
    [failed] = market.events(receipt, "WeeklySettlement", "SettlementPullFailed")
    assert failed["graceEndsAt"] == market.now() + GRACE_S
    assert market.view("WeeklySettlement", "leafStatus", 0, alice) == 1
    assert market.view("WeeklySettlement", "debtOf", alice) == 100 * TOKEN
    assert not market.view("WeeklySettlement", "isRestricted", alice)

    with market.reverts("SettlementGraceNotOver"):
        market.send("dave", "WeeklySettlement", "seize", 0, alice)
    market.advance(GRACE_S)
    market.send("dave", "WeeklySettlement", "seize", 0, alice)
    assert market.view("CollateralVault", "collateralOf", alice) == 50 * TOKEN
    assert market.view("WeeklySettlement", "leafStatus", 0, alice) == 2
    assert market.view("WeeklySettlement", "debtOf", alice) == 0
    assert market.view("WeeklySettlement", "isRestricted", alice)
    with market.reverts("SettlementNotDefaulted"):
        market.send("dave", "WeeklySettlement", "seize", 0, alice)
    # Collateral 50 < requirement 80: still restricted until it tops up.
    with market.reverts("SettlementStillRestricted"):
        market.send("dave", "WeeklySettlement", "clearRestriction", alice)
    market.send("alice", "CollateralVault", "deposit", 30 * TOKEN)
    market.send("dave", "WeeklySettlement", "clearRestriction", alice)
    assert not market.view("WeeklySettlement", "isRestricted", alice)
    execute(market, week, "bob")  # the seized collateral pays the creditors


def test_partial_seizure_leaves_debt_that_a_later_pull_repays(market: Market) -> None:
    week = post_week(market)
    alice = market.address("alice")
    market.approve("alice", "CollateralVault", 30 * TOKEN)
    market.send("alice", "CollateralVault", "deposit", 30 * TOKEN)
    execute(market, week, "alice")
    market.advance(GRACE_S)
    receipt = market.send("dave", "WeeklySettlement", "seize", 0, alice)
    [seized] = market.events(receipt, "WeeklySettlement", "SettlementSeized")
    assert (seized["seized"], seized["outstanding"]) == (30 * TOKEN, 70 * TOKEN)
    assert market.view("WeeklySettlement", "leafStatus", 0, alice) == 1
    with market.reverts("SettlementTransferFailed"):
        execute(market, week, "alice")
    market.approve("alice", "WeeklySettlement", 70 * TOKEN)
    execute(market, week, "alice")
    assert market.view("WeeklySettlement", "debtOf", alice) == 0
    assert market.view("WeeklySettlement", "weekRoot", 0)[5] == 100 * TOKEN
    market.send("dave", "WeeklySettlement", "clearRestriction", alice)


def test_seize_rejects_a_leaf_that_never_defaulted(market: Market) -> None:
    post_week(market)
    with market.reverts("SettlementNotDefaulted"):
        market.send("dave", "WeeklySettlement", "seize", 0, market.address("bob"))


def test_rejects_execution_of_a_week_without_root_and_while_paused(market: Market) -> None:
    week = build_week(market)
    with market.reverts("SettlementRootMissing"):
        execute(market, week, "bob")
    post_week(market)
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
