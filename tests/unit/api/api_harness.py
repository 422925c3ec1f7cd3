"""Helpers for the API tests: a fixed clock, signed request builders, table counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.client.bodies import cancel_body, expected_positions_body, order_body
from flowmarket.db import orders_repo
from flowmarket.db.engine import make_engine, upgrade
from flowmarket.db.models import Product
from flowmarket.signing import (
    CancelMessage,
    Domain,
    ExpectedPositionsMessage,
    LoginMessage,
    OrderMessage,
    parse_login_message,
    sign,
    sign_login,
)

NOW = 1_800_000_100.0  # 100 s into hour 500000: the open delivery hour is 500001
OPEN_HOUR = 500_001
PRODUCTS = ("fast-us", "premium-eu", "regular-eu")
DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
OPERATOR_KEY = "0x" + "0b" * 32


@dataclass
class Clock:
    now: float = NOW

    def __call__(self) -> float:
        return self.now


@dataclass
class Market:
    """The app under test, its storage and helpers that build signed requests."""

    client: TestClient
    engine: Engine
    clock: Clock
    wallets: list[LocalAccount] = field(default_factory=list)

    def order(self, account: LocalAccount, **changes: Any) -> OrderMessage:
        values: dict[str, Any] = {
            "participant": account.address,
            "nonce": 1,
            "from_hour": OPEN_HOUR,
            "until_hour": OPEN_HOUR + 10,
            "portfolio": {"premium-eu": 1.0},
            "curve": ((-5.0, 12.0), (10.0, 4.0)),
            "replaces": None,
        }
        values.update(changes)
        return OrderMessage(**values)

    def body(
        self, account: LocalAccount, order: OrderMessage, domain: Domain = DOMAIN
    ) -> dict[str, Any]:
        """The body for the market's DOMAIN, signed for `domain` (another one, to test
        that a signature for the wrong domain is refused)."""
        body = order_body(DOMAIN, order, account.key.hex())
        return {**body, "signature": sign(domain, order, account.key.hex())}

    def submit(self, account: LocalAccount, **changes: Any) -> Any:
        return self.client.post(
            "/v1/orders", json=self.body(account, self.order(account, **changes))
        )

    def expected_body(
        self,
        account: LocalAccount,
        positions: dict[str, float],
        *,
        nonce: int = 1,
        deadline: int = int(NOW) + 600,
        domain: Domain = DOMAIN,
    ) -> dict[str, Any]:
        """The body of POST /v1/expected-positions, signed by `account`."""
        message = ExpectedPositionsMessage(account.address, nonce, deadline, positions)
        body = expected_positions_body(DOMAIN, message, account.key.hex())
        return {**body, "signature": sign(domain, message, account.key.hex())}

    def report_expected(
        self, account: LocalAccount, positions: dict[str, float], **changes: Any
    ) -> Any:
        return self.client.post(
            "/v1/expected-positions", json=self.expected_body(account, positions, **changes)
        )

    def cancel_body(self, account: LocalAccount, order_hash: str) -> dict[str, Any]:
        return cancel_body(DOMAIN, CancelMessage(account.address, order_hash), account.key.hex())

    def login(self, account: LocalAccount) -> dict[str, str]:
        challenge = self.client.post("/v1/auth/challenge", json={"address": account.address})
        assert challenge.status_code == 200, challenge.text
        message: LoginMessage = parse_login_message(challenge.json()["message"])
        signature = sign_login(message, account.key.hex())
        token = self.client.post(
            "/v1/auth/login", json={"message": message.text(), "signature": signature}
        )
        assert token.status_code == 200, token.text
        return {"authorization": f"Bearer {token.json()['access_token']}"}

    def table_counts(self) -> dict[str, int]:
        from sqlalchemy import func, select

        from flowmarket.db.models import metadata

        with self.engine.connect() as connection:
            return {
                name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in metadata.tables.items()
            }


def migrated_engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=name) for name in PRODUCTS])
    return engine
