"""The web app end to end in headless Chromium: a wallet connects, signs in, signs and
submits an order curve, sees its positions and settlement after the hour clears and is
committed on chain, sees a collateral warning, and votes on a governance proposal."""

from __future__ import annotations

import json
from typing import Any

from browser_wallet import DevWallet
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak
from web_harness import TOKEN, WebMarket

from conftest import screenshot
from flowmarket.catalogue import Kind, ProductKey, format_name


def digest_of(typed: dict[str, Any]) -> str:
    signable = encode_typed_data(full_message=typed)
    return "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


def test_participant_signs_an_order_in_the_browser_and_sees_positions_after_clearing(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    product = format_name(ProductKey(Kind.HOURLY, "eu-west", "premium", web_market.hour + 5))
    page.goto(f"{web_market.url}/participant")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#address")
    assert page.text_content("#address") == wallet.address
    page.click("#signin-button")
    page.wait_for_selector("text=Signed in as")

    page.fill("#portfolio [name=product]", product)
    page.fill("#portfolio [name=weight]", "1")
    quantities = page.locator("#curve [name=quantity]")
    prices = page.locator("#curve [name=price]")
    quantities.nth(0).fill("0")
    prices.nth(0).fill("30")
    quantities.nth(1).fill("3")
    prices.nth(1).fill("20")
    page.click("#submit-button")
    page.wait_for_selector("#submit-result .notice.ok, #submit-result .notice.error")
    assert "Order accepted" in (page.text_content("#submit-result") or ""), page.text_content(
        "#submit-result"
    )
    accepted = page.text_content("#submit-result") or ""
    [typed] = [params[1] for method, params in wallet.calls if method == "eth_signTypedData_v4"]
    order_id = digest_of(json.loads(typed))
    assert order_id in accepted
    page.wait_for_selector("#orders >> text=Open orders (1)")
    screenshot(page, "participant-order-submitted")

    web_market.clear_and_commit()
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#address")
    page.click("#signin-button")
    page.wait_for_selector(f"#positions >> text={product}")
    holding = page.locator("#positions tbody tr").first.locator("td").nth(1).text_content()
    assert float(holding or "nan") == 3.0  # bought its full 3 GB/h: the book clears far below 20
    accumulated = page.text_content("#accumulated") or ""
    assert accumulated.startswith("-")  # the buyer pays
    proof_link = page.locator("#settlement a", has_text="Merkle proof").first
    assert proof_link.get_attribute("href") == (
        f"/v1/hours/{web_market.hour}/proofs/participants/{wallet.address}"
    )
    screenshot(page, "participant-positions")
    assert wallet.methods().count("personal_sign") == 2


def test_collateral_below_the_warning_buffer_is_flagged_on_the_participant_page(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    alice = wallet.address
    web_market.send(
        "alice",
        "CapacityToken",
        "approve",
        web_market.deployment.addresses["CollateralVault"],
        50 * TOKEN,
    )
    web_market.send("alice", "CollateralVault", "deposit", 50 * TOKEN)
    web_market.send("oracle", "CollateralVault", "setRequirements", [alice], [45 * TOKEN])
    page.goto(f"{web_market.url}/participant")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#collateral .notice.warning")
    text = page.text_content("#collateral") or ""
    assert "50 capacity tokens" in text and "45 capacity tokens" in text
    assert "below the warning trigger" in text
    screenshot(page, "participant-collateral-warning")
    web_market.send("oracle", "CollateralVault", "setRequirements", [alice], [60 * TOKEN])
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#collateral .notice.deficit")


def test_market_page_shows_prices_heatmap_commitment_and_proof_links(
    page: Any, web_market: WebMarket
) -> None:
    web_market.clear_and_commit()
    page.goto(web_market.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    assert f"hour {web_market.hour}" in (page.text_content("#title") or "")
    tx = page.text_content("#commit-tx") or ""
    assert tx.startswith("0x") and len(tx) == 66
    receipt = web_market.w3.eth.get_transaction_receipt(tx)  # type: ignore[arg-type]
    assert receipt["to"] == web_market.deployment.addresses["ClearingLedger"]
    page.select_option("#group", "eu-west · premium")
    cells = page.locator("#heatmap rect[data-product]")
    assert cells.count() == 168  # 7 days × 24 delivery hours
    first = page.locator("#prices a.proof").first
    href = first.get_attribute("href") or ""
    proof = page.request.get(web_market.url + href).json()
    assert (
        proof["root"]
        == page.locator("text=prices root").locator("xpath=following-sibling::dd[1]").text_content()
    )
    screenshot(page, "market")


def test_governance_page_delegates_and_votes_through_the_wallet(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    supply = int(str(web_market.view("GovernanceToken", "totalSupply")))
    web_market.send("deployer", "GovernanceToken", "transfer", wallet.address, supply // 10)
    page.goto(f"{web_market.url}/governance")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#votes")
    assert (page.text_content("#votes") or "").startswith("100,000")  # holders vote undelegated

    params = web_market.deployment.addresses["MarketParameters"]
    parameters = web_market.w3.eth.contract(abi=web_market.compiled["MarketParameters"].abi)
    calldata = parameters.encode_abi("setFeeBps", args=[25])
    description = "Raise the fee to 25 bps"
    web_market.send("deployer", "MarketGovernor", "propose", [params], [0], [calldata], description)
    web_market.w3.provider.make_request("hardhat_mine", ["0x2"])  # type: ignore[arg-type]
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    card = page.locator(".proposal", has_text=description)
    card.locator(".badge.Active").wait_for()
    assert "MarketParameters.setFeeBps(25)" in (card.text_content() or "")
    card.locator("button[data-support=For]").click()
    page.wait_for_selector("text=Vote recorded on chain")
    card.locator("text=you voted").wait_for()
    assert "for 100,000" in (card.locator(".tally-text").text_content() or "")
    assert wallet.methods().count("eth_sendTransaction") == 1
    screenshot(page, "governance")
