"""`flowmarket order submit --named …` against a live API (uvicorn): one
curve over two named portfolios signed by the wallet as a `PortfolioOrder`, stored with
its portfolios, listed back, and a bad portfolio refused in one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_api_harness import LiveApi, cli, cli_wallet
from sqlmodel import Session

from flowmarket.db import orders_repo


@pytest.fixture
def wallet(
    live_api: LiveApi,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[str, tuple[str, ...]]:
    return cli_wallet(live_api, "erin", monkeypatch, tmp_path, capsys)


def test_one_curve_over_two_named_portfolios_through_the_cli(
    live_api: LiveApi, wallet: tuple[str, tuple[str, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    address, args = wallet
    code, out, err = cli(
        capsys, "order", "submit", "--named", "east:premium-eu=1",
        "--named", "west*0.5:regular-eu=1", "--curve", "0:5,1:5", *args,
    )  # fmt: skip
    assert code == 0, err
    order = json.loads(out)["order"]
    assert order["participant"] == address and order["portfolio"] == {}
    assert order["portfolios"] == [
        {"name": "east", "weight": 1.0, "products": {"premium-eu": 1.0}},
        {"name": "west", "weight": 0.5, "products": {"regular-eu": 1.0}},
    ]
    with Session(live_api.engine) as session:
        stored = orders_repo.get_order(session, order_hash=order["order_hash"])
        assert stored is not None and stored.portfolios == order["portfolios"]

    code, out, err = cli(capsys, "order", "list", *args)
    assert code == 0, err
    assert [o["portfolios"] for o in json.loads(out)] == [order["portfolios"]]

    # the same name twice: the API refuses it naming the field, in one line
    code, out, err = cli(
        capsys, "order", "submit", "--named", "east:premium-eu=1",
        "--named", "east:regular-eu=1", "--curve", "0:5,1:5", *args,
    )  # fmt: skip
    assert code != 0 and out == ""
    assert "order.portfolios[1].name" in err and "duplicate portfolio 'east'" in err, err
    assert len(err.strip().splitlines()) == 1
    # options the CLI checks itself
    code, _, err = cli(
        capsys, "order", "submit", "--portfolio", "premium-eu=1",
        "--named", "east:premium-eu=1", "--curve", "0:5,1:5", *args,
    )  # fmt: skip
    assert code != 0 and "--named" in err
    code, _, err = cli(capsys, "order", "submit", "--named", "east", "--curve", "0:5,1:5", *args)
    assert code != 0 and "--named[0]" in err
