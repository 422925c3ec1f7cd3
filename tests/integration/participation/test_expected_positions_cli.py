"""`flowmarket expected set|show` against the app `flowmarket serve` serves: the wallet
signs, HTTP carries, the table the oracle reads changes, and errors come back as one
line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_api_harness import LiveApi, cli, cli_wallet
from sqlmodel import Session

from flowmarket.db import oracle_repo

DELIVERED = "rt:eu-west:premium:2027-01-15T08"


@pytest.fixture
def wallet(
    served_app: LiveApi,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[str, tuple[str, ...]]:
    """A wallet "dana" in the served app's state folder: (address, wallet arguments)."""
    return cli_wallet(served_app, "dana", monkeypatch, tmp_path, capsys)


def oracle_view(served_app: LiveApi, address: str) -> dict[str, float]:
    with Session(served_app.engine) as session:
        return oracle_repo.expected_positions(session, participants=[address])[address]


def test_expected_positions_set_and_shown_through_the_cli_are_what_the_oracle_reads(
    served_app: LiveApi, wallet: tuple[str, tuple[str, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    address, args = wallet

    code, out, err = cli(capsys, "expected", "set", "premium-eu=5", "regular-eu=-2.5", *args)
    assert code == 0, err
    first = json.loads(out)
    code, out, err = cli(capsys, "expected", "set", "regular-eu=0", "premium-eu=6.25", *args)
    assert code == 0, err
    second = json.loads(out)
    code, out, _ = cli(capsys, "expected", "show", *args)
    shown = json.loads(out)
    code, csv, _ = cli(capsys, "expected", "show", "--csv", *args)

    assert first["report"]["participant"] == address
    assert (first["report"]["nonce"], second["report"]["nonce"]) == (0, 1)
    assert first["report"]["deadline"] == 500_002 * 3600  # next window's close, server clock
    assert first["receipt"]["action"] == "expected-positions"
    assert oracle_view(served_app, address) == {"premium-eu": 6.25}
    assert shown["next_nonce"] == 2
    assert [(p["product"], p["quantity"]) for p in shown["positions"]] == [("premium-eu", 6.25)]
    assert csv.splitlines()[1].startswith("premium-eu,6.25,")


def test_the_cli_explains_refused_reports_and_changes_nothing(
    served_app: LiveApi, wallet: tuple[str, tuple[str, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    address, args = wallet
    assert cli(capsys, "expected", "set", "premium-eu=1", "--nonce", "5", *args)[0] == 0

    replay = cli(capsys, "expected", "set", "premium-eu=2", "--nonce", "5", *args)
    delivered = cli(capsys, "expected", "set", f"{DELIVERED}=3", *args)
    unknown = cli(capsys, "expected", "set", "gold=1", *args)
    expired = cli(capsys, "expected", "set", "premium-eu=4", "--deadline", "1800000000", *args)
    not_a_number = cli(capsys, "expected", "set", "premium-eu=lots", *args)

    assert replay[0] == 2 and "report.nonce: 5 was already used" in replay[2]
    assert delivered[0] == 2 and f"report.positions.{DELIVERED}: already delivered" in delivered[2]
    assert unknown[0] == 2 and "report.positions.gold: unknown product" in unknown[2]
    assert expired[0] == 2 and "report.deadline: report expired" in expired[2]
    assert not_a_number[0] == 2 and "positions[0]: 'lots' is not a number" in not_a_number[2]
    assert oracle_view(served_app, address) == {"premium-eu": 1.0}
