"""`flowmarket strategy` end to end, as a user runs it (subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowmarket.cli.main import main

DATA = Path(__file__).parents[2] / "data" / "strategy"
FLOWMARKET = [sys.executable, "-m", "flowmarket.cli.main"]


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FLOWMARKET, *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


def test_strategy_writes_orders_that_flowmarket_clear_accepts_and_trades(tmp_path: Path) -> None:
    positions = tmp_path / "positions.json"
    positions.write_text(json.dumps({"positions": {"rt:eu-west:premium:2026-11-22T14": 30.0}}))
    common = ["--capital-cost", "0.08", "--hour", "2026-11-22T14"]
    buyer = _run(
        "strategy",
        DATA / "needs.csv",
        "--risk-aversion",
        "1",
        *common,
        "--participant",
        "isp",
        "--positions",
        positions,
        "--out",
        tmp_path / "buy.json",
    )
    assert buyer.returncode == 0, buyer.stderr
    assert "96 orders for isp" in buyer.stdout
    seller = _run(
        "strategy",
        DATA / "supply.csv",
        "--risk-aversion",
        "2",
        *common,
        "--participant",
        "net",
        "--out",
        tmp_path / "sell.json",
    )
    assert seller.returncode == 0, seller.stderr
    buy, sell = (json.loads((tmp_path / f).read_text()) for f in ("buy.json", "sell.json"))
    rt = next(t for t in buy["targets"] if t["product"] == "rt:eu-west:premium:2026-11-22T14")
    assert (rt["target"], rt["position"], rt["trade"]) == (130.0, 30.0, 100.0)
    book = tmp_path / "orders.json"
    book.write_text(json.dumps({"orders": buy["orders"] + sell["orders"]}))
    cleared = _run("clear", book, "--out", tmp_path / "result.json")
    assert cleared.returncode == 0, cleared.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["participants"]["isp"]["cash"] < 0 < result["participants"]["net"]["cash"]
    assert len(result["prices"]) == 96
    assert all(v["volume"] > 0 for v in result["products"].values())
    # Between the seller's lowest and the buyer's highest in-band price (valuation × (1 ± 0.5)).
    assert all(0.9 < result["prices"][p] < 4.5 for p in result["prices"] if ":premium:" in p)
    assert all(0.75 < result["prices"][p] < 3.75 for p in result["prices"] if ":regular:" in p)


def test_strategy_rejects_a_bad_csv_with_exit_code_2_naming_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    lines = (DATA / "needs.csv").read_text().splitlines()
    lines[6] = "eu-west,premium,2026-11-25T01,lots,2.0"
    bad.write_text("\n".join(lines) + "\n")
    args = ["--risk-aversion", "1", "--capital-cost", "0.05", "--hour", "498710"]
    code = main(["strategy", str(bad), *args, "--out", str(tmp_path / "o.json")])
    assert code == 2
    assert (
        "bad.csv row 7, column expected_gb: expected a number, got 'lots'"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "o.json").exists()


def test_strategy_rejects_bad_parameters_and_positions_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "strategy",
        str(DATA / "needs.csv"),
        "--hour",
        "498710",
        "--out",
        str(tmp_path / "o.json"),
    ]
    assert main([*base, "--risk-aversion", "0", "--capital-cost", "0.05"]) == 2
    assert "risk_aversion: must be a finite number > 0" in capsys.readouterr().err
    assert main([*base, "--risk-aversion", "1", "--capital-cost", "-1"]) == 2
    assert "capital_cost" in capsys.readouterr().err
    positions = tmp_path / "p.json"
    positions.write_text(json.dumps({"rt:eu-west:premium:2026-11-22T14": "many"}))
    args = ["--risk-aversion", "1", "--capital-cost", "0.05", "--positions", str(positions)]
    assert main([*base, *args]) == 2
    assert "positions.rt:eu-west:premium:2026-11-22T14: must be a finite number" in (
        capsys.readouterr().err
    )
