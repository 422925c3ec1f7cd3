"""Fixtures of the browser tests: headless Chromium (Debian's, through Playwright), the
market of `web_harness` (contracts on the session node, API and pages served by uvicorn
over SQLite, the clearing oracle on a virtual clock), and an injected wallet that signs
with a Hardhat development key.

Chromium comes from `scripts/browser-up`. Without it these tests skip, except in CI
(`CI=true`), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_wallet import INIT_SCRIPT, DevWallet
from web3 import Web3
from web_harness import ROLES, TOKEN, WebMarket, open_web_market

from flowmarket.chain.build import ArtifactSet
from flowmarket.config import Settings

CHROMIUM = "/usr/bin/chromium"
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        message = "Debian chromium is not installed: run scripts/browser-up"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=LAUNCH_FLAGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def web_market(
    settings: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    dev_keys: tuple[str, ...],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WebMarket]:
    """The served market with the counterparties' orders for its open hour; every chain
    change (deployment, commits, votes) is reverted afterwards."""
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    keys = dict(zip(ROLES, dev_keys, strict=False))
    try:
        with open_web_market(
            settings, compiled, rpc_url, w3, keys, tmp_path_factory.mktemp("web")
        ) as market:
            market.send("supplier", "CapacityToken", "mint", market.address("alice"), 100 * TOKEN)
            yield market
    finally:
        reverted = w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        assert reverted.get("result") is True, f"evm_revert failed: {reverted}"


@pytest.fixture
def wallet(web_market: WebMarket) -> DevWallet:
    return DevWallet(web_market.w3, web_market.keys["alice"])


@pytest.fixture
def page(browser: Any, wallet: DevWallet) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.expose_function("__walletRequest", wallet.request)
    page.add_init_script(INIT_SCRIPT)
    page.set_default_timeout(20_000)
    yield page
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"
