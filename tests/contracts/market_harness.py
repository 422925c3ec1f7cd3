"""A deployed market plus the accounts that act on it, for the contract tests.

`Market.send(who, contract, function, *args)` signs with the named account's key and
raises `TransactionReverted` naming the custom error; `Market.reverts("Name")` checks
that error. Accounts: deployer (holds nothing after deployment), oracle, supplier (the
genesis file's capacity supplier) and participants alice, bob, carol, dave; "timelock"
sends as the timelock (impersonated on the node), which is also the guardian.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import TxReceipt

from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment
from flowmarket.chain.errors import ErrorDecoder
from flowmarket.errors import TransactionReverted

TOKEN = 10**18
ACCOUNT_KEYS = ("deployer", "oracle", "supplier", "alice", "bob", "carol", "dave")
PARTICIPANTS = ("alice", "bob", "carol", "dave")
# The hours these tests clear by hand publish order sets that name no clearing engine,
# which is engine 1 (docs/engine-versions.md): their market starts on it, where a new
# deployment starts on the newest (test_deploy_command.py).
TEST_MARKET_ENGINE = 1


def commitment(hour: int, *, fees: int = 7 * TOKEN) -> tuple[Any, ...]:
    """A plausible `HourCommitment` tuple with nonzero roots and summary."""
    tag = hour.to_bytes(8, "big")
    return (
        b"\x0a" * 24 + tag,
        b"\x0b" * 24 + tag,
        b"\x0c" * 24 + tag,
        123 * TOKEN,
        456 * TOKEN,
        fees,
        10**6,
        10**7,
        b"\x0d" * 24 + tag,
        3,
        b"\x0e" * 24 + tag,
        2,
        b"\x0f" * 24 + tag,
        2,
    )


@dataclass
class Market:
    w3: Web3
    artifacts: ArtifactSet
    deployment: Deployment
    keys: dict[str, str]
    clients: dict[str, ChainClient]

    def address(self, who: str) -> str:
        if who in self.deployment.addresses:
            return self.deployment.addresses[who]
        return str(Account.from_key(self.keys[who]).address)

    def contract(self, name: str) -> Contract:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(self.deployment.addresses[name]),
            abi=self.artifacts[name].abi,
        )

    def view(self, name: str, function: str, *args: Any) -> Any:
        return getattr(self.contract(name).functions, function)(*args).call()

    def send(self, who: str, name: str, function: str, *args: Any) -> TxReceipt:
        if who == "timelock":
            return self.as_timelock(name, function, *args)
        client = self.clients[who]
        contract = client.contract(self.artifacts[name], self.deployment.addresses[name])
        return client.transact(getattr(contract.functions, function)(*args))

    def as_timelock(self, name: str, function: str, *args: Any) -> TxReceipt:
        """Send as the timelock (governance, and the guardian), impersonated on the node;
        a revert raises `TransactionReverted` naming the error, as `send` does."""
        timelock = self.deployment.addresses["MarketTimelock"]
        request = self.w3.provider.make_request
        request("hardhat_impersonateAccount", [timelock])  # type: ignore[arg-type]
        request("hardhat_setBalance", [timelock, hex(10**20)])  # type: ignore[arg-type]
        try:
            call = getattr(self.contract(name).functions, function)(*args)
            try:
                call.call({"from": timelock})
            except ContractLogicError as exc:
                raise ErrorDecoder(self.artifacts.values()).reverted(function, exc) from None
            receipt = self.w3.eth.wait_for_transaction_receipt(call.transact({"from": timelock}))
        finally:
            request("hardhat_stopImpersonatingAccount", [timelock])  # type: ignore[arg-type]
        return receipt

    def events(self, receipt: TxReceipt, name: str, event: str) -> list[dict[str, Any]]:
        handler = getattr(self.contract(name).events, event)()
        return [dict(log["args"]) for log in handler.process_receipt(receipt, errors=DISCARD)]

    @contextmanager
    def reverts(self, error: str) -> Iterator[None]:
        with pytest.raises(TransactionReverted, match=rf"\b{re.escape(error)}\("):
            yield

    def advance(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def balance(self, who: str) -> int:
        return int(self.view("CapacityToken", "balanceOf", self.address(who)))

    def mint(self, who: str, amount: int) -> None:
        self.send("supplier", "CapacityToken", "mint", self.address(who), amount)

    def approve(self, who: str, spender: str, amount: int) -> None:
        self.send(who, "CapacityToken", "approve", self.address(spender), amount)

    def commit_hours(self, count: int) -> None:
        for _ in range(count):
            hour = int(self.view("ClearingLedger", "nextHour"))
            self.send("oracle", "ClearingLedger", "commitHour", hour, commitment(hour))


def make_clients(
    rpc_url: str, keys: dict[str, str], artifacts: ArtifactSet
) -> dict[str, ChainClient]:
    """Fresh clients (fresh nonce counters: needed after every evm_revert)."""
    return {
        who: ChainClient(rpc_url, key, artifacts=artifacts.values()) for who, key in keys.items()
    }
