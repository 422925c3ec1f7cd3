"""The web app end to end in headless Chromium: a wallet connects, signs in, signs and
submits an order curve, sees its positions and settlement after the oracle clears the
hour and commits it on chain, sees a collateral warning, and votes on a governance
proposal; the market page shows the committed hour, each price provable on chain."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from wallet_pages import sign_in
from web_harness import TOKEN, WebMarket

from browser import DevWallet, screenshot
from flowmarket.catalogue import Kind, ProductKey, format_name
from flowmarket.chain.leaves import product_id
from flowmarket.money import to_wad
from flowmarket.oracle.hour_commitment import build_hour_bundle

# [label, value] of every <dt>/<dd> pair the page shows.
DEFINITIONS = "dts => dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])"
# [product, shown price, Merkle proof link] of every row of the price table.
PRICE_ROWS = """rows => rows.map((row) => [row.cells[0].textContent, row.cells[1].textContent,
  row.querySelector('a.proof').getAttribute('href')])"""


AUTH_STATUSES = "#auth-current tbody tr td:nth-child(5)"


def _statuses_once_shown(page: Any, expected: list[str]) -> list[str]:
    """The authorisations table's statuses once it shows `expected`, or after 10 s what it
    shows then: the page writes its notice, then fetches and draws the table again, so
    the notice can come first."""
    script = f"(want) => JSON.stringify([...document.querySelectorAll('{AUTH_STATUSES}')]" + (
        ".map((cell) => cell.textContent)) === JSON.stringify(want)"
    )
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(script, arg=expected, timeout=10_000)
    return list(page.locator(AUTH_STATUSES).all_text_contents())


def digest_of(typed: dict[str, Any]) -> str:
    signable = encode_typed_data(full_message=typed)
    return "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


def test_participant_signs_an_order_in_the_browser_and_sees_positions_after_clearing(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    product = format_name(ProductKey(Kind.HOURLY, "eu-west", "premium", web_market.hour + 5))
    sign_in(page, web_market)
    assert page.text_content("#address") == wallet.address

    # Collateral that backs the order's worst case: 3 GB/h at up to 30 tokens/GB is 90
    # tokens an hour, 30 % of it (the demo profile's margins) 27 tokens.
    web_market.deposit("alice", 27 * TOKEN)
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

    web_market.close_hour()
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#address")
    page.click("#signin-button")
    page.wait_for_selector(f"#positions >> text={product}")
    holding = page.locator("#positions tbody tr").first.locator("td").nth(1).text_content()
    assert float(holding or "nan") == 3.0  # bought its full 3 GB/h: the book clears far below 20
    journal = web_market.journal()
    cleared = journal.result_doc
    assert cleared is not None
    mine = cleared["participants"][wallet.address]
    assert mine["trades"] == {product: 3.0}
    accumulated = page.text_content("#accumulated") or ""
    assert accumulated.endswith(" capacity tokens")
    assert abs(float(accumulated.split()[0]) - mine["cash"]) <= 0.5e-4  # shown to 4 decimals
    assert mine["cash"] < 0  # the buyer pays
    proof_link = page.locator("#settlement a", has_text="Merkle proof").first
    href = proof_link.get_attribute("href") or ""
    assert href == f"/v1/hours/{web_market.hour}/proofs/participants/{wallet.address}"
    proof = [
        bytes.fromhex(node[2:]) for node in page.request.get(web_market.url + href).json()["proof"]
    ]
    bundle = build_hour_bundle(cleared, hour=web_market.hour, fee_bps=journal.fee_bps)
    entry = bundle.entry_fields(wallet.address)  # (participant, net cash, fee, trades hash)
    assert web_market.view("ClearingLedger", "verifyEntry", web_market.hour, *entry, proof)
    # What settles is the committed entry's net cash (after the fee), shown exactly.
    _, net_cash, fee, _ = entry
    assert fee > 0
    assert abs(net_cash + fee - mine["cash"] * 10**18) <= 10**6  # gross = net + fee, to the wei
    to_settle = page.text_content("#to-settle") or ""
    assert abs(float(to_settle.split()[0].replace(",", "")) - net_cash / 10**18) <= 0.5e-4
    fees = page.text_content("#fees") or ""
    assert abs(float(fees.split()[0].replace(",", "")) - fee / 10**18) <= 0.5e-4
    screenshot(page, "participant-positions")
    assert wallet.methods().count("personal_sign") == 2


def test_collateral_below_the_warning_buffer_is_flagged_on_the_participant_page(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    alice = wallet.address
    assert alice == web_market.address("alice")
    web_market.deposit("alice", 50 * TOKEN)
    held = web_market.view("CollateralVault", "collateralOf", alice)  # and what she had
    required = held - 5 * TOKEN  # excess 5 tokens, below the 20 % warning buffer
    web_market.post_requirement("alice", required)
    page.goto(f"{web_market.url}/participant")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#collateral .notice.warning")
    text = page.text_content("#collateral") or ""
    assert f"{held / TOKEN:g} capacity tokens" in text
    assert f"{required / TOKEN:g} capacity tokens" in text
    assert "below the warning trigger" in text
    screenshot(page, "participant-collateral-warning")
    web_market.post_requirement("alice", held + TOKEN)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#collateral .notice.below")


def test_market_page_shows_the_hour_the_oracle_committed_with_prices_proven_on_chain(
    page: Any, web_market: WebMarket
) -> None:
    web_market.close_hour()
    hour, journal, committed = web_market.hour, web_market.journal(), web_market.committed_event()
    page.goto(web_market.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    assert f"hour {hour}" in (page.text_content("#title") or "")
    shown = dict(page.eval_on_selector_all("dl.kv dt", DEFINITIONS))
    assert page.text_content("#commit-tx") == committed["tx"] == journal.tx_hash
    assert shown["orders root"] == "0x" + committed["ordersRoot"].hex()
    assert shown["prices root"] == "0x" + committed["pricesRoot"].hex()
    assert shown["positions root"] == "0x" + committed["entriesRoot"].hex()
    book = journal.engine_doc["orders"]
    assert int(shown["orders in the book"]) == len(book)
    counterparties = {web_market.address("seller"), web_market.address("buyer")}
    assert sum(o["participant"] in counterparties for o in book) == web_market.counterparty_orders
    page.select_option("#group", "eu-west · premium")
    cells = page.locator("#heatmap rect[data-product]")
    assert cells.count() == 168  # 7 days × 24 delivery hours

    rows = page.eval_on_selector_all("#prices tbody tr", PRICE_ROWS)
    assert len(rows) == 100  # the 100 most traded of the 192 products with orders
    ledger = web_market.contract("ClearingLedger").functions
    assert journal.result_doc is not None
    for product, price, href in rows:
        wei = to_wad(journal.result_doc["prices"][product])  # the price the oracle cleared
        assert abs(float(price) - wei / TOKEN) <= 0.5e-4  # shown to 4 decimals
        proof = page.request.get(web_market.url + href).json()
        assert proof["root"] == shown["prices root"]
        path = [bytes.fromhex(node[2:]) for node in proof["proof"]]
        assert ledger.verifyPrice(hour, product_id(product), wei, path).call()
        assert not ledger.verifyPrice(hour, product_id(product), wei + 1, path).call()
    screenshot(page, "market")


def test_governance_page_delegates_and_votes_through_the_wallet(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    assert wallet.address == web_market.address("alice")  # 10 % of the supply from genesis
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


def test_participant_reports_expected_positions_in_the_browser(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    product = format_name(ProductKey(Kind.HOURLY, "us-east", "regular", web_market.hour + 20))
    sign_in(page, web_market)

    # An unknown product is refused with the field named, and nothing is stored.
    page.fill("#expected-rows [name=expected-product]", "rt:nowhere:premium:2026-01-01T00")
    page.fill("#expected-rows [name=expected-quantity]", "4")
    page.click("#expected-button")
    page.wait_for_selector("#expected-result .notice.error")
    refused = page.text_content("#expected-result") or ""
    assert "rt:nowhere:premium:2026-01-01T00" in refused, refused
    assert "No expected positions reported." in (page.text_content("#expected-current") or "")

    page.fill("#expected-rows [name=expected-product]", product)
    page.fill("#expected-rows [name=expected-quantity]", "-2.5")
    page.click("#expected-button")
    page.wait_for_selector("#expected-result .notice.ok, #expected-result .notice.error")
    accepted = page.text_content("#expected-result") or ""
    assert "accepted (nonce " in accepted, accepted
    typed = json.loads(
        [params[1] for method, params in wallet.calls if method == "eth_signTypedData_v4"][-1]
    )
    assert typed["primaryType"] == "ExpectedPositions"
    report_id = digest_of(typed)
    assert report_id[:8] in accepted  # shown shortened

    # Stored by the server: a fresh page reads it back through GET /v1/me/expected-positions.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector("#address")
    page.click("#signin-button")
    page.wait_for_selector(f"#expected-current >> text={product}")
    row = page.locator("#expected-current tbody tr").first.locator("td")
    assert row.nth(0).text_content() == product
    assert float(row.nth(1).text_content() or "nan") == -2.5
    screenshot(page, "participant-expected-positions")


def test_participant_signs_a_batch_of_orders_once_and_cancels_them_all_with_one_signature(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    products = [
        format_name(ProductKey(Kind.HOURLY, "eu-west", "premium", web_market.hour + k))
        for k in (5, 6)
    ]
    # Orders need collateral behind them, whatever the tests before this one left.
    web_market.deposit("alice", 50 * TOKEN)
    sign_in(page, web_market)
    page.wait_for_selector("#orders h2 >> text=Open orders (")
    before = int((page.text_content("#orders h2") or "").split("(")[1].rstrip(")"))
    signed_before = wallet.methods().count("eth_signTypedData_v4")
    for product in products:
        page.fill("#portfolio [name=product]", product)
        page.locator("#curve [name=quantity]").nth(0).fill("0")
        page.locator("#curve [name=price]").nth(0).fill("30")
        # 1 GB/h at up to 30 tokens: 9 tokens of worst case each (30 % margins), which the
        # wallet's collateral backs next to what it already holds (the batch route checks
        # collateral as the single route does).
        page.locator("#curve [name=quantity]").nth(1).fill("1")
        page.locator("#curve [name=price]").nth(1).fill("20")
        page.click("#batch-add-button")
    page.wait_for_selector("#batch-button >> text=(2 orders)")
    page.click("#batch-button")
    page.wait_for_selector("#batch-result .notice.ok, #batch-result .notice.error")
    shown = page.text_content("#batch-result") or ""
    assert "accepted: 2 entries" in shown, shown
    typed = [p[1] for m, p in wallet.calls if m == "eth_signTypedData_v4"][signed_before:]
    assert len(typed) == 1  # one signature for the whole batch
    batch = json.loads(typed[0])
    assert batch["primaryType"] == "OrderBatch" and len(batch["message"]["orders"]) == 2
    assert digest_of(batch) in shown  # the batch id the wallet signed is what was accepted
    page.wait_for_selector(f"#orders >> text=Open orders ({before + 2})")
    screenshot(page, "participant-batch-submitted")
    page.click("#cancel-all-button")
    page.wait_for_selector("#orders >> text=Open orders (0)")
    typed = [p[1] for m, p in wallet.calls if m == "eth_signTypedData_v4"][signed_before:]
    assert len(typed) == 2 and len(json.loads(typed[1])["message"]["cancels"]) == before + 2


def test_participant_signs_replaces_and_cancels_an_authorisation_in_the_browser(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    product = format_name(ProductKey(Kind.HOURLY, "us-east", "regular", web_market.hour + 20))
    sign_in(page, web_market)
    page.wait_for_selector("#auth-current >> text=No authorisations.")

    # A limit that would force a trade is refused with the field named; nothing stored.
    page.fill("#auth-portfolio", f"{product}=1")
    page.fill("#auth-min_rate", "1")
    page.click("#auth-button")
    page.wait_for_selector("#auth-result .notice.error")
    assert "authorisation.min_rate" in (page.text_content("#auth-result") or "")

    page.fill("#auth-min_rate", "")
    page.fill("#auth-max_rate", "3")
    page.fill("#auth-max_position", "10")
    page.click("#auth-button")
    page.wait_for_selector("#auth-result .notice.ok, #auth-result .notice.error")
    accepted = page.text_content("#auth-result") or ""
    assert "accepted" in accepted, accepted
    typed = json.loads(
        [params[1] for method, params in wallet.calls if method == "eth_signTypedData_v4"][-1]
    )
    assert typed["primaryType"] == "Authorisation"
    assert typed["message"]["maxRate"] == str(3 * 10**18)
    assert typed["message"]["minRate"] == str(-(2**255))  # not set
    first = digest_of(typed)
    assert first[:8] in accepted
    row = page.locator("#auth-current tbody tr").first.locator("td")
    assert row.nth(4).text_content() == "live"
    assert row.nth(6).text_content() == "−∞ … 3"  # nothing held: the signed max rate

    # Signing again over the same portfolio replaces the live one.
    page.fill("#auth-max_rate", "2")
    page.click("#auth-button")
    page.wait_for_selector("#auth-result >> text=replacing")
    assert _statuses_once_shown(page, ["live", "replaced"]) == ["live", "replaced"]
    second = digest_of(
        json.loads(
            [params[1] for method, params in wallet.calls if method == "eth_signTypedData_v4"][-1]
        )
    )
    assert second != first

    page.locator("#auth-current tbody tr").first.locator("button", has_text="Cancel").click()
    page.wait_for_selector("#auth-result >> text=cancelled")
    assert _statuses_once_shown(page, ["cancelled", "replaced"]) == ["cancelled", "replaced"]
    screenshot(page, "participant-authorisations")


def test_participant_signs_one_curve_over_two_named_portfolios_in_the_browser(
    page: Any, web_market: WebMarket, wallet: DevWallet
) -> None:
    """Products given a portfolio name make one `PortfolioOrder` (docs/portfolios.md):
    "up to 1 GB/h of east and west together at up to 5", listed with its portfolios."""
    east, west = (
        format_name(ProductKey(Kind.HOURLY, "eu-west", "premium", web_market.hour + k))
        for k in (7, 8)
    )
    web_market.deposit("alice", 10 * TOKEN)  # worst case 30 % of (1 × 5 + 1 × 5) = 3 tokens
    sign_in(page, web_market)
    page.click("#add-product")
    rows = page.locator("#portfolio .row")
    for k, (product, name) in enumerate(((east, "east"), (west, "west"))):
        rows.nth(k).locator("[name=product]").fill(product)
        rows.nth(k).locator("[name=weight]").fill("1")
        rows.nth(k).locator("[name=group]").fill(name)
    for k, (quantity, price) in enumerate((("0", "5"), ("1", "5"))):
        page.locator("#curve [name=quantity]").nth(k).fill(quantity)
        page.locator("#curve [name=price]").nth(k).fill(price)
    page.click("#submit-button")
    page.wait_for_selector("#submit-result .notice.ok, #submit-result .notice.error")
    accepted = page.text_content("#submit-result") or ""
    assert "Order accepted" in accepted, accepted
    [typed] = [json.loads(p[1]) for m, p in wallet.calls if m == "eth_signTypedData_v4"]
    assert typed["primaryType"] == "PortfolioOrder"
    assert [p["name"] for p in typed["message"]["portfolios"]] == ["east", "west"]
    assert digest_of(typed) in accepted
    page.wait_for_selector("#orders >> text=portfolios — not cleared yet")
    listed = page.text_content("#orders") or ""
    assert f"east: 1 × {east}; west: 1 × {west}" in listed, listed
