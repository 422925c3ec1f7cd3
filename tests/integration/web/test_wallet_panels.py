"""The participant page's weekly settlement panel ("Pay my week", "Collect"), collateral
withdrawals and revenue panel, driven through the injected wallet against the web market
(the real oracle clears, commits and posts week 0; the contracts settle it; the week is
worked by hand in `wallet_pages`). Each test starts from the same posted, unexecuted
week (the `week` fixture reverts the chain after each), so they run in any order.

Revenue: the demo profile gives holders 80 % of the fees; alice holds 10 % of the
governance supply from genesis and nobody's holding changes, so her share of a closed
epoch is a tenth of the holders' amount (floored).
"""

from __future__ import annotations

from typing import Any

from wallet_pages import (
    ALICE_COLLATERAL,
    ALICE_LEAF,
    GUARDIAN_LEAF,
    MILLI,
    connect,
    exact,
    leaf_amount,
    notice_of,
    pay_as,
    sent_to,
)
from web_harness import TOKEN, WebMarket

from browser import DevWallet, screenshot, wallet_page
from flowmarket.states import LeafStatus


def test_pay_my_week_pays_the_proven_debit_from_the_wallet_and_refuses_a_second_payment(
    page: Any, week: WebMarket, wallet: DevWallet
) -> None:
    m = week
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
    page: Any, week: WebMarket, wallet: DevWallet
) -> None:
    m = week
    alice = m.address("alice")
    distributor = m.contract("RevenueDistributor").functions
    # alice pays her week (as `flowmarket settlement pay 0` does), then the oracle settles
    # the week: the fees of what was paid reach the distributor.
    assert pay_as(m, "alice") == -ALICE_LEAF
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
    assert notice_of(page, "revenue-status") == f"Epoch {epoch} closed: its shares can be claimed."
    shown = page.text_content("#claimable") or ""
    assert int(distributor.claimable(epoch, alice).call()) == share
    page.click("#claim-button")
    assert notice_of(page, "revenue-status") == f"Claimed {exact(share)} capacity tokens."
    assert m.view("CapacityToken", "balanceOf", alice) == before + share
    assert bool(distributor.hasClaimed(epoch, alice).call())
    assert shown == f"{exact(share)} capacity tokens"
    assert "claimed" in (page.text_content("#revenue tbody") or "")
    screenshot(page, "participant-revenue")

    nothing = page.request.post(f"{m.url}/v1/web/revenue/{alice}/claim-tx")
    assert nothing.status == 409
    assert (
        nothing.json()["message"] == f"nothing to claim: {alice} has no share of any closed epoch"
    )


def test_collect_pays_guardians_credit_in_full_once_the_weeks_debtors_have_paid(
    browser: Any, week: WebMarket
) -> None:
    m = week
    guardian, settlement = m.address("guardian"), m.contract("WeeklySettlement").functions
    assert m.view("WeeklySettlement", "weekRoot", 0)[1] == 4  # alice, guardian, seller, buyer
    assert leaf_amount(m, "guardian") == GUARDIAN_LEAF
    assert leaf_amount(m, "seller") > 0 > leaf_amount(m, "buyer")  # they trade each other
    wallet = DevWallet(m.w3, m.keys["guardian"])
    with wallet_page(browser, wallet) as page:
        collect = f"{m.url}/v1/web/settlement/{guardian}/collect-tx"
        early = page.request.post(collect, data={"week": 0})
        assert early.status == 409
        assert early.json()["message"] == (
            "nothing is due on week 0 yet: 0 tokens of 9.99 tokens paid; "
            "collect again once the week's debtors have paid"
        )
        debtor = page.request.post(
            f"{m.url}/v1/web/settlement/{m.address('alice')}/collect-tx", data={"week": 0}
        )
        assert debtor.status == 409
        assert debtor.json()["message"] == (
            "week 0 has no credit for you (you owe 10.01 tokens): "
            "pay it with `flowmarket settlement pay 0`"
        )
        # Every debtor pays (as `flowmarket settlement pay 0` does): the week has collected
        # all its debits, so each credit is due in full.
        pay_as(m, "alice")
        pay_as(m, "buyer")
        before = m.view("CapacityToken", "balanceOf", guardian)
        connect(page, m, "/participant", "#weekly .collect-week")
        assert "due to you: 9.99 capacity tokens" in (page.text_content("#weekly") or "")
        page.click('#weekly .collect-week[data-week="0"]')
        assert notice_of(page, "week-status") == "Week 0: collected 9.99 capacity tokens."
        assert m.view("CapacityToken", "balanceOf", guardian) == before + GUARDIAN_LEAF
        assert settlement.leafStatus(0, guardian).call() == LeafStatus.SETTLED
        assert sent_to(wallet) == [m.deployment.addresses["WeeklySettlement"].lower()]
        assert page.locator("#weekly .collect-week").count() == 0
        screenshot(page, "participant-collect")
        again = page.request.post(collect, data={"week": 0})
        assert again.status == 409
        assert again.json()["message"] == "week 0's credit of 9.99 tokens is collected in full"


