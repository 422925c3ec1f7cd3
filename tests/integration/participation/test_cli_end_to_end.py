"""CLI → HTTP → database → clearing → positions and settlement back through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_api_harness import LiveApi, cli

from oracle_steps import clear_stored_hour


@pytest.fixture
def env(live_api: LiveApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(live_api.state_dir))
    monkeypatch.setenv("FLOWMARKET_API_URL", live_api.url)
    password = tmp_path / "password"
    password.write_text("correct horse battery\n", encoding="utf-8")
    return password


def test_orders_from_the_cli_clear_into_positions_visible_through_the_cli(
    live_api: LiveApi, env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pw = ("--password-file", str(env))
    code, out, _ = cli(capsys, "wallet", "new", "--wallet", "alice", *pw)
    assert code == 0 and "created wallet alice" in out
    key_file = tmp_path / "bob.key"
    key_file.write_text("0x" + "5e" * 32, encoding="utf-8")
    code, out, _ = cli(
        capsys, "wallet", "import", "--wallet", "bob", "--key-file", str(key_file), *pw
    )
    assert code == 0
    bob_address = out.strip().rsplit(" ", 1)[1]

    code, out, err = cli(
        capsys,
        "order",
        "submit",
        "--wallet",
        "alice",
        "--portfolio",
        "premium-eu=1",
        "--curve",
        "0:10,10:0",
        *pw,
    )
    assert code == 0, err
    alice_order = json.loads(out)
    assert alice_order["order"]["status"] == "open"
    assert alice_order["receipt"]["action"] == "accepted"
    code, out, err = cli(
        capsys,
        "order",
        "submit",
        "--wallet",
        "bob",
        "--portfolio",
        "premium-eu=1",
        "--curve=-10:10,0:0",
        *pw,
    )
    assert code == 0, err
    assert json.loads(out)["order"]["participant"] == bob_address

    code, out, _ = cli(capsys, "order", "list", "--wallet", "alice", *pw)
    assert [o["order_hash"] for o in json.loads(out)] == [alice_order["order"]["order_hash"]]

    hour = alice_order["order"]["from_hour"]
    live_api.clock.now = hour * 3600.0 + 1
    clear_stored_hour(live_api.engine, hour=hour)

    code, out, _ = cli(capsys, "positions", "--wallet", "alice", *pw)
    positions = json.loads(out)
    assert positions[0]["product"] == "premium-eu"
    assert positions[0]["quantity"] == pytest.approx(5.0, abs=1e-6)
    code, out, _ = cli(capsys, "settlement", "hours", "--wallet", "bob", *pw)
    assert json.loads(out)["accumulated_cash"] == pytest.approx(25.0, abs=1e-5)
    code, out, _ = cli(capsys, "positions", "--wallet", "alice", "--trades", "--csv", *pw)
    assert out.splitlines()[0] == "hour,product,quantity,price,cash"

    code, out, _ = cli(
        capsys, "order", "cancel", alice_order["order"]["order_hash"], "--wallet", "alice", *pw
    )
    assert code == 0 and json.loads(out)["order"]["status"] == "cancelled"
    code, out, _ = cli(capsys, "order", "list", "--wallet", "alice", *pw)
    assert json.loads(out) == []


def test_cli_explains_bad_orders_and_a_wrong_password(
    live_api: LiveApi, env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pw = ("--password-file", str(env))
    assert cli(capsys, "wallet", "new", "--wallet", "carol", *pw)[0] == 0
    code, _, err = cli(
        capsys,
        "order",
        "submit",
        "--wallet",
        "carol",
        "--portfolio",
        "gold=1",
        "--curve",
        "0:10,10:0",
        *pw,
    )
    assert code == 2
    assert "order.portfolio.gold: unknown product" in err
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password", encoding="utf-8")
    code, _, err = cli(capsys, "positions", "--wallet", "carol", "--password-file", str(wrong))
    assert code == 2 and "cannot decrypt" in err


def test_cli_reports_an_unreachable_api_without_a_traceback(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pw = ("--password-file", str(env))
    assert cli(capsys, "wallet", "new", "--wallet", "dave", *pw)[0] == 0
    code, _, err = cli(capsys, "positions", "--wallet", "dave", "--api", "http://127.0.0.1:9", *pw)
    assert code == 1
    assert "cannot reach" in err
