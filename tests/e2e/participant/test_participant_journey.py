"""A participant's and a token holder's whole on-chain life through the `flowmarket`
command on a real node, with every balance checked to the wei against values worked out
by hand: deposit → trade a week → the week settles → pay (curing a default) and collect
→ fees → close the revenue epoch and claim.

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
"""

from __future__ import annotations

import re

from journey_market import Journey, address

from flowmarket.money import WAD
from flowmarket.states import LeafStatus

MILLI = WAD // 1_000
ALICE_LEAF = -1_681_680 * MILLI
BOB_LEAF = 1_678_320 * MILLI
WEEK_FEES = 3_360 * MILLI


def tokens_in(text: str, label: str) -> str:
    """The value printed after `label` in a facts listing."""
    match = re.search(rf"^\s+{re.escape(label)}\s+(.+)$", text, re.MULTILINE)
    assert match, f"no {label!r} in:\n{text}"
    return match.group(1).strip()


def test_a_participant_deposits_trades_settles_and_claims_revenue_through_the_cli(
    journey: Journey,
) -> None:
    j = journey
    alice, bob, carol = (j.wallet(w) for w in ("alice", "bob", "carol"))
    j.mint("alice", 10_000 * WAD)
    j.mint("bob", 5_000 * WAD)
    for who, votes in (("alice", 100_000), ("bob", 50_000)):
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
