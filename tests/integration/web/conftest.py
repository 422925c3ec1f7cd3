"""Fixtures of the browser tests: headless Chromium (Debian's, through Playwright), the
market of `web_harness` (contracts on the session node, API and pages served by uvicorn
over SQLite, the clearing oracle on a virtual clock), and an injected wallet that signs
with a Hardhat development key.

The browser and the wallet are tests/browser.py's (shared with the quickstart e2e):
Chromium comes from `scripts/browser-up`; without it these tests skip, except in CI
(`CI=true`), where a missing browser is a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from wallet_pages import settle_week_zero
from web3 import Web3
from web_harness import ROLES, TOKEN, WebMarket, open_web_market

from browser import DevWallet, chromium_path, launch, wallet_page
from flowmarket.chain.build import ArtifactSet
from flowmarket.config import Settings
from flowmarket.oracle.cycle import open_oracle

Reverter = Callable[[Web3], AbstractContextManager[str]]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch(chromium_path()) as instance:
        yield instance


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
    with wallet_page(browser, wallet) as page:
        yield page


@pytest.fixture(scope="module")
def settled_week(web_market: WebMarket) -> WebMarket:
    """The web market with week 0 traded, cleared, posted and executable
    (`wallet_pages.settle_week_zero`); module-scoped: it clears 168 hours."""
    settle_week_zero(web_market)
    return web_market


@pytest.fixture
def week(settled_week: WebMarket, node_reverter: Reverter) -> Iterator[WebMarket]:
    """`settled_week` for one test: every chain change it makes is reverted afterwards, and
    the oracle is reopened (its signing client counts nonces the revert took back), so
    each test starts from the same week whatever ran before it."""
    with node_reverter(settled_week.w3):
        yield settled_week
    settled_week.oracle = open_oracle(
        settled_week.settings, settled_week.engine, now=settled_week.clock.now
    )


@pytest.fixture
def chain_state(web_market: WebMarket, node_reverter: Reverter) -> Iterator[WebMarket]:
    """The web market for one test: every chain change it makes (blocks, time, votes) is
    reverted afterwards."""
    with node_reverter(web_market.w3):
        yield web_market
