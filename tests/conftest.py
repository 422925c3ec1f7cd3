"""Shared fixtures: isolated settings, compiled contracts, and one local node per session.

The node is started lazily (only sessions that run chain tests pay for it) on a
free port, so test runs never collide with a node someone already has on 8545.
Each chain test that changes state should take `chain_snapshot`, which reverts
the node to where the test started.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from web3 import Web3

from flowmarket.chain.build import ArtifactSet, compile_contracts
from flowmarket.chain.node import LocalNode
from flowmarket.config import HARDHAT_DEV_KEYS, Settings, load_settings


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose state folder (deployment file, database, logs) is private to the session."""
    state_dir: Path = tmp_path_factory.mktemp("flowmarket-state")
    return replace(load_settings(), state_dir=state_dir, database_url="")


@pytest.fixture(scope="session")
def compiled(settings: Settings) -> ArtifactSet:
    return compile_contracts(settings).artifacts


@pytest.fixture(scope="session")
def chain_node(settings: Settings) -> Iterator[LocalNode]:
    with LocalNode(settings) as node:
        yield node


@pytest.fixture(scope="session")
def rpc_url(chain_node: LocalNode) -> str:
    return chain_node.rpc_url


@pytest.fixture(scope="session")
def dev_keys() -> tuple[str, ...]:
    return HARDHAT_DEV_KEYS


@pytest.fixture(scope="session")
def w3(rpc_url: str) -> Web3:
    return Web3(Web3.HTTPProvider(rpc_url))


@pytest.fixture
def chain_snapshot(w3: Web3) -> Iterator[str]:
    """Revert every state change the test makes to the node (blocks, balances, time)."""
    snapshot_id = str(w3.provider.make_request("evm_snapshot", [])["result"])  # type: ignore[arg-type]
    yield snapshot_id
    reverted = w3.provider.make_request("evm_revert", [snapshot_id])  # type: ignore[arg-type]
    assert reverted.get("result") is True, f"evm_revert failed: {reverted}"
