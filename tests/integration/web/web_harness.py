"""The market the browser tests run against, built and cleared the way it runs for real.

`open_web_market` deploys the demo profile on the session node into a private state
folder, serves the participation API with the web app (uvicorn, SQLite, the demo
catalogue) on a virtual clock, and opens the clearing oracle on the same database and
clock (`oracle`, as `flowmarket oracle run` and the demo drive it). The
counterparties sign their orders with their wallets and send them through the API
(`ParticipantClient`, as `flowmarket order submit` does); `WebMarket.close_hour` moves
the clock to the hour's close and runs the oracle's cycle for it: snapshot → collateral
→ solve → commit on chain → publish. Nothing writes results or commitments by hand.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from sqlalchemy import Engine
from sqlmodel import Session
from web3 import Web3
from web3.contract import Contract

from flowmarket.backend.serve import build_app, open_database
from flowmarket.catalogue import load_spec, parse_name, products_at
from flowmarket.chain.bond import fund_and_stake_bond
from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile, load_deployment
from flowmarket.chain.genesis import TREASURY, Genesis
from flowmarket.chain.leaves import requirements_tree
from flowmarket.chain.requirements import Requirement, write_requirements
from flowmarket.client.participant_client import ParticipantClient
from flowmarket.config import Settings
from flowmarket.db import oracle_repo, orders_repo
from flowmarket.db.models import Product
from flowmarket.db.oracle_tables import OracleHour
from flowmarket.demo.api_server import VirtualClock
from flowmarket.demo.wallets import Wallet
from flowmarket.local.faucet import Faucet
from flowmarket.local.state import save_cast
from flowmarket.oracle.cycle import Oracle, open_oracle
from flowmarket.signing import Domain
from live_server import local_market_settings, serve

TOKEN = 10**18
GOVERNANCE_SUPPLY = 1_000_000 * TOKEN
ROLES = ("deployer", "oracle", "guardian", "supplier", "alice", "seller", "buyer")
ORDER_HOURS = 24  # the counterparties' orders stand for the hour and the next 23


@dataclass
class WebMarket:
    """A served, deployed market whose hour `hour` is open for bidding until `close_hour`."""

    url: str
    settings: Settings
    engine: Engine
    clock: VirtualClock
    hour: int
    domain: Domain
    deployment: Deployment
    compiled: ArtifactSet
    w3: Web3
    keys: dict[str, str]
    oracle: Oracle
    counterparty_orders: int = 0  # accepted by the API from "seller" and "buyer"

    def address(self, who: str) -> str:
        return str(Account.from_key(self.keys[who]).address)

    def client(self, who: str) -> ChainClient:
        return ChainClient(self.settings.rpc_url, self.keys[who], artifacts=self.compiled.values())

    def contract(self, name: str) -> Contract:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(self.deployment.addresses[name]),
            abi=self.compiled[name].abi,
        )

    def send(self, who: str, contract: str, function: str, *args: object) -> None:
        client = self.client(who)
        target = client.contract(self.compiled[contract], self.deployment.addresses[contract])
        client.transact(getattr(target.functions, function)(*args))

    def deposit(self, who: str, amount: int) -> None:
        """Mint `amount` wei to `who` and deposit it as collateral (orders need collateral
        that backs their worst case, docs/order-limits.md)."""
        vault = self.deployment.addresses["CollateralVault"]
        self.send("supplier", "CapacityToken", "mint", self.address(who), amount)
        self.send(who, "CapacityToken", "approve", vault, amount)
        self.send(who, "CollateralVault", "deposit", amount)

    def view(self, contract: str, function: str, *args: object) -> Any:
        return getattr(self.contract(contract).functions, function)(*args).call()

    @contextmanager
    def participant(self, who: str) -> Iterator[ParticipantClient]:
        """`who`'s wallet talking to the API, as the `flowmarket order` commands do."""
        client = ParticipantClient(self.url, Account.from_key(self.keys[who]), timeout=10)
        try:
            yield client
        finally:
            client.close()

    def close_hour(self) -> None:
        """Close `hour`'s bidding window on the clock and let the oracle clear, commit and
        publish it (once: later calls find it published)."""
        if self.oracle.next_hour() > self.hour:
            return
        self.clock.close(self.hour)
        self.move_chain_clock(int(self.clock.now))  # the ledger takes closed hours only
        assert self.oracle.tick(now=self.clock.now, limit=1) == 1
        assert self.oracle.next_hour() == self.hour + 1, "the oracle did not publish the hour"

    def post_requirement(self, who: str, requirement: int) -> None:
        """Publish and post a requirements root in which `who` needs `requirement` wei, as
        the oracle does after an hour: the hour after the last one posted (the chain's
        clock is moved to its close when behind)."""
        latest = int(self.view("CollateralVault", "requirements")[0])
        now = int(self.w3.eth.get_block("latest")["timestamp"])
        hour = max(latest + 1, now // 3600)
        self.move_chain_clock(hour * 3600)
        address = self.address(who)
        write_requirements(self.settings.state_dir, hour, {address: Requirement(requirement, 0)})
        tree = requirements_tree({address: requirement})
        self.send("oracle", "CollateralVault", "postRequirements", hour, tree.root, tree.count)

    def move_chain_clock(self, to: int) -> None:
        """The next block's timestamp becomes `to` when the chain is behind it."""
        if int(self.w3.eth.get_block("latest")["timestamp"]) < to:
            request = self.w3.provider.make_request
            request("evm_setNextBlockTimestamp", [to])  # type: ignore[arg-type]
            request("evm_mine", [])  # type: ignore[arg-type]

    def journal(self) -> OracleHour:
        """The oracle's journal row of `hour` (what it snapshotted, cleared and sent)."""
        with Session(self.engine) as session:
            row = oracle_repo.journal_hour(session, hour=self.hour)
        assert row is not None, f"hour {self.hour} was never snapshotted"
        return row

    def committed_event(self) -> dict[str, Any]:
        """`HourCommitted` of `hour` as the ledger logged it, with its transaction hash."""
        ledger = self.contract("ClearingLedger")
        logs = ledger.events.HourCommitted().get_logs(
            from_block=self.deployment.block_number, argument_filters={"hour": self.hour}
        )
        assert len(logs) == 1, f"hour {self.hour} committed {len(logs)} times"
        return {**logs[0]["args"], "tx": "0x" + bytes(logs[0]["transactionHash"]).hex()}


def base_price(days_ahead: int, hour_of_day: int) -> float:
    """A visible term structure: a daily cycle peaking in the evening, rising with days ahead."""
    return round(6.0 + 2.0 * math.sin((hour_of_day - 12) / 24 * 2 * math.pi) + 0.25 * days_ahead, 3)


def submit_counterparties(market: WebMarket, catalogue: list[Product]) -> None:
    """Seller and buyer curves crossing at `base_price` on every eu-west premium product
    and on the next day of us-east fast (a term structure to show), signed by their
    wallets and sent through the API (counted in `market.counterparty_orders`)."""
    wanted = []
    for product in catalogue:
        key = parse_name(product.name)
        if (key.region, key.type) == ("eu-west", "premium") or (
            (key.region, key.type) == ("us-east", "fast") and key.start - market.hour < 24
        ):
            wanted.append(
                (product.name, base_price((key.start - market.hour) // 24, key.start % 24))
            )
    first, last = market.hour, market.hour + ORDER_HOURS - 1
    with market.participant("seller") as seller, market.participant("buyer") as buyer:
        for nonce, (name, price) in enumerate(wanted):
            for client, curve in (
                (seller, [(-10.0, price + 2), (0.0, price - 2)]),
                (buyer, [(0.0, price + 1), (8.0, price - 3)]),
            ):
                accepted = client.submit(
                    portfolio={name: 1.0},
                    curve=curve,
                    from_hour=first,
                    until_hour=last,
                    nonce=nonce,
                )
                assert accepted["receipt"]["action"] == "accepted", accepted
                market.counterparty_orders += 1


@contextmanager
def open_web_market(
    base: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    keys: dict[str, str],
    state: Path,
) -> Iterator[WebMarket]:
    """Deploy (genesis: the next real hour, its window open), load the demo catalogue,
    serve API and pages (`build_app`, as `flowmarket serve` does, with the virtual
    clock, and a local market's faucet), open the oracle on 3600-second hours from genesis."""
    hour = int(time.time()) // 3600 + 1
    settings = local_market_settings(base, state, rpc_url, keys["oracle"])
    alice, supplier = (str(Account.from_key(keys[who]).address) for who in ("alice", "supplier"))
    genesis = Genesis(  # alice (the browser wallet) holds 10 % of the votes, the treasury 90 %
        {alice: GOVERNANCE_SUPPLY // 10, TREASURY: GOVERNANCE_SUPPLY - GOVERNANCE_SUPPLY // 10},
        suppliers=(supplier,),
    )
    deployment = deploy_market(
        settings,
        compiled,
        rpc_url=settings.rpc_url,
        profile=get_profile("demo"),
        genesis=genesis,
        genesis_hour=hour,
    )
    fund_and_stake_bond(
        settings.rpc_url,
        compiled,
        deployment,
        supplier_key=keys["supplier"],
        operator_key=keys["oracle"],
    )
    engine = open_database(settings.effective_database_url)
    catalogue = [
        Product(name=p.name, kind=p.kind, region=p.region)
        for p in products_at(load_spec("demo"), hour)
    ]
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=catalogue)
    clock = VirtualClock()
    clock.bidding(hour)
    # As `flowmarket serve` wires it, plus the faucet of `flowmarket local up`, whose
    # capacity tokens the genesis supplier mints.
    save_cast(settings, {"network": Wallet("network", "supplier", supplier, keys["supplier"])})
    app = build_app(settings, engine=engine, clock=clock, faucet=Faucet(settings))
    try:
        with serve(app, settings.api_port) as url:
            market = WebMarket(
                url=url,
                settings=settings,
                engine=engine,
                clock=clock,
                hour=hour,
                domain=load_deployment(settings).domain(),
                deployment=deployment,
                compiled=compiled,
                w3=w3,
                keys=keys,
                oracle=open_oracle(settings, engine, now=clock.now),
            )
            for who in ("seller", "buyer"):  # ~190 orders each, ~30 tokens of worst case each
                market.deposit(who, 100_000 * TOKEN)
            submit_counterparties(market, catalogue)
            yield market
    finally:
        engine.dispose()
