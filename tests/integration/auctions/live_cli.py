"""The auction CLI against a live API: `flowmarket serve`'s app on a free port, the
CLI's environment pointing at it, alice's and bob's wallets imported."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn
from oracle_harness import KEYS, OracleWorld

from flowmarket.backend.serve import build_app
from flowmarket.cli.main import main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live(world: OracleWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The API `flowmarket serve` serves, live on a free port, with the CLI's environment
    pointing at it; yields a password file for the wallets."""
    served = replace(world.settings, allow_dev_keys=True, api_rate_per_minute=10**6)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_app(served, engine=world.engine), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    for name, value in world.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FLOWMARKET_API_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("FLOWMARKET_ALLOW_DEV_KEYS", "true")
    password = tmp_path / "password"
    password.write_text("auction wallet password\n", encoding="utf-8")
    for who in ("alice", "bob"):
        key = tmp_path / f"{who}.key"
        key.write_text(KEYS[who], encoding="utf-8")
        assert (
            main(
                [
                    "wallet",
                    "import",
                    "--wallet",
                    who,
                    "--key-file",
                    str(key),
                    "--password-file",
                    str(password),
                ]
            )
            == 0
        )
    yield password
    server.should_exit = True
    thread.join(timeout=10)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out
