"""`flowmarket db` and `flowmarket serve` wire settings, deployment file and catalogue."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from flowmarket.cli.main import main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_takes_the_domain_from_the_deployment_file_and_loads_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    ledger = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
    (state / "deployment.json").write_text(
        json.dumps({"chain_id": 31337, "addresses": {"ClearingLedger": ledger}}), encoding="utf-8"
    )
    catalogue = tmp_path / "products.json"
    catalogue.write_text(
        json.dumps({"products": ["premium-eu", {"name": "fast-us", "kind": "fast"}]}),
        encoding="utf-8",
    )
    port = free_port()
    env = {"FLOWMARKET_STATE_DIR": str(state), "FLOWMARKET_API_PORT": str(port)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "products", str(catalogue)]) == 0
    assert "loaded 2 products" in capsys.readouterr().out

    process = subprocess.Popen(
        [sys.executable, "-m", "flowmarket.cli.main", "serve"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        domain = None
        while domain is None and time.monotonic() < deadline and process.poll() is None:
            try:
                domain = httpx.get(f"http://127.0.0.1:{port}/v1/domain", timeout=1).json()
            except httpx.HTTPError:
                time.sleep(0.1)
        assert domain is not None, process.stderr.read().decode() if process.stderr else ""
        assert domain["chain_id"] == 31337
        assert domain["verifying_contract"] == ledger
        products = httpx.get(f"http://127.0.0.1:{port}/v1/products").json()
        assert [p["name"] for p in products] == ["fast-us", "premium-eu"]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def test_serve_without_a_deployment_explains_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path))
    assert main(["serve", "--port", str(free_port())]) == 1
    assert "run `flowmarket deploy` first" in capsys.readouterr().err
