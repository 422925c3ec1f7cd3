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
from eth_utils.crypto import keccak

from deployment_files import write_deployment
from flowmarket.api.auth import issue_token
from flowmarket.cli.main import main
from flowmarket.config import HARDHAT_DEV_KEYS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Start-up imports web3, FastAPI and numba: seconds when idle, tens of seconds on a
# loaded shared machine.
START_TIMEOUT_S = 120


def test_serve_takes_the_domain_from_the_deployment_file_and_loads_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    ledger = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
    write_deployment(state, ledger=ledger)
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
        [sys.executable, "-m", "flowmarket.cli.main", "serve", "--dev"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        domain = None
        while domain is None and time.monotonic() < deadline and process.poll() is None:
            try:
                domain = httpx.get(f"http://127.0.0.1:{port}/v1/domain", timeout=1).json()
            except httpx.HTTPError:
                time.sleep(0.1)
        if domain is None:
            process.terminate()  # read stderr only once it has ended: reading blocks otherwise
            _, err = process.communicate(timeout=10)
            raise AssertionError(f"flowmarket serve did not answer: {err.decode()}")
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
    assert main(["serve", "--dev", "--port", str(free_port())]) == 1
    assert "run `flowmarket deploy` first" in capsys.readouterr().err


def test_serve_refuses_hardhats_public_keys_unless_dev_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path))
    assert main(["serve", "--port", str(free_port())]) == 2
    error = capsys.readouterr().err
    assert "oracle_key" in error and "public development keys" in error and "--dev" in error
    assert not (tmp_path / "flowmarket.sqlite").exists()  # refused before anything started
    monkeypatch.setenv("FLOWMARKET_ORACLE_KEY", "0x" + "5e" * 32)  # the market's own key
    assert main(["serve", "--port", str(free_port())]) == 1  # on to the missing deployment
    assert "run `flowmarket deploy` first" in capsys.readouterr().err


class Served:
    """`flowmarket serve --dev --port PORT` in a subprocess, until `stop`."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        command = [sys.executable, "-m", "flowmarket.cli.main", "serve", "--dev"]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [*command, "--port", str(port)],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                httpx.get(f"{self.url}/v1/domain", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"flowmarket serve did not answer on {self.url}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_sign_in_names_the_served_port_outlives_a_restart_and_no_public_key_forges_a_token(
    tmp_path: Path,
) -> None:
    from eth_account import Account

    from flowmarket.signing import parse_login_message, sign_login

    state = tmp_path / "state"
    state.mkdir()
    write_deployment(state, ledger="0x" + "9f" * 20)
    port = free_port()  # not the default api_port: --port alone says where it is served
    env = {"FLOWMARKET_STATE_DIR": str(state)}
    wallet = Account.from_key("0x" + "0d" * 32)
    served = Served(env, port)
    try:
        early = httpx.post(f"{served.url}/v1/auth/challenge", json={"address": wallet.address})
        first = httpx.post(f"{served.url}/v1/auth/challenge", json={"address": wallet.address})
        message = parse_login_message(first.json()["message"])
        assert message.domain == f"127.0.0.1:{port}"
        assert message.uri == f"https://127.0.0.1:{port}/v1/auth/login"
        login = {"message": message.text(), "signature": sign_login(message, wallet.key.hex())}
        token = httpx.post(f"{served.url}/v1/auth/login", json=login).json()["access_token"]
        # A token keyed as tokens once were, from a public development key, is refused.
        for key in HARDHAT_DEV_KEYS:
            secret = keccak(b"flowmarket-api-token:" + bytes.fromhex(key.removeprefix("0x")))
            forged = issue_token(secret, wallet.address, int(time.time()) + 3600)
            mine = httpx.get(f"{served.url}/v1/me/orders", headers=_bearer(forged))
            assert mine.status_code == 401, mine.text
            assert mine.json()["field"] == "authorization"
    finally:
        served.stop()
    served = Served(env, port)
    try:
        # A token and a challenge from before the restart still work after it.
        assert httpx.get(f"{served.url}/v1/me/orders", headers=_bearer(token)).status_code == 200
        issued = parse_login_message(early.json()["message"])
        body = {"message": issued.text(), "signature": sign_login(issued, wallet.key.hex())}
        answer = httpx.post(f"{served.url}/v1/auth/login", json=body)
        assert answer.status_code == 200, answer.text
    finally:
        served.stop()
