"""`flowmarket authorisation set|list|cancel` against the app `flowmarket serve` serves:
the wallet signs, HTTP carries, the stored authorisation is what the oracle reads, and
refusals come back as one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_api_harness import LiveApi, cli, cli_wallet
from sqlmodel import Session

from flowmarket.db import authorisations_repo


@pytest.fixture
def wallet(
    served_app: LiveApi,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[str, tuple[str, ...]]:
    """A wallet "erin" in the served app's state folder: (address, wallet arguments)."""
    return cli_wallet(served_app, "erin", monkeypatch, tmp_path, capsys)


def test_set_list_replace_and_cancel_through_the_cli(
    served_app: LiveApi, wallet: tuple[str, tuple[str, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    address, args = wallet
    code, out, err = cli(
        capsys, "authorisation", "set", "--portfolio", "premium-eu=1", "--max-rate", "3",
        "--min-position=-2.5", *args,
    )  # fmt: skip
    assert code == 0, err
    first = json.loads(out)
    assert first["authorisation"]["participant"] == address
    assert first["authorisation"]["nonce"] == 0
    assert first["receipt"]["action"] == "authorised"
    first_id = first["authorisation"]["auth_hash"]

    code, out, err = cli(
        capsys, "authorisation", "set", "--portfolio", "premium-eu=2", "--max-position", "10",
        "--replaces", first_id, *args,
    )  # fmt: skip
    assert code == 0, err
    second = json.loads(out)
    assert second["authorisation"]["nonce"] == 1
    assert second["cancel_receipt"]["order_hash"] == first_id

    code, out, err = cli(capsys, "authorisation", "list", *args)
    assert code == 0, err
    listed = json.loads(out)["authorisations"]
    assert [a["status"] for a in listed] == ["live", "replaced"]
    # positions count in units of the portfolio (premium-eu=2): nothing held yet, so the
    # next clearing may add up to 10 of them
    assert listed[0]["next_bounds"] == {"min_rate": None, "max_rate": 10.0}

    second_id = second["authorisation"]["auth_hash"]
    code, out, err = cli(capsys, "authorisation", "cancel", second_id, *args)
    assert code == 0, err
    assert json.loads(out)["authorisation"]["status"] == "cancelled"
    with Session(served_app.engine) as session:
        stored = authorisations_repo.get(session, auth_hash=second_id)
        assert stored is not None and stored.cancelled_at is not None
        assert stored.max_position == str(10 * 10**18)  # exact, in 10⁻¹⁸ GB/h


def test_the_cli_explains_refused_authorisations_and_stores_nothing(
    served_app: LiveApi, wallet: tuple[str, tuple[str, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    address, args = wallet
    forcing = cli(
        capsys, "authorisation", "set", "--portfolio", "premium-eu=1", "--min-rate", "1", *args
    )
    unknown = cli(capsys, "authorisation", "set", "--portfolio", "gold=1", "--max-rate", "1", *args)
    none = cli(capsys, "authorisation", "set", "--portfolio", "premium-eu=1", *args)
    assert forcing[0] == 2 and "authorisation.min_rate: must be ≤ 0" in forcing[2]
    assert unknown[0] == 2 and "authorisation.portfolio.gold: unknown product" in unknown[2]
    assert none[0] == 2 and "give at least one of --min-rate" in none[2]
    with Session(served_app.engine) as session:
        assert authorisations_repo.of_participant(session, participant=address) == []
