"""Shared fixtures: isolated settings, compiled contracts, and one local node per session.

The node is started lazily (only sessions that run chain tests pay for it) on a
free port, so test runs never collide with a node someone already has on 8545.
Each chain test that changes state should take `chain_snapshot`, which reverts
the node to where the test started.

Hypothesis profiles (the tests may read the environment; the package never does):
`FLOWMARKET_TEST_HYPOTHESIS_PROFILE=ci` (the default, and what CI runs) derandomizes every
property test, so each run draws the same examples (a fixed seed per test) and a
failure reproduces; `deep` draws fresh random examples, 1 000 for the tests that do not
set their own count, and a hundred times as many for the stateful contract tests
(`tests/contracts/test_invariants.py`): a long run by hand after touching the contracts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from web3 import Web3
from web3.types import RPCEndpoint

import flowmarket.db.orders_repo
import flowmarket.hashing
import flowmarket.oracle.fill_hashes
import flowmarket.oracle.screen  # noqa: F401  (each makes standing-order memos: `standing_memos`)
from flowmarket import memo
from flowmarket.chain.build import ArtifactSet, compile_contracts
from flowmarket.chain.node import LocalNode
from flowmarket.config import HARDHAT_DEV_KEYS, Settings, load_settings
from flowmarket.memo import BoundedMemo

HYPOTHESIS_PROFILES = ("ci", "deep")
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.register_profile("deep", derandomize=False, max_examples=1_000)
_profile = os.environ.get("FLOWMARKET_TEST_HYPOTHESIS_PROFILE", "ci")
if _profile not in HYPOTHESIS_PROFILES:
    choices = ", ".join(HYPOTHESIS_PROFILES)
    raise pytest.UsageError(
        f"FLOWMARKET_TEST_HYPOTHESIS_PROFILE: {_profile!r} is not one of {choices}"
    )
hypothesis_settings.load_profile(_profile)


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
    """The session node's web3, caching its chain id (else asked before every call)."""
    provider = Web3.HTTPProvider(
        rpc_url, cache_allowed_requests=True, cacheable_requests={RPCEndpoint("eth_chainId")}
    )
    return Web3(provider)


@contextmanager
def reverted_after(w3: Web3) -> Iterator[str]:
    """Snapshot the node, run the block, revert the node to the snapshot (blocks, balances,
    nonces, time); yields the snapshot id."""
    snapshot_id = str(w3.provider.make_request("evm_snapshot", [])["result"])  # type: ignore[arg-type]
    try:
        yield snapshot_id
    finally:
        reverted = w3.provider.make_request("evm_revert", [snapshot_id])  # type: ignore[arg-type]
        assert reverted.get("result") is True, f"evm_revert failed: {reverted}"


@pytest.fixture
def chain_snapshot(w3: Web3) -> Iterator[str]:
    """Revert every state change the test makes to the node (blocks, balances, time)."""
    with reverted_after(w3) as snapshot_id:
        yield snapshot_id


@pytest.fixture
def node_reverter() -> Callable[[Web3], AbstractContextManager[str]]:
    """What `chain_snapshot` runs around a test, for the test that checks it reverts."""
    return reverted_after


@pytest.fixture
def standing_memos() -> Iterator[list[BoundedMemo[Any, Any]]]:
    """Every standing-order memo of the process (`flowmarket.memo`), each shrunk to two
    entries for the test (their floor, 2^17 orders, is too large to fill in a test) and
    restored afterwards with what it held."""
    saved = [(m, m.limit, dict(m._items)) for m in memo._STANDING]
    fixed = memo._fixed_orders
    for m in memo._STANDING:
        m.resize(2)
    yield memo._STANDING
    memo._fixed_orders = fixed
    for m, limit, items in saved:
        m.resize(limit)
        m._items.clear()
        m._items.update(items)
