"""The participant page's collateral panel deposits through the injected wallet: the
server checks the deposit against the chain and returns its transactions (approval,
then deposit), the wallet sends them, and the vault holds the amount to the wei.
alice starts with 100 capacity tokens (the web market's mint)."""

from __future__ import annotations

from typing import Any

from web_harness import TOKEN, WebMarket

from browser import DevWallet, screenshot

MILLI = TOKEN // 1_000


def open_collateral(page: Any, web_market: WebMarket) -> None:
    page.goto(f"{web_market.url}/participant")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#deposit-button")


def test_the_collateral_panel_deposits_through_the_wallet_and_refuses_more_than_held(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    alice = web_market.address("alice")
    vault = web_market.deployment.addresses["CollateralVault"]
    open_collateral(page, web_market)
    page.fill("#deposit-amount", "40.125")
    page.click("#deposit-button")
    page.wait_for_selector("#deposit-status .notice.ok")
    assert web_market.view("CollateralVault", "collateralOf", alice) == 40_125 * MILLI
    assert web_market.view("CapacityToken", "balanceOf", alice) == 59_875 * MILLI
    sent = [params[0] for method, params in wallet.calls if method == "eth_sendTransaction"]
    assert [tx["to"].lower() for tx in sent] == [
        web_market.deployment.addresses["CapacityToken"].lower(),
        vault.lower(),
    ]
    assert "40.125 capacity tokens" in (page.text_content("#collateral") or "")
    screenshot(page, "participant-collateral-deposit")

    page.fill("#deposit-amount", "60")
    page.click("#deposit-button")
    page.wait_for_selector("#deposit-status .notice.error")
    assert (page.text_content("#deposit-status") or "").strip() == (
        "insufficient balance: you hold 59.875 tokens, the deposit needs 60 tokens"
    )
    assert len([m for m in wallet.methods() if m == "eth_sendTransaction"]) == 2
    assert web_market.view("CollateralVault", "collateralOf", alice) == 40_125 * MILLI
