"""Headless Chromium with an injected test wallet, for every test that opens the web app:
the browser tests (tests/integration/web) and the quickstart e2e (tests/e2e/local).

It lives in tests/ beside live_server.py: pytest puts tests/ on sys.path for
tests/conftest.py (no __init__.py files, rootdir-relative "prepend" imports), so any test
module can `from browser import ...`.

The browser is Debian's chromium (`scripts/browser-up`), driven by the Playwright Python
package, never a downloaded one. Without it a browser test skips, except in CI
(`CI=true`), where a missing browser is a failure.

`DevWallet` is an EIP-1193 wallet injected into the page: `window.ethereum.request` calls
back into the test process, which signs with the wallet's key (eth-account) and sends
transactions to the node. Every request is recorded for assertions.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_typing import ChecksumAddress
from web3 import Web3

CHROMIUM = "/usr/bin/chromium"
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_BROWSER = "Debian chromium is not installed: run scripts/browser-up"
LAUNCH_TIMEOUT_MS = 120_000  # starting Chromium on a machine at load 15 takes a while
PAGE_TIMEOUT_MS = 20_000

INIT_SCRIPT = """
window.ethereum = {
  isFlowmarketTestWallet: true,
  request: ({ method, params }) => window.__walletRequest(method, params || []),
  on() {}, removeListener() {},
};
"""


def find_chromium() -> str | None:
    """Debian's chromium, or None where it is not installed."""
    return shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)


def chromium_path() -> str:
    """Debian's chromium; without it the test skips (fails in CI, which installs it)."""
    path = find_chromium()
    if path is None:
        missing_browser()
    assert path is not None
    return path


def missing_browser(why: str = NO_BROWSER) -> None:
    """Skip the test for want of a browser, or fail it in CI, where one must be."""
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


@contextmanager
def launch(executable: str) -> Iterator[Any]:
    """A headless Chromium (Playwright's Browser), closed with its driver on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, args=LAUNCH_FLAGS, timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            yield instance
        finally:
            instance.close()


@contextmanager
def wallet_page(
    browser: Any, wallet: DevWallet, timeout_ms: int = PAGE_TIMEOUT_MS
) -> Iterator[Any]:
    """A fresh page whose `window.ethereum` is `wallet`; an uncaught error in the page
    fails the test once the block ends."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.expose_function("__walletRequest", wallet.request)
        page.add_init_script(INIT_SCRIPT)
        page.set_default_timeout(timeout_ms)
        yield page
    finally:
        context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


@dataclass
class DevWallet:
    """Signs as `key`; `calls` lists (method, params) in order."""

    w3: Web3
    key: str
    calls: list[tuple[str, list[Any]]] = field(default_factory=list)

    @property
    def address(self) -> ChecksumAddress:
        return Web3.to_checksum_address(Account.from_key(self.key).address)

    def request(self, method: str, params: list[Any]) -> Any:
        self.calls.append((method, params))
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [self.address]
        if method == "eth_chainId":
            return hex(self.w3.eth.chain_id)
        if method == "personal_sign":
            message, address = params
            assert address.lower() == self.address.lower(), "personal_sign for another account"
            signed = Account.sign_message(encode_defunct(hexstr=message), self.key)
            return "0x" + bytes(signed.signature).hex()
        if method == "eth_signTypedData_v4":
            address, document = params
            assert address.lower() == self.address.lower(), "typed data for another account"
            signed = Account.sign_typed_data(self.key, full_message=json.loads(document))
            return "0x" + bytes(signed.signature).hex()
        if method == "eth_sendTransaction":
            return self._send(params[0])
        response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return json.loads(Web3.to_json(response["result"]))

    def _send(self, tx: dict[str, Any]) -> str:
        assert tx["from"].lower() == self.address.lower(), "transaction from another account"
        call = {"from": self.address, "to": Web3.to_checksum_address(tx["to"]), "data": tx["data"]}
        full = {
            **call,
            "nonce": self.w3.eth.get_transaction_count(self.address, "pending"),
            "gas": int(self.w3.eth.estimate_gas(call, "pending") * 1.2) + 10_000,  # type: ignore[arg-type]
            "gasPrice": self.w3.eth.gas_price,
            "chainId": self.w3.eth.chain_id,
        }
        signed = Account.sign_transaction(full, self.key)
        return "0x" + bytes(self.w3.eth.send_raw_transaction(signed.raw_transaction)).hex()

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]


SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG under build/screenshots, for looking at the pages as a user."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
