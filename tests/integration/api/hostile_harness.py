"""A market as `flowmarket serve` and `flowmarket oracle run` run it, on the session node:
contracts deployed (demo profile), the API built by `build_app` (its economics read from
the chain) over SQLite, the oracle on 3600-second hours, and a virtual clock that both
the API and the oracle follow. Participants are Hardhat development wallets that sign
their own orders and send them through the API (`TestClient`: HTTP semantics, in
process).

Hours lie in the past of the node's clock (genesis ten hours ago), so nothing depends
on when the test runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session
from web3 import Web3
from web3.contract import Contract

from flowmarket.backend.serve import build_app, open_database
from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile
from flowmarket.chain.genesis import TREASURY, Genesis
from flowmarket.config import HARDHAT_DEV_KEYS, Settings
from flowmarket.db import orders_repo
from flowmarket.db.models import Product
from flowmarket.demo.api_server import VirtualClock
from flowmarket.oracle.cycle import Oracle, open_oracle
from flowmarket.signing import Domain, OrderMessage, sign

TOKEN = 10**18
PRODUCTS = ("premium", "regular")
KEYS = {
    "deployer": HARDHAT_DEV_KEYS[0],
    "oracle": HARDHAT_DEV_KEYS[1],
    "supplier": HARDHAT_DEV_KEYS[3],
    "buyer": HARDHAT_DEV_KEYS[4],
    "reseller": HARDHAT_DEV_KEYS[5],
    "mallory": HARDHAT_DEV_KEYS[6],
}


def address(who: str) -> str:
    return str(Account.from_key(KEYS[who]).address)


@dataclass
class LiveMarket:
    settings: Settings
    deployment: Deployment
    engine: Engine
    client: TestClient
    clock: VirtualClock
    oracle: Oracle
    compiled: ArtifactSet
    w3: Web3
    genesis: int
    nonces: dict[str, int] = field(default_factory=dict)

    @property
    def domain(self) -> Domain:
        return self.deployment.domain()

    def contract(self, name: str) -> Contract:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(self.deployment.addresses[name]),
            abi=self.compiled[name].abi,
        )

    def send(self, who: str, name: str, function: str, *args: Any) -> None:
        client = ChainClient(self.settings.rpc_url, KEYS[who], artifacts=self.compiled.values())
        contract = client.contract(self.compiled[name], self.deployment.addresses[name])
        client.transact(getattr(contract.functions, function)(*args))

    def fund(self, who: str, collateral: int) -> None:
        """Mint `collateral` wei to `who`, deposit it in the vault, allow settlement pulls."""
        vault = self.deployment.addresses["CollateralVault"]
        self.send("supplier", "CapacityToken", "mint", address(who), collateral)
        self.send(who, "CapacityToken", "approve", vault, collateral)
        self.send(who, "CollateralVault", "deposit", collateral)
        settlement = self.deployment.addresses["WeeklySettlement"]
        self.send(who, "CapacityToken", "approve", settlement, 2**255)

    def body(
        self,
        who: str,
        portfolio: dict[str, float],
        curve: list[tuple[float, float]],
        *,
        hours: tuple[int, int],
        replaces: str | None = None,
    ) -> dict[str, Any]:
        """A signed `POST /v1/orders` body with `who`'s next nonce."""
        nonce = self.nonces.get(who, 0)
        self.nonces[who] = nonce + 1
        message = OrderMessage(
            participant=address(who),
            nonce=nonce,
            from_hour=hours[0],
            until_hour=hours[1],
            portfolio=portfolio,
            curve=tuple(curve),
            replaces=replaces,
        )
        return {
            "order": {
                "participant": message.participant,
                "nonce": nonce,
                "from_hour": hours[0],
                "until_hour": hours[1],
                "portfolio": portfolio,
                "curve": [list(point) for point in curve],
                "replaces": replaces,
            },
            "chain_id": self.domain.chain_id,
            "verifying_contract": self.domain.verifying_contract,
            "signature": sign(self.domain, message, KEYS[who]),
        }

    def submit(self, who: str, portfolio: dict[str, float], curve: Any, **kw: Any) -> Response:
        hours = kw.pop("hours", (self.genesis, self.genesis + 100))
        return self.client.post(
            "/v1/orders", json=self.body(who, portfolio, curve, hours=hours, **kw)
        )

    def clear(self, hour: int) -> None:
        """Close hour `hour`'s bidding window and run the oracle through it; the clock then
        stands in the next hour's window."""
        self.clock.close(hour)
        assert self.oracle.tick(now=self.clock.now, limit=1) == 1
        self.clock.bidding(hour + 1)

    def committed_hours(self) -> list[dict[str, Any]]:
        ledger = self.contract("ClearingLedger")
        logs = ledger.events.HourCommitted().get_logs(from_block=self.deployment.block_number)
        return [dict(log["args"]) for log in logs]

    def govern(self, function: str, *args: Any) -> None:
        """A MarketParameters setter sent by the timelock (impersonated), as an executed
        governance proposal would."""
        timelock = self.deployment.addresses["MarketTimelock"]
        make = self.w3.provider.make_request
        make("hardhat_impersonateAccount", [timelock])  # type: ignore[arg-type]
        make("hardhat_setBalance", [timelock, hex(10**20)])  # type: ignore[arg-type]
        try:
            call = getattr(self.contract("MarketParameters").functions, function)(*args)
            self.w3.eth.wait_for_transaction_receipt(call.transact({"from": timelock}))
        finally:
            make("hardhat_stopImpersonatingAccount", [timelock])  # type: ignore[arg-type]


@contextmanager
def live_market(
    base: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    state: Path,
    *,
    genesis: int | None = None,
) -> Iterator[LiveMarket]:
    """Deploy (genesis: ten hours ago unless given), serve `build_app`, open the oracle."""
    genesis = int(time.time()) // 3600 - 10 if genesis is None else genesis
    settings = replace(
        base,
        state_dir=state,
        rpc_url=rpc_url,
        database_url=f"sqlite:///{state / 'market.sqlite'}",
        oracle_key=KEYS["oracle"],
        allow_dev_keys=True,  # a local test market on Hardhat's development keys
        api_rate_per_minute=100_000,
        oracle_hour_length_s=3600.0,
        oracle_epoch_s=0.0,  # hour h closes at h · 3600, as the API's windows do
        oracle_retry_attempts=3,
        oracle_crash_at="",
    )
    # The governance tokens stay with the treasury (governance is impersonated: `govern`);
    # "supplier" mints capacity.
    deployment = deploy_market(
        settings,
        compiled,
        rpc_url=rpc_url,
        profile=get_profile("demo"),
        genesis=Genesis({TREASURY: 1_000_000 * TOKEN}, suppliers=(address("supplier"),)),
        genesis_hour=genesis,
    )
    engine = open_database(settings.effective_database_url)
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=p) for p in PRODUCTS])
    clock = VirtualClock()
    clock.bidding(genesis)
    app = build_app(settings, engine=engine, clock=clock)  # as `flowmarket serve` wires it
    try:
        with TestClient(app) as client:
            yield LiveMarket(
                settings=settings,
                deployment=deployment,
                engine=engine,
                client=client,
                clock=clock,
                oracle=open_oracle(settings, engine, now=clock.now),
                compiled=compiled,
                w3=w3,
                genesis=genesis,
            )
    finally:
        engine.dispose()
