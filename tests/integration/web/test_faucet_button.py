"""The participant page's faucet on a local chain: a fresh browser wallet (no ETH, no
tokens) clicks *Get test tokens*, the local market's faucet sends it 10 ETH and mints
the capacity tokens asked for, and the wallet then deposits part of them as collateral
through the collateral panel, paying its own gas."""

from __future__ import annotations

from typing import Any

import pytest
from web_harness import TOKEN, WebMarket

from browser import DevWallet, screenshot

FRESH_KEY = "0x" + "5a" * 32  # a key no test funds: the faucet's only source


@pytest.fixture
def wallet(web_market: WebMarket) -> DevWallet:
    return DevWallet(web_market.w3, FRESH_KEY)


def test_a_fresh_browser_wallet_gets_test_tokens_and_deposits_them(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    me = wallet.address
    w3 = web_market.w3
    assert w3.eth.get_balance(me) == 0
    assert web_market.view("CapacityToken", "balanceOf", me) == 0
    page.goto(f"{web_market.url}/participant")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#faucet-button")
    page.fill("#faucet-tokens", "250")
    page.click("#faucet-button")
    page.wait_for_selector("#faucet-result .notice.ok")
    assert (page.text_content("#faucet-result") or "").strip() == (
        f"Sent 10 ETH and 250 capacity tokens to {me} on chain 31337."
    )
    assert w3.eth.get_balance(me) == 10 * 10**18
    assert web_market.view("CapacityToken", "balanceOf", me) == 250 * TOKEN
    page.wait_for_selector("#deposit-button")  # the faucet reconnected the wallet
    page.fill("#deposit-amount", "100")
    page.click("#deposit-button")
    page.wait_for_selector("#deposit-status .notice.ok")
    assert web_market.view("CollateralVault", "collateralOf", me) == 100 * TOKEN
    assert web_market.view("CapacityToken", "balanceOf", me) == 150 * TOKEN
    assert 0 < w3.eth.get_balance(me) < 10 * 10**18  # it paid its own gas
    screenshot(page, "participant-faucet")


def test_the_faucet_refuses_the_zero_address_with_its_reason(
    page: Any, web_market: WebMarket
) -> None:
    page.goto(f"{web_market.url}/participant")
    page.wait_for_selector("body[data-ready=true]")
    answer = page.request.post(f"{web_market.url}/v1/faucet", data={"address": "0x" + "0" * 40})
    assert answer.status == 422
    assert answer.json()["message"] == "address: the zero address cannot hold tokens"
