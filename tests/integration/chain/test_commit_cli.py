"""The first real slice as a user runs it: clear → commit as the oracle → show-hour.

Each step is the `flowmarket` command in a subprocess against the session's node,
with a private state folder, so the deployment file and publications are the
ones a user would have.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from web3 import Web3

from flowmarket.config import HARDHAT_DEV_KEYS

FLOWMARKET = str(Path(sys.executable).with_name("flowmarket"))
ORDERS = Path(__file__).resolve().parents[2] / "data" / "orders" / "three_wallets.json"
GENESIS = 500

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def deployed_state(
    rpc_url: str, w3: Web3, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """One CLI deployment for the module; the node is reverted to before it afterwards."""
    state = tmp_path_factory.mktemp("commit-cli")
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    env = dict(os.environ, FLOWMARKET_RPC_URL=rpc_url, FLOWMARKET_STATE_DIR=str(state))
    genesis = state / "genesis.json"
    genesis.write_text(json.dumps({"allocations": {"treasury": str(10**24)}}))
    deployed = subprocess.run(
        [FLOWMARKET, "deploy", "--genesis", str(genesis), "--genesis-hour", str(GENESIS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deployed.returncode == 0, deployed.stderr
    yield state
    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]


@pytest.fixture
def flowmarket(rpc_url: str, deployed_state: Path, tmp_path: Path, chain_snapshot: str) -> Runner:
    state = tmp_path / "state"
    shutil.copytree(deployed_state, state)
    env = dict(os.environ, FLOWMARKET_RPC_URL=rpc_url, FLOWMARKET_STATE_DIR=str(state))

    def run(*args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [FLOWMARKET, *args],
            env={**env, **overrides},
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )

    return run


def test_a_cleared_hour_is_committed_and_every_price_and_entry_verifies_on_chain(
    flowmarket: Runner, tmp_path: Path
) -> None:
    cleared = flowmarket("clear", str(ORDERS), "--out", "result.json")
    assert cleared.returncode == 0, cleared.stderr

    committed = flowmarket("commit", "result.json", "--hour", str(GENESIS))
    assert committed.returncode == 0, committed.stderr
    assert f"committed hour {GENESIS}" in committed.stdout

    shown = flowmarket("show-hour", str(GENESIS))
    assert shown.returncode == 0, shown.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    for product in result["prices"]:
        assert f"price {product}:" in shown.stdout
    for participant in result["participants"]:
        assert f"entry {participant}:" in shown.stdout
    assert shown.stdout.count("(proof verified on chain)") == len(result["prices"]) + len(
        result["participants"]
    )


def test_committing_the_same_hour_twice_is_refused_by_the_ledger(flowmarket: Runner) -> None:
    assert flowmarket("clear", str(ORDERS), "--out", "result.json").returncode == 0
    assert flowmarket("commit", "result.json", "--hour", str(GENESIS)).returncode == 0

    again = flowmarket("commit", "result.json", "--hour", str(GENESIS))

    assert again.returncode != 0
    assert f"LedgerWrongHour(hour={GENESIS}, expected={GENESIS + 1})" in again.stderr
    assert "Traceback" not in again.stderr


def test_skipping_an_hour_is_refused(flowmarket: Runner) -> None:
    assert flowmarket("clear", str(ORDERS), "--out", "result.json").returncode == 0

    skipped = flowmarket("commit", "result.json", "--hour", str(GENESIS + 1))

    assert skipped.returncode != 0
    assert f"LedgerWrongHour(hour={GENESIS + 1}, expected={GENESIS})" in skipped.stderr


def test_only_the_oracle_key_can_commit(flowmarket: Runner) -> None:
    assert flowmarket("clear", str(ORDERS), "--out", "result.json").returncode == 0

    intruder = flowmarket(
        "commit", "result.json", "--hour", str(GENESIS), FLOWMARKET_ORACLE_KEY=HARDHAT_DEV_KEYS[5]
    )

    assert intruder.returncode != 0
    assert "commitHour" in intruder.stderr
    assert "Traceback" not in intruder.stderr


def test_show_hour_of_an_uncommitted_hour_says_so(flowmarket: Runner) -> None:
    shown = flowmarket("show-hour", str(GENESIS))

    assert shown.returncode != 0
    assert f"LedgerHourNotCommitted(hour={GENESIS})" in shown.stderr


def test_a_result_with_names_instead_of_wallet_addresses_is_rejected_before_any_transaction(
    flowmarket: Runner, tmp_path: Path
) -> None:
    result = {
        "prices": {"premium": 6.0},
        "orders": {"x": {"quantity": 1.0}},
        "participants": {"ann": {"trades": {"premium": 1.0}, "cash": -6.0}},
        "products": {"premium": {"volume": 1.0, "slope": -1.0}},
        "welfare": 1.0,
        "certificate": {"max_imbalance": 0.0, "max_order_gap": 0.0, "duality_gap": 0.0},
    }
    (tmp_path / "named.json").write_text(json.dumps(result))

    rejected = flowmarket("commit", "named.json", "--hour", str(GENESIS))

    assert rejected.returncode == 2
    assert "'ann' is not a wallet address" in rejected.stderr


def test_a_file_that_is_not_a_result_names_the_missing_field(
    flowmarket: Runner, tmp_path: Path
) -> None:
    (tmp_path / "orders-not-result.json").write_text(ORDERS.read_text())

    rejected = flowmarket("commit", "orders-not-result.json", "--hour", str(GENESIS))

    assert rejected.returncode == 2
    assert "missing field 'prices'" in rejected.stderr
