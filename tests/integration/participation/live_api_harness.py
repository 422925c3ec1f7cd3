"""The live API handle the end-to-end tests get."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from flowmarket.cli.main import main


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now


@dataclass
class LiveApi:
    url: str
    engine: Engine
    clock: Clock
    state_dir: Path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `flowmarket ARGV` in-process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli_wallet(
    api: LiveApi,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[str, tuple[str, ...]]:
    """Point the CLI at `api` and create the wallet `name` in its state folder:
    (address, the wallet arguments every command then takes)."""
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(api.state_dir))
    monkeypatch.setenv("FLOWMARKET_API_URL", api.url)
    password = tmp_path / "password"
    password.write_text("correct horse battery\n", encoding="utf-8")
    args = ("--wallet", name, "--password-file", str(password))
    code, out, err = cli(capsys, "wallet", "new", *args)
    assert code == 0, err
    return out.strip().rsplit(" ", 1)[1], args
