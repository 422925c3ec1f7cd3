"""WeeklySettlement: optimistic roots, pro-rata payouts, pulls, grace, seizure, debt, fees.

Week 0 is set up by fixtures at three stages: `week` (the tree, not posted), `posted`
(its root posted by the oracle, the challenge window open) and `settling` (the window
over: leaves can be executed).
"""

from __future__ import annotations

import pytest
from market_harness import TOKEN, Market
from settlement_harness import build_week, deposit_collateral, execute, post_root, week_record
from web3.types import TxReceipt

from flowmarket.chain.leaves import SettlementWeek
from flowmarket.states import LeafStatus

DEMO_WINDOW_S = 120
GRACE_S = 24 * 3600
# Week 0: alice pays 100, bob receives 60, carol 39, 1 token of fees; dave's leaf is zero.
AMOUNTS = {"alice": -100 * TOKEN, "bob": 60 * TOKEN, "carol": 39 * TOKEN, "dave": 0}
FEES = 1 * TOKEN
UNSETTLED, DEFAULTED, SETTLED, CREDITING = (int(s) for s in LeafStatus)


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
    root = week_record(market, 0)
    assert root["root"].to_bytes(32) == posted.root and root["count"] == 4
    assert market.view("WeeklySettlement", "executableAt", 0) == market.now() + DEMO_WINDOW_S
    assert (root["totalCredits"], root["totalDebits"], root["fees"]) == (
        99 * TOKEN,
        100 * TOKEN,
        FEES,
    )


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
    receipt = market.send("timelock", "WeeklySettlement", "deleteSettlementRoot", 0)
    deleted = market.events(receipt, "WeeklySettlement", "SettlementRootDeleted")
    assert deleted[0]["root"] == posted.root
    assert market.view("WeeklySettlement", "weekRoot", 0)[0] == bytes(32)
    post_root(market, posted)
    market.advance(DEMO_WINDOW_S)
    with market.reverts("SettlementChallengeWindowOver"):
        market.send("timelock", "WeeklySettlement", "deleteSettlementRoot", 0)


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
    with market.reverts("SettlementNothingDue"):
        market.send("bob", "WeeklySettlement", "forwardFees", 0)


def test_pays_nothing_before_the_week_has_collected_anything(
    market: Market, settling: SettlementWeek
) -> None:
    with market.reverts("SettlementNothingDue"):
        execute(market, settling, "bob")
    with market.reverts("SettlementNothingDue"):
        market.send("bob", "WeeklySettlement", "forwardFees", 0)


def test_a_short_week_pays_every_creditor_and_the_fees_the_same_share(
    market: Market, settling: SettlementWeek
) -> None:
    """Alice owes 100 and has 40 in collateral: after seizure the week holds 40 % of its
    debits, so bob (60) gets 24, carol (39) 15.6 and the fees (1) 0.4, by hand."""
    default_alice(market, settling, collateral=40 * TOKEN)
    market.advance(GRACE_S)
    market.send("dave", "WeeklySettlement", "seize", 0, market.address("alice"))
    before = {w: market.balance(w) for w in ("bob", "carol")}
    execute(market, settling, "carol")
    execute(market, settling, "bob")
    market.send("dave", "WeeklySettlement", "forwardFees", 0)
    assert market.balance("bob") - before["bob"] == 24 * TOKEN
    assert market.balance("carol") - before["carol"] == 156 * TOKEN // 10
    assert market.view("RevenueDistributor", "pendingRevenue") == 4 * TOKEN // 10
    assert market.balance("WeeklySettlement") == 0
    assert (leaf_status(market, "bob"), leaf_status(market, "carol")) == (CREDITING, CREDITING)
    with market.reverts("SettlementNothingDue"):
        execute(market, settling, "bob")
    # Alice pays the remaining 60 later: everyone is then paid in full.
    market.approve("alice", "WeeklySettlement", 60 * TOKEN)
    execute(market, settling, "alice")
    execute(market, settling, "bob")
    execute(market, settling, "carol")
    market.send("dave", "WeeklySettlement", "forwardFees", 0)
    assert market.balance("bob") - before["bob"] == 60 * TOKEN
    assert market.balance("carol") - before["carol"] == 39 * TOKEN
    assert market.view("RevenueDistributor", "pendingRevenue") == FEES
    assert (leaf_status(market, "bob"), leaf_status(market, "carol")) == (SETTLED, SETTLED)
    assert market.balance("WeeklySettlement") == 0


def test_rejects_settlement_twice_for_same_leaf(market: Market, settling: SettlementWeek) -> None:
    market.approve("alice", "WeeklySettlement", 200 * TOKEN)
    execute(market, settling, "alice")
    execute(market, settling, "bob")
    with market.reverts("SettlementAlreadySettled"):
        execute(market, settling, "alice")
    with market.reverts("SettlementAlreadySettled"):
        execute(market, settling, "bob")


