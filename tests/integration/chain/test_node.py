"""The local node: the session fixture's node, and `flowmarket chain up/down` as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from web3 import Web3

from flowmarket.chain.node import free_port, rpc_ready

FLOWMARKET = str(Path(sys.executable).with_name("flowmarket"))


def test_session_node_is_a_hardhat_chain_with_funded_dev_accounts(w3: Web3) -> None:
    assert w3.eth.chain_id == 31337
    assert w3.eth.get_balance(w3.eth.accounts[0]) > 0


def test_chain_snapshot_reverts_what_a_test_did(
    w3: Web3, node_reverter: Callable[[Web3], AbstractContextManager[str]]
) -> None:
    sender, receiver = w3.eth.accounts[5], w3.eth.accounts[6]

    def state() -> tuple[int, int, int, int, int]:
        latest = w3.eth.get_block("latest")
        return (
            latest["number"],
            latest["timestamp"],
            w3.eth.get_balance(sender),
            w3.eth.get_balance(receiver),
            w3.eth.get_transaction_count(sender),
        )

    before = state()
    with node_reverter(w3):  # what `chain_snapshot` does around a test
        w3.provider.make_request("evm_increaseTime", [7 * 24 * 3600])  # type: ignore[arg-type]
        tx = w3.eth.send_transaction({"from": sender, "to": receiver, "value": 10**18})
        w3.eth.wait_for_transaction_receipt(tx)
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        during = state()
        assert during[0] == before[0] + 2
        assert during[1] >= before[1] + 7 * 24 * 3600
        assert during[3] == before[3] + 10**18
        assert during[4] == before[4] + 1
    assert state() == before


def test_chain_up_starts_a_node_once_and_chain_down_stops_it(tmp_path: Path) -> None:
    env = dict(os.environ, FLOWMARKET_STATE_DIR=str(tmp_path))
    port = free_port()

    def flowmarket(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [FLOWMARKET, "chain", *args], env=env, capture_output=True, text=True, timeout=120
        )

    try:
        up = flowmarket("up", "--port", str(port))
        assert up.returncode == 0, up.stderr
        assert f"node started: http://127.0.0.1:{port}" in up.stdout
        assert rpc_ready(f"http://127.0.0.1:{port}")

        again = flowmarket("up", "--port", str(port))
        assert "already running" in again.stdout
        assert flowmarket("status").returncode == 0
    finally:
        down = flowmarket("down")
    assert down.returncode == 0
    assert "node stopped" in down.stdout
    assert not rpc_ready(f"http://127.0.0.1:{port}")
    assert flowmarket("status").returncode == 1
