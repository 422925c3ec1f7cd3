"""The crash tests reuse the oracle integration harness (a demo deployment per module,
a fresh SQLite world per test)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from flowmarket.chain.build import ArtifactSet
from flowmarket.config import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration" / "oracle"))

from oracle_harness import OracleWorld, deploy_state


@pytest.fixture(scope="module")
def deployed(
    settings: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("oracle-crash-deploy")
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