def test_rejects_a_bad_proof_or_a_changed_amount(market: Market, settling: SettlementWeek) -> None:
    bob = settling.item(market.address("bob"))
    alice = settling.item(market.address("alice"))
    changed = (bob.index, bob.key, (61 * TOKEN).to_bytes(32) + bob.value[32:], list(bob.proof))
    wrong_proof = (bob.index, bob.key, bob.value, list(alice.proof))
    not_an_address = (bob.index, bob.key + b"\x00", bob.value, list(bob.proof))
    for item in (changed, wrong_proof, not_an_address):
        with market.reverts("SettlementInvalidLeaf"):
            market.send("bob", "WeeklySettlement", "executeSettlement", 0, item)


def test_failed_pull_freezes_collateral_then_seizure_restricts_until_nothing_is_owed(
    market: Market, settling: SettlementWeek
) -> None:
    alice = market.address("alice")
    receipt = default_alice(market, settling, collateral=150 * TOKEN)
    [failed] = market.events(receipt, "WeeklySettlement", "SettlementPullFailed")
    assert failed["graceEndsAt"] == market.now() + GRACE_S
    assert leaf_status(market, "alice") == DEFAULTED
    assert market.view("WeeklySettlement", "debtOf", alice) == 100 * TOKEN
    assert market.view("CollateralVault", "debtOf", alice) == 100 * TOKEN
    assert not market.view("WeeklySettlement", "isRestricted", alice)
    with market.reverts("VaultOpenDebt"):
        market.send("alice", "CollateralVault", "withdraw", 1, [])

    with market.reverts("SettlementGraceNotOver"):
        market.send("dave", "WeeklySettlement", "seize", 0, alice)
    market.advance(GRACE_S)
    market.send("dave", "WeeklySettlement", "seize", 0, alice)
    assert market.view("CollateralVault", "collateralOf", alice) == 50 * TOKEN
    assert leaf_status(market, "alice") == SETTLED
    assert market.view("WeeklySettlement", "debtOf", alice) == 0
    assert market.view("CollateralVault", "debtOf", alice) == 0
    assert market.view("WeeklySettlement", "isRestricted", alice)
    with market.reverts("SettlementNotDefaulted"):
        market.send("dave", "WeeklySettlement", "seize", 0, alice)
    market.send("dave", "WeeklySettlement", "clearRestriction", alice)
    assert not market.view("WeeklySettlement", "isRestricted", alice)
    market.send("alice", "CollateralVault", "withdraw", 50 * TOKEN, [])
    execute(market, settling, "bob")  # the seized collateral pays the creditors
    assert leaf_status(market, "bob") == SETTLED


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
    record = week_record(market, 0)
    assert (record["collected"], record["defaulted"]) == (100 * TOKEN, 0)
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
    market.send("timelock", "MarketParameters", "pause")
    with market.reverts("MarketIsPaused"):
        execute(market, week, "bob")


def test_rejects_a_zero_root_and_deleting_a_root_that_was_never_posted(market: Market) -> None:
    with market.reverts("SettlementZeroRoot"):
        market.send("oracle", "WeeklySettlement", "postSettlementRoot", 0, bytes(32), 1, 0, 0, 0)
    with market.reverts("SettlementZeroRoot"):
        market.send("oracle", "WeeklySettlement", "postSettlementRoot", 0, b"\x01" * 32, 0, 0, 0, 0)
    with market.reverts("SettlementRootMissing"):
        market.send("timelock", "WeeklySettlement", "deleteSettlementRoot", 0)


def test_rejects_lifting_a_restriction_that_was_never_imposed(market: Market) -> None:
    with market.reverts("SettlementStillRestricted"):
        market.send("dave", "WeeklySettlement", "clearRestriction", market.address("bob"))


def test_a_pause_stops_the_grace_clock_and_the_challenge_window(
    market: Market, week: SettlementWeek
) -> None:
    post_root(market, week)
    opens = market.view("WeeklySettlement", "executableAt", 0)
    market.send("timelock", "MarketParameters", "pause")
    market.advance(3_600)
    assert market.view("WeeklySettlement", "executableAt", 0) == opens + 3_600
    unpause(market)
    market.advance(DEMO_WINDOW_S)
    alice = market.address("alice")
    default_alice(market, week, collateral=10 * TOKEN)
    ends = market.view("WeeklySettlement", "graceEndsAt", 0, alice)
    market.send("timelock", "MarketParameters", "pause")
    market.advance(GRACE_S)
    unpause(market)
    with market.reverts("SettlementGraceNotOver"):
        market.send("dave", "WeeklySettlement", "seize", 0, alice)
    assert market.view("WeeklySettlement", "graceEndsAt", 0, alice) > ends + GRACE_S


def unpause(market: Market) -> None:
    """Unpause as the timelock (the only one who may), impersonated on the node."""
    timelock = market.deployment.addresses["MarketTimelock"]
    w3 = market.w3
    w3.provider.make_request("hardhat_impersonateAccount", [timelock])  # type: ignore[arg-type]
    w3.provider.make_request("hardhat_setBalance", [timelock, hex(10**18)])  # type: ignore[arg-type]
    parameters = market.contract("MarketParameters")
    tx = parameters.functions.unpause().transact({"from": timelock})
    w3.eth.wait_for_transaction_receipt(tx)
    w3.provider.make_request("hardhat_stopImpersonatingAccount", [timelock])  # type: ignore[arg-type]
