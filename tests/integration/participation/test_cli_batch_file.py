"""`flowmarket order submit --file`: a file of orders and cancels signed once, sent as one
batch over HTTP, the receipt checked by the client, the orders visible through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_api_harness import LiveApi, cli, cli_wallet


@pytest.fixture
def wallet(
    live_api: LiveApi,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[str, ...]:
    return cli_wallet(live_api, "alice", monkeypatch, tmp_path, capsys)[1]


def test_a_file_of_orders_goes_as_one_signed_batch_and_replaces_in_a_second(
    live_api: LiveApi, wallet: tuple[str, ...], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = tmp_path / "orders.json"
    first.write_text(
        json.dumps(
            {
                "orders": [
                    {"portfolio": {"premium-eu": 1}, "curve": [[0, 10], [10, 0]]},
                    {
                        "portfolio": {"regular-eu": 2},
                        "curve": [[-5, 9], [5, 1]],
                        "until_hour": 500_010,
                    },
                    {"portfolio": {"premium-eu": 1, "regular-eu": -1}, "curve": [[-1, 3], [1, -3]]},
                ]
            }
        ),
        encoding="utf-8",
    )
    code, out, err = cli(capsys, "order", "submit", "--file", str(first), *wallet)
    assert code == 0, err
    answer = json.loads(out)
    assert [e["action"] for e in answer["entries"]] == ["accepted"] * 3
    placed = [e["order_hash"] for e in answer["entries"]]
    code, out, _ = cli(capsys, "order", "list", *wallet)
    listed = json.loads(out)
    assert sorted(o["order_hash"] for o in listed) == sorted(placed)
    assert {o["nonce"] for o in listed} == {0, 1, 2}
    assert {o["batch_hash"] for o in listed} == {answer["batch_hash"]}

    second = tmp_path / "changes.json"
    second.write_text(
        json.dumps(
            {
                "orders": [
                    {
                        "portfolio": {"premium-eu": 1},
                        "curve": [[0, 11], [10, 1]],
                        "replaces": placed[0],
                    }
                ],
                "cancels": [placed[2]],
            }
        ),
        encoding="utf-8",
    )
    code, out, err = cli(capsys, "order", "submit", "--file", str(second), *wallet)
    assert code == 0, err
    entries = json.loads(out)["entries"]
    assert [(e["order_hash"], e["action"]) for e in entries[1:]] == [
        (placed[0], "cancelled"),
        (placed[2], "cancelled"),
    ]
    code, out, _ = cli(capsys, "order", "list", *wallet)
    assert sorted(o["order_hash"] for o in json.loads(out)) == sorted(
        [placed[1], entries[0]["order_hash"]]
    )


def test_a_file_with_an_unknown_key_is_refused_naming_it(
    wallet: tuple[str, ...], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "orders.json"
    bad.write_text(
        json.dumps(
            {"orders": [{"portfolio": {"premium-eu": 1}, "curve": [[0, 1], [1, 0]], "qty": 3}]}
        ),
        encoding="utf-8",
    )
    code, _, err = cli(capsys, "order", "submit", "--file", str(bad), *wallet)
    assert code != 0
    assert "orders[0].qty" in err


def test_a_batch_the_api_refuses_names_the_order_and_field(
    wallet: tuple[str, ...], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "orders.json"
    bad.write_text(
        json.dumps(
            [
                {"portfolio": {"premium-eu": 1}, "curve": [[0, 10], [10, 0]]},
                {"portfolio": {"premium-eu": 1}, "curve": [[0, 10], [10, 12]]},
            ]
        ),
        encoding="utf-8",
    )
    code, _, err = cli(capsys, "order", "submit", "--file", str(bad), *wallet)
    assert code != 0
    assert "batch.orders[1].curve[1][1]" in err
