"""A participant's and a token holder's whole on-chain life through the `flowmarket`
command on a real node, with every balance checked to the wei against values worked out
by hand: deposit → trade a week → the week settles → pay (curing a default) and collect
→ fees → close the revenue epoch and claim → delegate → propose → vote → queue → execute.

The book (straight-line curves, standing for all 168 hours of week 0):
- alice buys premium: up to 5 GB/h paying 10 down to 9 tokens/GB;
- bob sells premium: up to 5 GB/h at 1 up to 2 tokens/GB.
All 5 GB/h trade every hour at any price in [2, 9]; the first hour's prior price is 0,
so the price rule picks 2, and every later hour's prior is 2: 10 tokens change hands an
hour. Fees at the demo profile's 10 bps of the traded value: 0.01 token from each.
Per hour alice pays 10.01 and bob receives 9.99; over the week alice's leaf is
−1,681.68 tokens, bob's +1,678.32, the fees 3.36.

Requirements after the last hour (initial margin 10 %, deviation margin 20 %, no
expected positions, at the price 2): alice holds 840 GB/h of premium, worth 1,680
tokens: 168 + 336 = 504 tokens of margin, plus the 1,681.68 she owes until the week
settles: 2,185.68 tokens.

Revenue: the fees (3.36) reach the distributor in revenue epoch 1 (epoch 0 is closed
empty first); holders get 80 % = 2.688 tokens, the treasury (the timelock) 0.672.
alice holds 100,000 of the 1,000,000 governance tokens all epoch: 0.2688 tokens; bob
50,000: 0.1344.

Governance (threshold 1,000 votes, quorum 4 %): dave delegates his 20,000 votes to
alice, who proposes a 25 bps fee and 0.5 tokens from the treasury to carol; alice votes
for with 120,000, bob against with 50,000; it passes, is queued, and executes once the
60-second timelock delay has passed: the fee is 25 bps, carol has 0.5 tokens, the
treasury 0.172.
"""

from __future__ import annotations

import re

from journey_market import Journey, address

from flowmarket.money import WAD
from flowmarket.states import LeafStatus, ProposalState

MILLI = WAD // 1_000
ALICE_LEAF = -1_681_680 * MILLI
BOB_LEAF = 1_678_320 * MILLI
WEEK_FEES = 3_360 * MILLI


def tokens_in(text: str, label: str) -> str:
    """The value printed after `label` in a facts listing."""
    match = re.search(rf"^\s+{re.escape(label)}\s+(.+)$", text, re.MULTILINE)
    assert match, f"no {label!r} in:\n{text}"
    return match.group(1).strip()


