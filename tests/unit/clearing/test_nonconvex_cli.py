"""`flowmarket clear` with non-convex orders: a block over two hours, a bad kind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from nonconvex_books import block_book

from flowmarket.cli.main import main

FLOWMARKET = Path(sys.executable).parent / "flowmarket"


def _book(limit: float, **block: object) -> dict[str, object]:
    return {"nonconvex_rule": "no_loss", **block_book(limit, **block)}


def test_a_block_clears_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(_book(9.0)), encoding="utf-8")
    assert main(["clear", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    # 10 units a hour at marginal cost 2 + 0.2 x: 4 a hour, 8 for the block ≤ 9.
    assert result["orders"]["event"] == {"quantity": 10.0, "accepted": True}
    assert result["prices"] == {"eu@18": pytest.approx(4.0), "eu@19": pytest.approx(4.0)}
    assert result["certificate"]["nonconvex_rule"] == "no_loss"
    assert result["certificate"]["paradoxically_rejected"] == []


def test_a_bad_kind_is_one_line_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(_book(9.0, kind="fill_or_kill")), encoding="utf-8")
    run = subprocess.run(
        [str(FLOWMARKET), "clear", str(path)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "order 'event': kind: expected 'curve' or one of" in lines[0]
