"""An API over a fresh migrated SQLite file, a fixed clock and throwaway wallets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_harness import DOMAIN, OPERATOR_KEY, Clock, Market, migrated_engine
from eth_account import Account
from fastapi.testclient import TestClient

from flowmarket.api.app import create_app
from flowmarket.api.limits import ApiLimits
from flowmarket.backend.participation import SqlBackend


@pytest.fixture
def limits() -> ApiLimits:
    return ApiLimits(
        max_open_orders_per_participant=5,
        max_curve_points=8,
        max_portfolio_products=3,
        max_body_bytes=8_192,
        max_requests_per_minute=1000,
        max_expected_positions=4,
    )


@pytest.fixture
def market(tmp_path: Path, limits: ApiLimits) -> Iterator[Market]:
    engine = migrated_engine(tmp_path / "market.sqlite")
    clock = Clock()
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=b"test-secret",
        limits=limits,
        clock=clock,
    )
    wallets = [Account.from_key("0x" + f"{k + 1:064x}") for k in range(3)]
    with TestClient(app) as client:
        yield Market(client=client, engine=engine, clock=clock, wallets=wallets)
    engine.dispose()
