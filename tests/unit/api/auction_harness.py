"""An API with the auction routes over a migrated SQLite file, and an auctioneer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api_harness import DOMAIN, OPERATOR_KEY, Clock
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.api.app import create_app
from flowmarket.api.limits import ApiLimits
from flowmarket.auctioneer import lifecycle
from flowmarket.backend.auctions import SqlAuctions
from flowmarket.backend.participation import SqlBackend
from flowmarket.client.bodies import bid_body
from flowmarket.db import orders_repo
from flowmarket.db.engine import make_engine, upgrade
from flowmarket.db.models import Product
from flowmarket.signing import AuctionBidMessage, PackageBidMessage


@dataclass
class AuctionApi:
    client: TestClient
    engine: Engine
    clock: Clock

    def bid_body(
        self,
        account: LocalAccount,
        auction: str,
        round_: int,
        demand: dict[str, Any],
        revision: int = 0,
    ) -> dict[str, Any]:
        message = AuctionBidMessage(
            account.address, auction, round_, revision,
            {k: tuple(tuple(p) for p in v) for k, v in demand.items()},
        )  # fmt: skip
        return bid_body(DOMAIN, message, account.key.hex())

    def bid(
        self,
        account: LocalAccount,
        auction: str,
        round_: int,
        demand: dict[str, Any],
        revision: int = 0,
    ) -> Any:
        body = self.bid_body(account, auction, round_, demand, revision)
        return self.client.post(f"/v1/auctions/{auction}/bids", json=body)

    def package(
        self,
        account: LocalAccount,
        auction: str,
        amount: float,
        capacities: dict[str, float],
        revision: int = 0,
    ) -> Any:
        message = PackageBidMessage(account.address, auction, revision, amount, capacities)
        body = bid_body(DOMAIN, message, account.key.hex())
        return self.client.post(f"/v1/auctions/{auction}/packages", json=body)

    def create_and_open(self, doc: dict[str, Any]) -> None:
        lifecycle.create(self.engine, doc, now=self.clock.now)
        lifecycle.open_auction(self.engine, doc["name"], now=self.clock.now)

    def close_round(self, name: str) -> Any:
        self.clock.now += 3600
        return lifecycle.close_round(self.engine, name, now=self.clock.now)


def wallets(count: int) -> list[LocalAccount]:
    return [Account.from_key("0x" + f"{k + 101:064x}") for k in range(count)]


@contextmanager
def auction_api(tmp_path: Path, products: Sequence[str]) -> Iterator[AuctionApi]:
    engine = make_engine(f"sqlite:///{tmp_path / 'auctions.sqlite'}")
    upgrade(engine)
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=name) for name in products])
    clock = Clock()
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=b"test-secret",
        limits=ApiLimits(max_requests_per_minute=10**9),
        clock=clock,
        auctions=SqlAuctions(engine),
    )
    with TestClient(app) as client:
        yield AuctionApi(client, engine, clock)
    engine.dispose()
