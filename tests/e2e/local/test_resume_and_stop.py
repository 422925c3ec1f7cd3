"""`local up` as a person runs it besides the quickstart: a second `up` while it runs only
says where it is; after its process is killed (SIGKILL, no clean-up) the node still
runs, `local status` says the market does not, and the next `up` resumes the same
market (same ledger, its hours carry on) instead of starting a new one; Ctrl-C (SIGINT)
then stops everything it started, and `local status` and `local down` find nothing."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from quickstart import LocalUp, alive, market_env

from flowmarket.chain.node import rpc_ready
from flowmarket.cli.main import main

HOUR_LENGTH_S = "5"


def test_a_killed_market_resumes_on_its_node_and_ctrl_c_stops_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    env = market_env(state)
    for name in ("FLOWMARKET_RPC_URL", "FLOWMARKET_DATABASE_URL", "FLOWMARKET_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    argv = ["local", "up", "--hour-length", HOUR_LENGTH_S]
    first = LocalUp.start(argv, env, tmp_path / "first.log")
    resumed: LocalUp | None = None
    try:
        first.wait_for("local market ready", timeout_s=240)
        record = json.loads((state / "local" / "market.json").read_text())
        node_pid = json.loads((state / "node.json").read_text())["pid"]
        assert record["pid"] == first.process.pid
        first.wait_for("published", timeout_s=60)

        assert main(argv) == 0  # while it runs: where it is, nothing started
        out = capsys.readouterr().out
        assert out.startswith(f"the local market already runs (pid {first.process.pid})")

        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        assert alive(node_pid) and rpc_ready(record["rpc_url"])
        assert main(["local", "status"]) == 1
        assert capsys.readouterr().out == f"no local market runs in {state}\n"

        resumed = LocalUp.start(argv, env, tmp_path / "resumed.log")
        shown = resumed.wait_for("local market resumed", timeout_s=120)
        assert "deploying" not in shown
        again = json.loads((state / "local" / "market.json").read_text())
        assert again == record | {"pid": resumed.process.pid}
        resumed.wait_for("published", timeout_s=60)
        assert main(["local", "status"]) == 0
        assert f"(pid {resumed.process.pid})" in capsys.readouterr().out

        resumed.process.send_signal(signal.SIGINT)  # Ctrl-C
        assert resumed.process.wait(timeout=30) == 0
        assert "local market stopped" in resumed.output()
        assert not alive(node_pid)
        assert not rpc_ready(record["rpc_url"])
        assert main(["local", "status"]) == 1
        assert main(["local", "down"]) == 0
        assert capsys.readouterr().out.endswith("no local market runs here\n")
    finally:
        first.kill()
        if resumed is not None:
            resumed.kill()
        main(["local", "down"])
