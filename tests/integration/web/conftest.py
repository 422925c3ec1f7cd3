"""Fixtures of the browser tests: headless Chromium (Debian's, through Playwright), a real
uvicorn server with the web app over SQLite, contracts on the session node, and an
injected wallet that signs with a Hardhat development key.

Chromium comes from `scripts/browser-up`. Without it these tests skip, except in CI
(`CI=true`), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from browser_wallet import INIT_SCRIPT, DevWallet
from web3 import Web3
from web_harness import TOKEN, Clock, WebMarket, base_price

from flowmarket.api.app import create_app
from flowmarket.catalogue import load_spec, parse_name, products_at
from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.deploy import deploy_market, get_profile
from flowmarket.config import Settings
from flowmarket.db import orders_repo
from flowmarket.db.models import Product
from flowmarket.services.governance_view import ChainMarketView
from flowmarket.services.participation import SqlBackend
from flowmarket.services.serve import open_database, token_secret
from flowmarket.signing import Domain
from flowmarket.web import mount_web

CHROMIUM = "/usr/bin/chromium"
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROLES = ("deployer", "oracle", "guardian", "supplier", "alice", "seller", "buyer")
SHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_catalogue_and_orders(market: WebMarket, catalogue: list[Product]) -> None:
    """Sellers and buyers crossing at `base_price` on every eu-west premium product, and
    on the next day of us-east fast, so the market has a term structure to show."""
    nonce = {"seller": 0, "buyer": 0}
    for product in catalogue:
        key = parse_name(product.name)
        wanted = (key.region, key.type) == ("eu-west", "premium") or (
            (key.region, key.type) == ("us-east", "fast") and key.start - market.hour < 24
        )
        if not wanted:
            continue
        price = base_price((key.start - market.hour) // 24, key.start % 24)
        market.submit(
            "seller", nonce["seller"], {product.name: 1.0}, [[-10.0, price + 2], [0.0, price - 2]]
        )
        market.submit(
            "buyer", nonce["buyer"], {product.name: 1.0}, [[0.0, price + 1], [8.0, price - 3]]
        )
        nonce["seller"] += 1
        nonce["buyer"] += 1


@pytest.fixture(scope="module")
def web_market(
    settings: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    dev_keys: tuple[str, ...],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WebMarket]:
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    hour = int(time.time()) // 3600 + 1
    deployment = deploy_market(
        settings,
        compiled,
        rpc_url=rpc_url,
        profile=get_profile("demo"),
        genesis_hour=hour,
        write=False,
    )
    domain = Domain(deployment.chain_id, deployment.addresses["ClearingLedger"])
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('web') / 'market.sqlite'}")
    catalogue = [
        Product(name=p.name, kind=p.kind, region=p.region)
        for p in products_at(load_spec("demo"), hour)
    ]
    from sqlmodel import Session

    with Session(engine) as session:
        orders_repo.upsert_products(session, products=catalogue)
    clock = Clock(now=(hour - 1) * 3600 + 600.0)
    app = create_app(
        backend=SqlBackend(engine),
        domain=domain,
        operator_key=dev_keys[1],
        token_secret=token_secret(dev_keys[1]),
        clock=clock,
    )
    mount_web(app, chain=ChainMarketView.connect(rpc_url, deployment, compiled))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    market = WebMarket(
        url=f"http://127.0.0.1:{port}",
        engine=engine,
        clock=clock,
        hour=hour,
        domain=domain,
        deployment=deployment,
        compiled=compiled,
        rpc_url=rpc_url,
        w3=w3,
        keys=dict(zip(ROLES, dev_keys, strict=False)),
    )
    seed_catalogue_and_orders(market, catalogue)
    market.send("deployer", "CapacityToken", "mint", market.client("alice").address, 100 * TOKEN)
    try:
        yield market
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
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


def screenshot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