def test_withdraw_takes_the_headroom_and_a_debt_blocks_it_until_the_week_is_cured(
    page: Any, week: WebMarket, wallet: DevWallet
) -> None:
    m = week
    alice = m.address("alice")
    balance = 100 * TOKEN  # the fixture's mint; her collateral was minted beside it
    assert m.view("CollateralVault", "collateralOf", alice) == ALICE_COLLATERAL
    connect(page, m, "/participant", "#withdraw-button")
    page.fill("#withdraw-amount", "7.5")
    page.click("#withdraw-button")
    assert notice_of(page, "withdraw-status") == "Withdrew 7.5 capacity tokens."
    assert m.view("CollateralVault", "collateralOf", alice) == 12_500 * MILLI
    assert m.view("CapacityToken", "balanceOf", alice) == balance + 7_500 * MILLI
    assert sent_to(wallet) == [m.deployment.addresses["CollateralVault"].lower()]
    # Her trade was delivered in the week's sixth hour, so no margin is left; the oracle's
    # last requirement is the debit of week 0 she has not paid yet, 10.01 tokens
    # (docs/collateral.md): 12.5 - 10.01 = 2.49 tokens may leave the vault.
    page.fill("#withdraw-amount", "2.5")
    page.click("#withdraw-button")
    assert notice_of(page, "withdraw-status") == (
        "withdrawal refused: 2.5 tokens is more than your headroom of 2.49 tokens "
        "(12.5 tokens locked, requirement 10.01 tokens)"
    )

    # The oracle executes the week: alice allowed no pull, so hers fails, the debit is in
    # default (24 h of grace) and the vault holds her collateral against the debt.
    m.oracle.settle_weeks()
    assert m.view("WeeklySettlement", "leafStatus", 0, alice) == LeafStatus.DEFAULTED
    assert m.view("CollateralVault", "debtOf", alice) == -ALICE_LEAF
    connect(page, m, "/participant", "#weekly .pay-week")
    page.fill("#withdraw-amount", "1")
    page.click("#withdraw-button")
    assert notice_of(page, "withdraw-status") == (
        "withdrawal blocked: 10.01 tokens for week 0 owed; pay with "
        "`flowmarket settlement pay 0` (here: the week's Cure default button)."
    )
    page.click('#weekly .pay-week[data-week="0"]:has-text("Cure default")')
    assert notice_of(page, "week-status") == "Week 0 paid: 10.01 capacity tokens."
    assert m.view("CollateralVault", "debtOf", alice) == 0
    # The requirement posted before she paid still counts the debit: 2.49 tokens again.
    page.fill("#withdraw-amount", "2.49")
    page.click("#withdraw-button")
    assert notice_of(page, "withdraw-status") == "Withdrew 2.49 capacity tokens."
    assert m.view("CollateralVault", "collateralOf", alice) == 10_010 * MILLI
    assert m.view("CapacityToken", "balanceOf", alice) == balance + 9_990 * MILLI + ALICE_LEAF
    screenshot(page, "participant-withdraw")
