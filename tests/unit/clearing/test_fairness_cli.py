"""`flowmarket fairness` on a published hour: ORDERS.json and RESULT.json in, a report out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_fairness import line

from flowmarket.cli.main import main


def test_fairness_reports_both_mechanisms_and_every_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The tight two-node line of test_fairness: PoF 22.4 (the rent) at the nodal prices,
    # 1176/45 (the deadweight triangle) at the unconstrained price 11/3.
    orders, result, report = (tmp_path / name for name in ("o.json", "r.json", "f.json"))
    orders.write_text(json.dumps(line(4.0)), encoding="utf-8")
    assert main(["clear", str(orders), "--out", str(result)]) == 0
    assert main(["fairness", str(orders), str(result), "--out", str(report)]) == 0
    out = capsys.readouterr().out
    assert "congestion rent 22.4" in out
    assert "uniform" in out and "nodal" in out
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert doc["mechanisms"]["nodal"]["pof"] == pytest.approx(22.4, abs=1e-9)
    assert doc["mechanisms"]["uniform"]["pof"] == pytest.approx(1176 / 45, abs=1e-9)
    assert doc["mechanisms"]["uniform"]["lost_profit"] == pytest.approx(1176 / 45, abs=1e-9)
    assert doc["mechanisms"]["uniform"]["classes"]["unfairly_rejected"] == 2
    assert doc["unconstrained_prices"] == pytest.approx({"x@A": 11 / 3, "x@B": 11 / 3})
    assert doc["orders"]["b"]["uniform"] == {
        "class": "unfairly_rejected",
        "compensation": pytest.approx(784 / 45, abs=1e-9),
    }
    assert doc["orders"]["b"]["nodal"]["class"] == "strictly_competitive"
    least = min(doc["family"], key=lambda row: row["pof"])
    assert least["delta"] == 0.0


def test_fairness_needs_both_files_or_an_hour(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fairness"]) == 2
    assert "give ORDERS.json and RESULT.json, or --hour H" in capsys.readouterr().err
