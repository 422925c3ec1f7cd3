"""The market the browser tests run against: contracts on the session node, a SQLite
database with the demo catalogue, counterparties' signed orders, and helpers that clear
and commit an hour the way the oracle does (clear → integer money → Merkle roots →
`commitHour` → roots, proofs and the transaction hash stored beside the results)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from web3 import Web3

from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment
from flowmarket.db.models import HourParticipant, HourProduct, HourResult
from flowmarket.services.hour_commitment import build_hour_bundle, commit_bundle
from flowmarket.services.hourly_clearing import clear_hour
from flowmarket.signing import Domain, OrderMessage, sign

TOKEN = 10**18


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now


@dataclass
class WebMarket:
    url: str
    engine: Engine
    clock: Clock
    hour: int
    domain: Domain
    deployment: Deployment
    compiled: ArtifactSet
    rpc_url: str
    w3: Web3
    keys: dict[str, str]
    cleared: set[int] = field(default_factory=set)

    def client(self, who: str) -> ChainClient:
        return ChainClient(self.rpc_url, self.keys[who], artifacts=self.compiled.values())

    def send(self, who: str, contract: str, function: str, *args: object) -> None:
        client = self.client(who)
        target = client.contract(self.compiled[contract], self.deployment.addresses[contract])
        client.transact(getattr(target.functions, function)(*args))

    def view(self, contract: str, function: str, *args: object) -> object:
        target = self.w3.eth.contract(
            address=Web3.to_checksum_address(self.deployment.addresses[contract]),
            abi=self.compiled[contract].abi,
        )
        return getattr(target.functions, function)(*args).call()

    def submit(
        self, who: str, nonce: int, portfolio: dict[str, float], curve: list[list[float]]
    ) -> None:
        key = self.keys[who]
        participant = self.client(who).address
        message = OrderMessage(
            participant,
            nonce,
            self.hour,
            self.hour + 23,
            portfolio,
            tuple((q, p) for q, p in curve),
        )
        body = {
            "order": {
                "participant": participant,
                "nonce": nonce,
                "from_hour": self.hour,
                "until_hour": self.hour + 23,
                "portfolio": portfolio,
                "curve": curve,
            },
            "chain_id": self.domain.chain_id,
            "verifying_contract": self.domain.verifying_contract,
            "signature": sign(self.domain, message, key),
        }
        response = httpx.post(f"{self.url}/v1/orders", json=body, timeout=10)
        assert response.status_code == 200, response.text

    def clear_and_commit(self) -> None:
        """Clear `hour` (its window closed) and commit it on chain as the oracle."""
        if self.hour in self.cleared:
            return
        cleared = clear_hour(self.engine, hour=self.hour, now=self.hour * 3600 + 5)
        fee_bps = int(str(self.view("MarketParameters", "feeBps")))
        bundle = build_hour_bundle(cleared.result_doc, hour=self.hour, fee_bps=fee_bps)
        oracle = self.client("oracle")
        ledger = oracle.contract(
            self.compiled["ClearingLedger"], self.deployment.addresses["ClearingLedger"]
        )
        receipt = commit_bundle(oracle, ledger, bundle)
        with Session(self.engine) as session:
            row = session.get(HourResult, self.hour)
            assert row is not None
            row.orders_root = "0x" + bundle.orders_tree.root.hex()
            row.prices_root = "0x" + bundle.prices_tree.root.hex()
            row.positions_root = "0x" + bundle.entries_tree.root.hex()
            row.commit_tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
            row.committed_at = self.clock.now
            session.add(row)
            for product in session.exec(select(HourProduct).where(HourProduct.hour == self.hour)):
                leaf = bundle.price_leaf(product.product)
                product.leaf = "0x" + leaf.hex()
                product.merkle_proof = ["0x" + p.hex() for p in bundle.prices_tree.proof(leaf)]
                session.add(product)
            for entry in session.exec(
                select(HourParticipant).where(HourParticipant.hour == self.hour)
            ):
                leaf = bundle.entry_leaf(entry.participant)
                entry.leaf = "0x" + leaf.hex()
                entry.merkle_proof = ["0x" + p.hex() for p in bundle.entries_tree.proof(leaf)]
                session.add(entry)
            session.commit()
        self.cleared.add(self.hour)


def base_price(days_ahead: int, hour_of_day: int) -> float:
    """A visible term structure: a daily cycle peaking in the evening, rising with days ahead."""
    return round(6.0 + 2.0 * math.sin((hour_of_day - 12) / 24 * 2 * math.pi) + 0.25 * days_ahead, 3)
