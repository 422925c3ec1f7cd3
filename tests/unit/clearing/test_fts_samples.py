"""The flow-trading reference implementation's published solver samples, converted
(`flowmarket.interop.fts`) and cleared by `flowmarket clear`'s engine: prices and
portfolio rates as the reference's outputs to 1e-6, pathological-01 certified."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowmarket.clearing.document import clear_document
from flowmarket.errors import InvalidInput
from flowmarket.interop.fts import convert

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "fts_samples"


def load(*parts: str) -> Any:
    return json.loads((SAMPLES.joinpath(*parts)).read_text())


@pytest.mark.parametrize("sample", ["trivial_auction", "basic_auction"])
def test_sample_matches_the_reference_output(sample: str) -> None:
    result = clear_document(convert(load(sample, "input.json")))
    expected = load(sample, "output.json")
    for product, row in expected["products"].items():
        assert result["prices"][product] == pytest.approx(row["price"], abs=1e-6), product
        assert result["products"][product]["volume"] == pytest.approx(row["rate"], abs=1e-6)
    assert set(result["portfolios"]) == set(expected["portfolios"])
    for pid, row in expected["portfolios"].items():
        got = result["portfolios"][pid]
        assert got["quantity"] == pytest.approx(row["rate"], abs=1e-6), pid
        assert got["price"] == pytest.approx(row["price"], abs=1e-6), pid


def test_pathological_01_clears_with_a_certificate() -> None:
    doc = convert(load("pathological-01", "_input.json"))
    assert len(doc["orders"]) == 1200 and len(doc["portfolios"]) == 1200
    result = clear_document(doc)
    cert = result["certificate"]
    assert cert["max_imbalance"] <= 1e-8
    assert cert["max_order_gap"] <= 1e-8
    # 2338 GB/h traded at 168.18, welfare 2.0e4 tokens/h: the gap is 1e-10 of it
    assert cert["duality_gap"] <= 1e-9 * max(1.0, abs(result["welfare"]))
    assert cert["projection_exact"]
    # every forward is flat at one shared limit price in every bidder's curve; the
    # options' one-point curves fix their trade at 0
    forwards = [p for p in result["prices"] if p.endswith("_forward")]
    assert len(forwards) == 20
    for pid, row in result["portfolios"].items():
        if pid.endswith("_option"):
            assert row["quantity"] == 0.0


def test_converter_names_bad_fields() -> None:
    with pytest.raises(InvalidInput, match=r"portfolios\.x: unknown key 'basis2'"):
        convert({"demand_curves": {}, "portfolios": {"x": {"basis2": "A"}}})
    with pytest.raises(InvalidInput, match=r"demand_curves.c\[0\].price: expected a finite"):
        convert(
            {
                "demand_curves": {"c": [{"rate": 0, "price": "1"}]},
                "portfolios": {"x": {"demand": "c", "basis": "A"}},
            }
        )
    with pytest.raises(InvalidInput, match="unknown demand curve 'd'"):
        convert({"demand_curves": {}, "portfolios": {"x": {"demand": "d", "basis": "A"}}})


def test_clear_cli_converts_a_reference_file(tmp_path: Path) -> None:
    from flowmarket.cli.main import main

    out = tmp_path / "result.json"
    sample = SAMPLES / "trivial_auction" / "input.json"
    assert main(["clear", str(sample), "--from-fts", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["prices"]["A"] == pytest.approx(7.5, abs=1e-6)
    assert result["portfolios"]["buyer"]["quantity"] == pytest.approx(0.5, abs=1e-6)
