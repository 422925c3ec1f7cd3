"""The auction CLI against a live API: `flowmarket serve`'s app on a free port, the
CLI's environment pointing at it, alice's and bob's wallets imported."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from oracle_harness import KEYS, OracleWorld

from flowmarket.backend.serve import build_app
from flowmarket.cli.main import main
from live_server import serve


@pytest.fixture
def live(world: OracleWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The API `flowmarket serve` serves, live on a free port, with the CLI's environment
    pointing at it; yields a password file for the wallets."""
    served = replace(world.settings, allow_dev_keys=True, api_rate_per_minute=10**6)
    for name, value in world.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FLOWMARKET_ALLOW_DEV_KEYS", "true")
    password = tmp_path / "password"
    password.write_text("auction wallet password\n", encoding="utf-8")
    with serve(build_app(served, engine=world.engine)) as url:
        monkeypatch.setenv("FLOWMARKET_API_URL", url)
        for who in ("alice", "bob"):
            key = tmp_path / f"{who}.key"
            key.write_text(KEYS[who], encoding="utf-8")
            imported = main(
                ["wallet", "import", "--wallet", who, "--key-file", str(key),
                 "--password-file", str(password)]
            )  # fmt: skip
            assert imported == 0
        yield password


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out
