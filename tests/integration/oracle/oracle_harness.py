"""A deployed demo market, a SQLite database and signed orders, for the oracle tests.

`OracleWorld` holds the settings the oracle runs with (a private state folder and
database, 1-second "hours" whose clock started long ago so many hours are due at once),
the deployment, and helpers: `place` stores a real EIP-712-signed order as the API
would, `fund` mints capacity tokens, deposits collateral and approves the settlement
contract, `advance` moves the chain's clock.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session
from web3 import Web3
from web3.contract import Contract

from flowmarket.api.app import create_app
from flowmarket.api.batch_intake import VerifiedBatch, verified
from flowmarket.api.batch_intake import entries as batch_entries
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import open_database, session_secret
from flowmarket.chain.bond import fund_and_stake_bond
from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile, load_deployment
from flowmarket.chain.genesis import TREASURY, Genesis
from flowmarket.chain.leaves import requirements_tree
from flowmarket.chain.requirements import read_requirements, requirement_proof
from flowmarket.config import HARDHAT_DEV_KEYS, Settings
from flowmarket.db import orders_repo
from flowmarket.db.models import Order, Product
from flowmarket.merkle import MerkleTree
from flowmarket.signing import (
    BatchReceiptMessage,
    Domain,
    OrderBatchMessage,
    OrderMessage,
    ReceiptMessage,
    batch_ids,
    digest,
    order_struct_hash,
    receipt_leaf,
    sign,
)

TOKEN = 10**18
GENESIS = 1_000
HOUR_LENGTH = 1.0
EPOCH_AGO = 100_000.0  # the clock started this long ago: every test hour is already due
KEYS = {
    "deployer": HARDHAT_DEV_KEYS[0],
    "supplier": HARDHAT_DEV_KEYS[2],
    "oracle": HARDHAT_DEV_KEYS[1],
    "alice": HARDHAT_DEV_KEYS[3],
    "bob": HARDHAT_DEV_KEYS[4],
    "carol": HARDHAT_DEV_KEYS[5],
}
PRODUCTS = ("premium", "regular")


FLOWMARKET = str(Path(sys.executable).with_name("flowmarket"))


def address(who: str) -> str:
    return str(Account.from_key(KEYS[who]).address)


def deploy_state(
    settings: Settings, compiled: ArtifactSet, rpc_url: str, state: Path
) -> Deployment:
    """Deploy the demo profile with genesis hour GENESIS into `state`; the oracle's bond
    is staked."""
    local = replace(settings, state_dir=state, rpc_url=rpc_url)
    # The governance tokens stay with the treasury (these tests never vote); "supplier"
    # mints capacity.
    genesis = Genesis({TREASURY: 1_000_000 * TOKEN}, suppliers=(address("supplier"),))
    deployment = deploy_market(
        local,
        compiled,
        rpc_url=rpc_url,
        profile=get_profile("demo"),
        genesis=genesis,
        genesis_hour=GENESIS,
    )
    fund_and_stake_bond(
        rpc_url, compiled, deployment, supplier_key=KEYS["supplier"], operator_key=KEYS["oracle"]
    )
    return deployment


@dataclass
class OracleWorld:
    settings: Settings
    engine: Engine
    w3: Web3
    compiled: ArtifactSet
    deployment: Deployment
    epoch: float
    nonces: dict[str, int]

    @classmethod
    def create(
        cls,
        base: Settings,
        deployed: Path,
        tmp: Path,
        rpc_url: str,
        w3: Web3,
        compiled: ArtifactSet,
    ) -> OracleWorld:
        state = tmp / "state"
        shutil.copytree(deployed, state)
        epoch = time.time() - EPOCH_AGO
        settings = replace(
            base,
            state_dir=state,
            rpc_url=rpc_url,
            database_url=f"sqlite:///{state / 'oracle.sqlite'}",
            oracle_hour_length_s=HOUR_LENGTH,
            oracle_epoch_s=epoch,
            oracle_poll_s=0.05,
            oracle_retry_base_s=0.05,
            oracle_retry_max_s=0.2,
        )
        engine = open_database(settings.effective_database_url)
        with Session(engine) as session:
            orders_repo.upsert_products(session, products=[Product(name=n) for n in PRODUCTS])
        return cls(settings, engine, w3, compiled, load_deployment(settings), epoch, {})

    def env(self) -> dict[str, str]:
        """FLOWMARKET_* variables that give a subprocess these settings."""
        s = self.settings
        return {
            "FLOWMARKET_STATE_DIR": str(s.state_dir),
            "FLOWMARKET_RPC_URL": s.rpc_url,
            "FLOWMARKET_DATABASE_URL": s.database_url,
            "FLOWMARKET_ORACLE_EPOCH_S": repr(s.oracle_epoch_s),
            "FLOWMARKET_ORACLE_HOUR_LENGTH_S": repr(s.oracle_hour_length_s),
            "FLOWMARKET_ORACLE_POLL_S": "0.05",
            "FLOWMARKET_ORACLE_RETRY_BASE_S": "0.05",
            "FLOWMARKET_ORACLE_RETRY_MAX_S": "0.2",
        }

    @property
    def domain(self) -> Domain:
        return Domain(self.deployment.chain_id, self.deployment.addresses["ClearingLedger"])

    def contract(self, name: str) -> Contract:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(self.deployment.addresses[name]),
            abi=self.compiled[name].abi,
        )

    def view(self, name: str, function: str, *args: Any) -> Any:
        return getattr(self.contract(name).functions, function)(*args).call()

    def send(self, who: str, name: str, function: str, *args: Any) -> None:
        client = ChainClient(self.settings.rpc_url, KEYS[who], artifacts=self.compiled.values())
        contract = client.contract(self.compiled[name], self.deployment.addresses[name])
        client.transact(getattr(contract.functions, function)(*args))

    def fund(self, who: str, *, collateral: int, balance: int = 0, approve: bool = True) -> None:
        """Mint, deposit `collateral` wei into the vault, and approve settlement pulls."""
        self.send("supplier", "CapacityToken", "mint", address(who), collateral + balance)
        if collateral:
            self.send(
                who,
                "CapacityToken",
                "approve",
                self.deployment.addresses["CollateralVault"],
                collateral,
            )
            self.send(who, "CollateralVault", "deposit", collateral)
        if approve:
            self.send(
                who,
                "CapacityToken",
                "approve",
                self.deployment.addresses["WeeklySettlement"],
                2**255,
            )

    def place(
        self,
        who: str,
        portfolio: dict[str, float],
        curve: list[tuple[float, float]],
        *,
        from_hour: int = GENESIS,
        until_hour: int = GENESIS + 10_000,
    ) -> str:
        """Store a signed order accepted before the clock's epoch; returns its id."""
        nonce = self.nonces.get(who, 0)
        self.nonces[who] = nonce + 1
        message = OrderMessage(
            participant=address(who),
            nonce=nonce,
            from_hour=from_hour,
            until_hour=until_hour,
            portfolio=portfolio,
            curve=tuple(curve),
        )
        order_hash = digest(self.domain, message)
        accepted_at = self.epoch - 1.0
        receipt = ReceiptMessage(order_hash, address(who), nonce, "accepted", int(accepted_at))
        row = Order(
            order_hash=order_hash,
            participant=address(who),
            nonce=nonce,
            from_hour=from_hour,
            until_hour=until_hour,
            portfolio=portfolio,
            curve=[list(p) for p in curve],
            signature=sign(self.domain, message, KEYS[who]),
            accepted_at=accepted_at,
            receipt_signature=sign(self.domain, receipt, self.settings.oracle_key),
        )
        with Session(self.engine) as session:
            orders_repo.insert_order(session, order=row)
        return order_hash

    def place_batch(
        self,
        who: str,
        orders: list[tuple[dict[str, float], list[tuple[float, float]]]],
        *,
        from_hour: int = GENESIS,
        until_hour: int = GENESIS + 10_000,
    ) -> list[str]:
        """Store a signed batch of orders accepted before the clock's epoch, as the API's
        batch route stores one (the batch's signature and receipt); returns the ids."""
        messages = []
        for portfolio, curve in orders:
            nonce = self.nonces.get(who, 0)
            self.nonces[who] = nonce + 1
            messages.append(
                OrderMessage(address(who), nonce, from_hour, until_hour, portfolio, tuple(curve))
            )
        batch = OrderBatchMessage(address(who), tuple(messages), ())
        batch_hash, ids = batch_ids(self.domain, batch)
        signature = sign(self.domain, batch, KEYS[who])
        placed = VerifiedBatch(
            batch_hash="0x" + batch_hash.hex(),
            participant=address(who),
            orders=tuple(verified(m, i, signature) for m, i in zip(messages, ids, strict=True)),
            cancels=(),
            signature=signature,
            struct_hashes=tuple("0x" + order_struct_hash(m).hex() for m in messages),
        )
        recorded = batch_entries(placed)
        root = MerkleTree.from_leaves(receipt_leaf(e.order_hash, e.action) for e in recorded).root
        accepted_at = self.epoch - 1.0
        receipt = BatchReceiptMessage(
            placed.batch_hash, address(who), "0x" + root.hex(), len(recorded), int(accepted_at)
        )
        SqlBackend(self.engine).store_batch(
            placed,
            recorded,
            recorded_at=accepted_at,
            entries_root="0x" + root.hex(),
            receipt_signature=sign(self.domain, receipt, self.settings.oracle_key),
        )
        return ids

    def govern(self, function: str, *args: Any) -> None:
        """Call a MarketParameters setter as the timelock (impersonated on the dev node),
        as an executed governance proposal would."""
        timelock = self.deployment.addresses["MarketTimelock"]
        provider = self.w3.provider
        provider.make_request("hardhat_impersonateAccount", [timelock])  # type: ignore[arg-type]
        provider.make_request("hardhat_setBalance", [timelock, hex(10**20)])  # type: ignore[arg-type]
        try:
            call = getattr(self.contract("MarketParameters").functions, function)(*args)
            self.w3.eth.wait_for_transaction_receipt(call.transact({"from": timelock}))
        finally:
            provider.make_request("hardhat_stopImpersonatingAccount", [timelock])  # type: ignore[arg-type]

    def advance(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    def committed_events(self) -> list[dict[str, Any]]:
        ledger = self.contract("ClearingLedger")
        logs = ledger.events.HourCommitted().get_logs(from_block=self.deployment.block_number)
        return [dict(log["args"]) for log in logs]

    def posted_requirement(self, who: str) -> int:
        """`who`'s requirement as the vault's latest root proves it: the oracle's published
        requirements file rebuilt into the tree, checked against the root on chain, and
        the participant's items passed to `requirementOf`."""
        hour, count, root = self.view("CollateralVault", "requirements")
        published = read_requirements(self.settings.state_dir, int(hour))
        assert published is not None, f"no requirements file for hour {hour}"
        tree = requirements_tree(published)
        assert (tree.root, tree.count) == (bytes(root), int(count))
        items = [i.as_tuple() for i in requirement_proof(published, address(who))]
        return int(self.view("CollateralVault", "requirementOf", address(who), items))

    def publication(self, hour: int) -> dict[str, Any]:
        path = self.settings.state_dir / "hours" / f"{hour}.json"
        data: dict[str, Any] = json.loads(path.read_text())
        return data


def run_one_hour(world: OracleWorld, **env: str) -> subprocess.CompletedProcess[str]:
    """`flowmarket oracle run --hours 1` in a subprocess, on the world's settings and `env`."""
    return subprocess.run(
        [FLOWMARKET, "oracle", "run", "--hours", "1"],
        env={**os.environ, **world.env(), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def refused_setting(world: OracleWorld, name: str, value: str) -> str:
    """`run_one_hour` with the variable `name` set to `value`, which the oracle must refuse
    before it does anything: exit status 2 and nothing committed. Returns its stderr."""
    done = run_one_hour(world, **{name: value})
    assert done.returncode == 2, done.stderr
    assert world.committed_events() == []
    return done.stderr


def log_record(stderr: str, message: str) -> dict[str, Any]:
    """The first JSON log record of the oracle's `stderr` whose message is `message`."""
    records = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return next(r for r in records if r["msg"] == message)


def basic_book(world: OracleWorld) -> dict[str, str]:
    """Alice buys premium, bob sells it, carol sells regular against alice's spread."""
    return {
        "a-buy": world.place("alice", {"premium": 1.0}, [(0.0, 12.0), (6.0, 2.0)]),
        "b-sell": world.place("bob", {"premium": 1.0}, [(-8.0, 10.0), (0.0, 1.0)]),
        "a-spread": world.place(
            "alice", {"regular": 1.0, "premium": -0.5}, [(-2.0, 3.0), (0.0, 2.0), (4.0, -1.0)]
        ),
        "c-sell": world.place("carol", {"regular": 1.0}, [(-5.0, 6.0), (0.0, 0.5)]),
    }


def funded_basic_book(world: OracleWorld) -> dict[str, str]:
    """`basic_book`, with 1 000 capacity tokens of collateral for each of its traders."""
    orders = basic_book(world)
    for who in ("alice", "bob", "carol"):
        world.fund(who, collateral=1_000 * TOKEN)
    return orders


def api(world: OracleWorld) -> TestClient:
    app = create_app(
        backend=SqlBackend(world.engine),
        domain=load_deployment(world.settings).domain(),
        operator_key=world.settings.oracle_key,
        token_secret=session_secret(world.engine),
    )
    return TestClient(app)


# Fixtures shared by the oracle integration tests and the crash tests (their conftests
# import them): one demo deployment per module (reverted afterwards), a fresh world
# (SQLite database, state folder) per test.


@pytest.fixture(scope="module")
def deployed(
    settings: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("oracle-deploy")
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    deploy_state(settings, compiled, rpc_url, state)
    yield state
    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]


@pytest.fixture
def world(
    settings: Settings,
    deployed: Path,
    tmp_path: Path,
    rpc_url: str,
    w3: Web3,
    compiled: ArtifactSet,
    chain_snapshot: str,
) -> Iterator[OracleWorld]:
    world = OracleWorld.create(settings, deployed, tmp_path, rpc_url, w3, compiled)
    yield world
    world.engine.dispose()
