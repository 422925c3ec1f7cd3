"""The participant page's "pay my week" button and revenue panel, and the governance
page's proposal form, driven through the injected wallet against the web market (the
real oracle clears, commits and posts the week; the contracts settle it).

The week (worked by hand): in the market's first hour alice buys up to 5 GB/h of a
product nobody else trades (asia-east regular, delivered 5 hours later) paying 10 down
to 9 tokens/GB, and "guardian" sells up to 5 GB/h at 1 up to 2 tokens/GB. All 5 GB/h
trade at any price in [2, 9]; without history the prior price is 0, so the price rule
picks 2: alice pays 10 tokens plus the demo profile's 10 bps fee, 0.01 token: her leaf
of week 0 is -10.01 tokens. Her wallet holds the fixture's 100 tokens (her collateral
is minted beside it), so paying leaves 89.99.

Revenue: the demo profile gives holders 80 % of the fees; alice holds 10 % of the
governance supply from genesis and nobody's holding changes, so her share of a closed
epoch is a tenth of the holders' amount (floored).
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils.crypto import keccak
from web_harness import TOKEN, WebMarket

from browser import DevWallet, screenshot
from flowmarket.catalogue import format_name
from flowmarket.catalogue.names import Kind, ProductKey
from flowmarket.states import LeafStatus, ProposalState

MILLI = TOKEN // 1_000
ALICE_LEAF = -10_010 * MILLI
CHALLENGE_WINDOW_S = 120  # the demo profile's


@pytest.fixture(scope="module")
def settled_week(web_market: WebMarket) -> WebMarket:
    """Week 0 traded (alice buys from guardian in its first hour), cleared hour by hour
    by the oracle, its root posted, and its challenge window over."""
    m = web_market
    product = format_name(ProductKey(Kind.HOURLY, "asia-east", "regular", m.hour + 5))
    m.deposit("alice", 20 * TOKEN)  # 5 GB/h at up to 10 tokens, 30 % margins: 15 tokens
    m.deposit("guardian", 20 * TOKEN)
    for who, curve in (
        ("alice", [(0.0, 10.0), (5.0, 9.0)]),
        ("guardian", [(-5.0, 2.0), (0.0, 1.0)]),
    ):
        with m.participant(who) as client:
            accepted = client.submit(
                portfolio={product: 1.0}, curve=curve, from_hour=m.hour, until_hour=m.hour, nonce=0
            )
            assert accepted["receipt"]["action"] == "accepted", accepted
    last = m.hour + 167
    m.clock.close(last)
    m.move_chain_clock(int(m.clock.now))
    assert m.oracle.tick(now=m.clock.now, limit=168) == 168
    posted = m.view("WeeklySettlement", "weekRoot", 0)
    assert bytes(posted[0]) != bytes(32), "week 0's root was not posted"
    m.w3.provider.make_request("evm_increaseTime", [CHALLENGE_WINDOW_S + 1])  # type: ignore[arg-type]
    m.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    return m


def connect(page: Any, market: WebMarket, path: str, ready: str) -> None:
    page.goto(f"{market.url}{path}")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector(ready)


def sent_to(wallet: DevWallet) -> list[str]:
    return [p[0]["to"].lower() for m, p in wallet.calls if m == "eth_sendTransaction"]


def test_pay_my_week_pays_the_proven_debit_from_the_wallet_and_refuses_a_second_payment(
    page: Any, settled_week: WebMarket, wallet: DevWallet
) -> None:
    m = settled_week
    alice = m.address("alice")
    assert m.view("CapacityToken", "balanceOf", alice) == 100 * TOKEN
    connect(page, m, "/participant", "#weekly .pay-week")
    panel = page.text_content("#weekly") or ""
    assert "You owe 10.01 capacity tokens for week 0" in panel
    assert "due: 10.01 capacity tokens" in panel
    page.click('#weekly .pay-week[data-week="0"]')
    page.wait_for_selector("#week-status .notice.ok, #week-status .notice.error")
    assert (page.text_content("#week-status .notice") or "") == (
        "Week 0 paid: 10.01 capacity tokens."
    )
    assert m.view("CapacityToken", "balanceOf", alice) == 100 * TOKEN + ALICE_LEAF
    assert m.view("WeeklySettlement", "leafStatus", 0, alice) == LeafStatus.SETTLED
    assert sent_to(wallet) == [
        m.deployment.addresses["CapacityToken"].lower(),  # the settlement's allowance
        m.deployment.addresses["WeeklySettlement"].lower(),  # executeSettlement: the pull
    ]
    assert page.locator("#weekly .pay-week").count() == 0
    assert "settled" in (page.text_content("#weekly tbody") or "")
    screenshot(page, "participant-pay-my-week")

    again = page.request.post(f"{m.url}/v1/web/settlement/{alice}/pay-tx", data={"week": 0})
    assert again.status == 409
    assert again.json()["message"] == "week 0 is paid: 10.01 tokens collected from you"


def test_the_revenue_panel_closes_the_epoch_and_claims_alices_share(
    page: Any, settled_week: WebMarket, wallet: DevWallet
) -> None:
    m = settled_week
    alice = m.address("alice")
    distributor = m.contract("RevenueDistributor").functions
    # The oracle settles the week: the fees of what was paid (alice's week, paid by the
    # test before, and guardian's credit) reach the distributor.
    m.oracle.settle_weeks()
    pending = int(distributor.pendingRevenue().call())
    assert pending > 0
    assert m.view("MarketParameters", "holderShareBps") == 8_000
    epoch = int(distributor.currentEpoch().call())
    share = pending * 8_000 // 10_000 // 10  # holders' 80 %, alice's tenth of the supply

    before = m.view("CapacityToken", "balanceOf", alice)
    connect(page, m, "/participant", "#close-epoch-button")
    assert page.is_disabled("#claim-button")
    page.click("#close-epoch-button")
    page.wait_for_selector("#revenue-status .notice.ok, #revenue-status .notice.error")
    assert (page.text_content("#revenue-status .notice") or "") == (
        f"Epoch {epoch} closed: its shares can be claimed."
    )
    shown = page.text_content("#claimable") or ""
    assert int(distributor.claimable(epoch, alice).call()) == share
    page.click("#claim-button")
    page.wait_for_selector("#revenue-status .notice.ok, #revenue-status .notice.error")
    assert (page.text_content("#revenue-status .notice") or "") == (
        f"Claimed {_exact(share)} capacity tokens."
    )
    assert m.view("CapacityToken", "balanceOf", alice) == before + share
    assert bool(distributor.hasClaimed(epoch, alice).call())
    assert shown == f"{_exact(share)} capacity tokens"
    assert "claimed" in (page.text_content("#revenue tbody") or "")
    screenshot(page, "participant-revenue")

    nothing = page.request.post(f"{m.url}/v1/web/revenue/{alice}/claim-tx")
    assert nothing.status == 409
    assert (
        nothing.json()["message"] == f"nothing to claim: {alice} has no share of any closed epoch"
    )


def _exact(wei: int) -> str:
    """Wei as the page prints it exactly: thousands separators, no trailing zeros."""
    whole, fraction = divmod(wei, TOKEN)
    digits = f"{fraction:018d}".rstrip("0")
    return f"{whole:,}" + (f".{digits}" if digits else "")


def test_the_proposal_form_proposes_typed_changes_and_refuses_one_that_would_fail(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    m = web_market
    alice = m.address("alice")
    treasury = m.deployment.addresses["MarketTimelock"]
    connect(page, m, "/governance", "#propose-button")

    # The treasury cannot pay a million tokens: refused before anything is sent.
    page.fill("#proposal-description", "Pay a million tokens")
    page.fill("#proposal-transfer-to", m.address("guardian"))
    page.fill("#proposal-transfer-amount", "1000000")
    page.click("#propose-button")
    page.wait_for_selector("#proposal-status .notice.error")
    refusal = page.text_content("#proposal-status") or ""
    assert refusal.startswith("this change would fail when executed"), refusal
    assert "eth_sendTransaction" not in wallet.methods()

    description = "Fee 25 bps, holders 70 % of fees"
    page.fill("#proposal-description", description)
    page.fill("#proposal-transfer-to", "")
    page.fill("#proposal-transfer-amount", "")
    page.fill("#proposal-fee-bps", "25")
    page.fill("#proposal-holder-share-bps", "7000")
    page.click("#propose-button")
    page.wait_for_selector("#proposal-status .notice.ok, #proposal-status .notice.error")
    status = page.text_content("#proposal-status") or ""
    assert "created" in status, status
    assert "set the market fee from 10 to 25 bps" in status
    assert f"give holders 70 % of fees, the rest to treasury {treasury}" in status

    # The proposal on chain is exactly the two typed calls, under the description.
    parameters = m.contract("MarketParameters")
    target = parameters.address
    calldatas = [
        bytes.fromhex(parameters.encode_abi("setFeeBps", args=[25])[2:]),
        bytes.fromhex(parameters.encode_abi("setRevenueSplit", args=[7_000, treasury])[2:]),
    ]
    governor = m.contract("MarketGovernor").functions
    pid = int(
        governor.hashProposal([target, target], [0, 0], calldatas, keccak(text=description)).call()
    )
    assert f"Proposal {pid} created" in status
    assert governor.proposalProposer(pid).call() == alice
    assert sent_to(wallet) == [m.deployment.addresses["MarketGovernor"].lower()]

    card = page.locator(".proposal", has_text=description)
    card.wait_for()
    assert "MarketParameters.setFeeBps(25)" in (card.text_content() or "")
    m.w3.provider.make_request("hardhat_mine", ["0x2"])  # type: ignore[arg-type]
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    card.locator(".badge.Active").wait_for()
    card.locator("button[data-support=For]").click()
    page.wait_for_selector("text=Vote recorded on chain")
    assert governor.state(pid).call() == ProposalState.ACTIVE
    assert governor.hasVoted(pid, alice).call()
    screenshot(page, "governance-proposal-form")