def test_a_participant_deposits_trades_settles_claims_and_governs_through_the_cli(
    journey: Journey,
) -> None:
    j = journey
    alice, bob, carol, dave = (j.wallet(w) for w in ("alice", "bob", "carol", "dave"))
    j.mint("alice", 10_000 * WAD)
    j.mint("bob", 5_000 * WAD)
    for who, votes in (("alice", 100_000), ("bob", 50_000), ("dave", 20_000)):
        j.give_votes(who, votes * WAD)

    # Deposit: approve and deposit, shown first, exact.
    out = j.ok("collateral", "deposit", "5000", *alice, "--yes")
    assert "CapacityToken.approve" in out and "CollateralVault.deposit" in out
    assert "gas ≈" in out
    assert j.balance("alice") == 5_000 * WAD
    assert j.view("CollateralVault", "collateralOf", address("alice")) == 5_000 * WAD
    j.ok("collateral", "deposit", "2000", *bob, "--yes")
    refusal = j.refused("collateral", "deposit", "5000.000000000000000001", *alice, "--yes")
    assert refusal.endswith(
        "insufficient balance: you hold 5,000 tokens, the deposit needs "
        "5,000.000000000000000001 tokens"
    )

    # Trade: orders for the week through the API, signed by the wallets.
    week = ("--from-hour", str(j.hour), "--until-hour", str(j.hour + 167))
    j.ok("order", "submit", "--portfolio", "premium=1", "--curve", "0:10,5:9", *week, *alice)
    j.ok("order", "submit", "--portfolio", "premium=1", "--curve=-5:2,0:1", *week, *bob)
    j.clear_week()  # 168 hours cleared, committed and published; week 0's root posted
    posted = j.view("WeeklySettlement", "weekRoot", 0)
    assert (posted[4], posted[5], posted[6]) == (BOB_LEAF, -ALICE_LEAF, WEEK_FEES)

    status = j.ok("collateral", "status", "--wallet", "alice")
    assert tokens_in(status, "locked in the vault") == "5,000 tokens"
    assert tokens_in(status, "requirement") == f"2,185.68 tokens (after hour {j.hour + 167})"
    assert tokens_in(status, "headroom (withdrawable)") == "2,814.32 tokens"

    # Revenue epoch 0 (no fees yet) closes: anyone may close it.
    j.ok("revenue", "close", *carol, "--yes")
    assert j.view("RevenueDistributor", "currentEpoch") == 1

    # The week settles: alice never allowed the pull, so her debit defaults.
    j.advance(121)  # past the 120 s challenge window
    j.oracle.settle_weeks()
    assert j.view("WeeklySettlement", "leafStatus", 0, address("alice")) == LeafStatus.DEFAULTED
    assert j.view("CollateralVault", "debtOf", address("alice")) == -ALICE_LEAF
    refusal = j.refused("collateral", "withdraw", "1", *alice, "--yes")
    assert refusal.endswith(
        "withdrawal blocked: 1,681.68 tokens for week 0 owed; pay with "
        "`flowmarket settlement pay 0`"
    )
    status = j.ok("settlement", "status", "--wallet", "alice")
    assert tokens_in(status, "amount") == "1,681.68 tokens (you pay)"
    assert tokens_in(status, "status") == "defaulted"
    assert "`flowmarket settlement pay 0`" in tokens_in(status, "next")

    # alice cures her default during the grace period: allowance, then the pull.
    out = j.ok("settlement", "pay", "0", *alice, "--yes")
    assert "cure the default of week 0: 1,681.68 tokens" in out
    assert j.balance("alice") == 5_000 * WAD + ALICE_LEAF
    assert j.view("WeeklySettlement", "leafStatus", 0, address("alice")) == LeafStatus.SETTLED
    assert j.view("CollateralVault", "debtOf", address("alice")) == 0

    # bob collects his whole credit.
    status = j.ok("settlement", "status", "0", "--wallet", "bob")
    assert "collect 1,678.32 tokens" in tokens_in(status, "next")
    j.ok("settlement", "collect", "0", *bob, "--yes")
    assert j.balance("bob") == 3_000 * WAD + BOB_LEAF
    refusal = j.refused("settlement", "collect", "0", *bob, "--yes")
    assert refusal.endswith("week 0's credit of 1,678.32 tokens is collected in full")

    # With the debt paid, alice withdraws within her headroom, and no more.
    j.ok("collateral", "withdraw", "14.32", *alice, "--yes")
    assert j.balance("alice") == 5_000 * WAD + ALICE_LEAF + 14_320 * MILLI
    refusal = j.refused("collateral", "withdraw", "2800.000000000000000001", *alice, "--yes")
    assert "is more than your headroom of 2,800 tokens" in refusal

    # Fees reach the distributor; epoch 1 closes and the holders claim.
    j.oracle.settle_weeks()  # forwards the week's fees
    assert j.view("RevenueDistributor", "pendingRevenue") == WEEK_FEES
    j.advance(3_601)  # the demo profile's 1-hour revenue epoch
    treasury = j.deployment.addresses["MarketTimelock"]
    j.ok("revenue", "close", *carol, "--yes")
    assert j.view("CapacityToken", "balanceOf", treasury) == 672 * MILLI
    status = j.ok("revenue", "status", "--wallet", "alice")
    assert tokens_in(status, "claimable now") == "0.2688 tokens"
    before = j.balance("alice")
    j.ok("revenue", "claim", *alice, "--yes")
    assert j.balance("alice") == before + 2_688 * WAD // 10_000
    j.ok("revenue", "claim", "1", *bob, "--yes")
    assert j.balance("bob") == 3_000 * WAD + BOB_LEAF + 1_344 * WAD // 10_000
    refusal = j.refused("revenue", "claim", "1", *bob, "--yes")
    assert refusal.endswith("your share of revenue epoch 1 is already claimed")

    # Governance: delegate, propose typed changes, vote, queue, execute.
    j.ok("governance", "delegate", address("alice"), *dave, "--yes")
    j.mine(1)
    refusal = j.refused(
        "governance", "propose", "--set-fee-bps", "30", "--description", "Fee 30", *carol, "--yes"
    )
    assert "not enough votes to propose" in refusal
    assert "has 0 tokens of voting power, proposals need 1,000 tokens" in refusal
    refusal = j.refused(
        "governance",
        "propose",
        "--set-fee-bps",
        "2000",
        "--description",
        "Fee 20 %",
        *alice,
        "--yes",
    )
    assert "this change would fail when executed" in refusal
    assert "a fee of 2000 bps is above the highest allowed, 1000 bps" in refusal
    description = "Raise the fee to 25 bps and pay carol 0.5 tokens for the audit"
    out = j.ok(
        "governance", "propose", "--set-fee-bps", "25",
        "--treasury-transfer", address("carol"), "0.5",
        "--description", description, *alice, "--yes",
    )  # fmt: skip
    assert "set the market fee from 10 to 25 bps" in out
    assert f"pay 0.5 tokens from the treasury to {address('carol')}" in out
    proposal = re.search(r"proposal ([0-9]+) created", out)
    assert proposal, out
    pid = proposal.group(1)
    j.mine(2)  # past the voting delay
    j.ok("governance", "vote", pid[:8], "for", *alice, "--yes")
    j.ok("governance", "vote", pid, "against", *bob, "--reason", "fees are high enough", "--yes")
    votes = (
        j.contract("MarketGovernor")
        .events.VoteCast()
        .get_logs(from_block=j.deployment.block_number)
    )  # castVote for alice, castVoteWithReason for bob: the reason is on chain
    assert [
        (v["args"]["voter"], v["args"]["reason"])
        for v in votes
        if v["args"]["proposalId"] == int(pid)
    ] == [
        (address("alice"), ""),
        (address("bob"), "fees are high enough"),
    ]
    listing = j.ok("governance", "list", "--wallet", "carol")
    assert tokens_in(listing, "for · against · abstain") == (
        "120,000 tokens · 50,000 tokens · 0 tokens"
    )
    j.mine(51)  # past the 50-block voting period
    refusal = j.refused("governance", "vote", pid, "for", *dave, "--yes")
    assert "voting is closed: proposal" in refusal and "is Succeeded" in refusal
    j.ok("governance", "queue", pid, *carol, "--yes")
    refusal = j.refused("governance", "execute", pid, *alice, "--yes")
    assert "is queued; the timelock lets it execute from" in refusal
    j.advance(61)  # past the 60-second timelock delay
    out = j.ok("governance", "execute", pid, *alice, "--yes")
    assert out.strip().endswith("is Executed")
    governor = j.contract("MarketGovernor").functions
    assert governor.state(int(pid)).call() == ProposalState.EXECUTED
    assert j.view("MarketParameters", "feeBps") == 25
    assert j.balance("carol") == 500 * MILLI
    assert j.view("CapacityToken", "balanceOf", treasury) == 172 * MILLI
