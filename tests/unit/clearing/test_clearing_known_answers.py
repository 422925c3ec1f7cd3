"""Known-answer books in tests/data/clearing: hand-computed prices and quantities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowmarket.clearing import clear_document

DATA = Path(__file__).parents[2] / "data" / "clearing"
CASES = sorted(DATA.glob("*.json"))


def test_there_are_known_answer_cases() -> None:
    assert len(CASES) >= 4


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_known_answer(path: Path) -> None:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    orders = {key: case[key] for key in ("products", "orders", "network") if key in case}
    result = clear_document(orders, case.get("prior"))
    expected = case["expected"]
    assert result["prices"] == pytest.approx(expected["prices"], abs=1e-9)
    quantities = {oid: entry["quantity"] for oid, entry in result["orders"].items()}
    assert quantities == pytest.approx(expected["quantities"], abs=1e-9)
    if "welfare" in expected:
        assert result["welfare"] == pytest.approx(expected["welfare"], abs=1e-8)
    assert result["certificate"]["max_imbalance"] <= 1e-9
    assert result["certificate"]["max_order_gap"] <= 1e-9
