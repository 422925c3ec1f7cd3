"""`flowmarket order submit` when the open hour closes while the order is in flight (a
local market with short hours meets this): an order whose hours the CLI chose is signed
again for the new open hour and sent once more, saying so in one line; hours the user
gave are never moved, the API's refusal is printed in one line and the command fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_api_harness import LiveApi, cli, cli_wallet


@pytest.fixture
def wallet(
    closing_hour_api: tuple[LiveApi, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[str, ...]:
    return cli_wallet(closing_hour_api[0], "alice", monkeypatch, tmp_path, capsys)[1]


ORDER = ("--portfolio", "premium-eu=1", "--curve=0:10,10:0")


def stored(capsys: pytest.CaptureFixture[str], wallet: tuple[str, ...]) -> list[dict[str, int]]:
    code, out, err = cli(capsys, "order", "list", *wallet)
    assert code == 0, err
    return [{k: o[k] for k in ("nonce", "from_hour", "until_hour")} for o in json.loads(out)]


def test_an_order_for_the_open_hour_follows_the_hour_that_opened_meanwhile(
    closing_hour_api: tuple[LiveApi, list[str]],
    wallet: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
) -> None:
    api, posts = closing_hour_api
    assert api.clock.now // 3600 + 1 == 500_001  # the open hour the CLI reads first
    code, out, err = cli(capsys, "order", "submit", *ORDER, *wallet)
    assert code == 0, err
    assert err.splitlines() == [
        "flowmarket order: hour 500001 closed while the order was in flight; "
        "signed again for the open hour 500002 and resubmitted"
    ]
    accepted = json.loads(out)["order"]
    assert (accepted["from_hour"], accepted["until_hour"]) == (500_002, 500_002)
    assert stored(capsys, wallet) == [{"nonce": 0, "from_hour": 500_002, "until_hour": 500_002}]
    assert posts.count("/v1/orders") == 2


@pytest.mark.parametrize(
    "hours",
    [("--from-hour", "500001"), ("--from-hour", "500001", "--until-hour", "500001")],
    ids=["from-hour", "from-and-until-hour"],
)
def test_hours_the_user_gave_are_never_moved(
    closing_hour_api: tuple[LiveApi, list[str]],
    wallet: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    hours: tuple[str, ...],
) -> None:
    _, posts = closing_hour_api
    code, out, err = cli(capsys, "order", "submit", *ORDER, *hours, *wallet)
    assert code != 0
    assert out == ""
    assert err.splitlines() == [
        "flowmarket order: error: order.until_hour: order expired: until_hour 500001 "
        "is before the open hour 500002"
    ]
    assert stored(capsys, wallet) == []
    assert posts.count("/v1/orders") == 1


def test_no_other_refusal_is_resubmitted(
    closing_hour_api: tuple[LiveApi, list[str]],
    wallet: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, posts = closing_hour_api
    code, _, err = cli(
        capsys, "order", "submit", "--portfolio", "nowhere-eu=1", "--curve=0:10,10:0", *wallet
    )
    assert code != 0
    assert err.splitlines() == [
        "flowmarket order: error: order.portfolio.nowhere-eu: unknown product"
    ]
    assert stored(capsys, wallet) == []
    assert posts.count("/v1/orders") == 1


def test_a_batch_file_follows_the_new_hour_where_the_cli_chose_the_hours(
    closing_hour_api: tuple[LiveApi, list[str]],
    wallet: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _, posts = closing_hour_api
    orders = tmp_path / "orders.json"
    orders.write_text(
        json.dumps(
            [
                {"portfolio": {"premium-eu": 1}, "curve": [[0, 10], [10, 0]]},
                {"portfolio": {"regular-eu": 1}, "curve": [[0, 9], [5, 1]], "until_hour": 500_010},
            ]
        ),
        encoding="utf-8",
    )
    code, out, err = cli(capsys, "order", "submit", "--file", str(orders), *wallet)
    assert code == 0, err
    assert err.splitlines() == [
        "flowmarket order: hour 500001 closed while the batch was in flight; "
        "signed again for the open hour 500002 and resubmitted"
    ]
    assert [e["action"] for e in json.loads(out)["entries"]] == ["accepted"] * 2
    assert sorted(stored(capsys, wallet), key=lambda o: o["nonce"]) == [
        {"nonce": 0, "from_hour": 500_002, "until_hour": 500_002},
        {"nonce": 1, "from_hour": 500_002, "until_hour": 500_010},
    ]
    assert posts.count("/v1/orders/batch") == 2


def test_a_batch_whose_given_hours_expired_is_refused_once(
    closing_hour_api: tuple[LiveApi, list[str]],
    wallet: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _, posts = closing_hour_api
    orders = tmp_path / "orders.json"
    orders.write_text(
        json.dumps(
            [
                {"portfolio": {"premium-eu": 1}, "curve": [[0, 10], [10, 0]], "from_hour": 500_001},
                {"portfolio": {"regular-eu": 1}, "curve": [[0, 9], [5, 1]]},
            ]
        ),
        encoding="utf-8",
    )
    code, out, err = cli(capsys, "order", "submit", "--file", str(orders), *wallet)
    assert code != 0
    assert out == ""
    assert err.splitlines() == [
        "flowmarket order: error: batch.orders[0].until_hour: order expired: until_hour 500001 "
        "is before the open hour 500002"
    ]
    assert stored(capsys, wallet) == []
    assert posts.count("/v1/orders/batch") == 1
