"""Fixtures of the contract tests: one demo deployment per session, reverted after each test.

The session deployment starts 200 hours back (its hours must have closed on chain to be
committed) and has week 0 fully committed (168 hours), 1 000 capacity tokens
minted to each participant by the genesis supplier, and the governance supply allocated
at genesis as treasury (the timelock) 40 %, alice 30 %, bob 20 %, carol 10 % (dave and
the deployer hold none). `market` snapshots the node before each
test and reverts it afterwards.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import solcx
from eth_account import Account
from market_harness import (
    ACCOUNT_KEYS,
    PARTICIPANTS,
    TEST_MARKET_ENGINE,
    TOKEN,
    Market,
    make_clients,
)
from web3 import Web3
from web3.contract import Contract

from flowmarket.chain.build import SOLC_SETTINGS, Artifact, ArtifactSet, solc_shim
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile, save_deployment
from flowmarket.chain.genesis import TREASURY, Genesis
from flowmarket.config import Settings

HOURS_PER_WEEK = 168
GENESIS_HOURS_AGO = 200
GOVERNANCE_SUPPLY = 1_000_000 * TOKEN
# Percent of the supply each holds from genesis; the treasury (the timelock) keeps 40.
GOVERNANCE_SHARES = {"alice": 30, "bob": 20, "carol": 10}


def market_genesis(keys: dict[str, str]) -> Genesis:
    """alice 30 %, bob 20 %, carol 10 %, the treasury 40 %; "supplier" mints capacity."""
    shares = {
        str(Account.from_key(keys[who]).address): GOVERNANCE_SUPPLY * p // 100
        for who, p in GOVERNANCE_SHARES.items()
    }
    treasury = GOVERNANCE_SUPPLY - sum(shares.values())
    supplier = str(Account.from_key(keys["supplier"]).address)
    return Genesis({**shares, TREASURY: treasury}, suppliers=(supplier,))


@pytest.fixture(scope="session")
def market_keys(dev_keys: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(ACCOUNT_KEYS, dev_keys, strict=False))


@pytest.fixture(scope="session")
def market_deployment(
    settings: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    market_keys: dict[str, str],
) -> Deployment:
    # Genesis 200 hours back, so week 0 (168 hours) and a few more have closed on chain.
    now_hour = int(w3.eth.get_block("latest")["timestamp"]) // 3600
    deployment = deploy_market(
        settings,
        compiled,
        rpc_url=rpc_url,
        profile=dataclasses.replace(get_profile("demo"), clearing_engine=TEST_MARKET_ENGINE),
        genesis=market_genesis(market_keys),
        genesis_hour=now_hour - GENESIS_HOURS_AGO,
        write=False,
    )
    market = Market(
        w3, compiled, deployment, market_keys, make_clients(rpc_url, market_keys, compiled)
    )
    market.commit_hours(HOURS_PER_WEEK)
    size = market.view("OracleBond", "size")
    market.mint("oracle", size)  # the operator stakes the oracle's bond
    market.send("oracle", "CapacityToken", "approve", deployment.addresses["OracleBond"], size)
    market.send("oracle", "OracleBond", "stake", size)
    for who in PARTICIPANTS:
        market.mint(who, 1_000 * TOKEN)
    return deployment


@pytest.fixture
def market(
    market_deployment: Deployment,
    chain_snapshot: str,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    market_keys: dict[str, str],
) -> Iterator[Market]:
    yield Market(
        w3, compiled, market_deployment, market_keys, make_clients(rpc_url, market_keys, compiled)
    )


@pytest.fixture(scope="session")
def leaves_harness(
    settings: Settings,
    market_deployment: Deployment,
    w3: Web3,
    market_keys: dict[str, str],
    rpc_url: str,
) -> Contract:
    """`contracts/test/LeavesHarness.sol` (test-only, not in the shipped build), deployed."""
    source = "contracts/test/LeavesHarness.sol"
    standard_input = {
        "language": "Solidity",
        "sources": {source: {"content": (settings.repo_root / source).read_text()}},
        "settings": SOLC_SETTINGS,
    }
    output = solcx.compile_standard(
        standard_input, base_path=str(settings.repo_root), solc_binary=solc_shim(settings)
    )
    compiled = output["contracts"][source]["LeavesHarness"]
    artifact = Artifact(
        name="LeavesHarness",
        source=source,
        abi=compiled["abi"],
        bytecode="0x" + compiled["evm"]["bytecode"]["object"],
        deployed_bytecode="0x" + compiled["evm"]["deployedBytecode"]["object"],
    )
    client = ChainClient(rpc_url, market_keys["dave"], artifacts=[artifact])
    address, _ = client.deploy(artifact)
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)


FLOWMARKET = str(Path(sys.executable).with_name("flowmarket"))


@pytest.fixture
def cli(market: Market, settings: Settings, rpc_url: str, tmp_path: Path) -> Any:
    """dave's `flowmarket` (a child process) against the market's node, his wallet
    imported: `cli(*args)` runs one command; `cli.state` is its state folder."""
    state = tmp_path / "state"
    save_deployment(dataclasses.replace(settings, state_dir=state), market.deployment)
    env = dict(
        os.environ,
        FLOWMARKET_RPC_URL=rpc_url,
        FLOWMARKET_STATE_DIR=str(state),
        FLOWMARKET_ARTIFACTS_DIR=str(settings.artifacts_dir),
    )
    (tmp_path / "password").write_text("dave's password\n")
    (tmp_path / "key").write_text(market.keys["dave"])

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [FLOWMARKET, *args], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
        )

    imported = run("wallet", "import", "--wallet", "dave", "--key-file", "key",
                   "--password-file", "password")  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    run.state = state  # type: ignore[attr-defined]
    return run
