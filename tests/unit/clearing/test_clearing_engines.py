"""The clearing engines (docs/engine-versions.md): which one clears, and what each does.

The book, by hand: alice buys q = 10 − p GB/h of premium for p in [2, 10] (curve (0, 10)
to (8, 2)), bob sells q = p − 2 (curve (−8, 10) to (0, 2)). They balance at 10 − p = p − 2:
p = 6 tokens/GB, 4 GB/h each way, inside both curves, so the price is unique and every
engine must give it from any prior.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from flowmarket.clearing import clear_document, newton
from flowmarket.clearing.document import parse_orders
from flowmarket.clearing.engine import clear
from flowmarket.clearing.model import SolverOptions
from flowmarket.cli.main import main
from flowmarket.errors import InvalidInput

BOOK: dict[str, Any] = {
    "products": ["premium"],
    "orders": [
        {
            "id": "a",
            "participant": "alice",
            "portfolio": {"premium": 1},
            "curve": [[0, 10], [8, 2]],
        },
        {"id": "b", "participant": "bob", "portfolio": {"premium": 1}, "curve": [[-8, 10], [0, 2]]},
    ],
}


@pytest.fixture
def linear_model_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times the Newton stage tried the linear model's prices."""
    calls: list[int] = []
    real = newton._starting_point

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(newton, "_starting_point", counted)
    yield calls


@pytest.mark.parametrize(
    ("engine", "prior", "tries"),
    [(1, 5.0, 1), (1, 0.0, 1), (2, 5.0, 0), (2, 0.0, 1), (2, -3.0, 0)],
)
def test_engine_2_starts_at_a_nonzero_prior_and_both_find_the_hand_price(
    engine: int, prior: float, tries: int, linear_model_calls: list[int]
) -> None:
    doc = {**BOOK, "engine": engine}
    result = clear_document(doc, {"prices": {"premium": prior}})
    assert len(linear_model_calls) == tries
    assert result["prices"]["premium"] == pytest.approx(6.0, abs=1e-9)
    assert result["participants"]["alice"]["trades"]["premium"] == pytest.approx(4.0, abs=1e-9)
    assert result["participants"]["bob"]["trades"]["premium"] == pytest.approx(-4.0, abs=1e-9)


def test_a_document_without_an_engine_is_engine_1_and_names_win_over_options(
    linear_model_calls: list[int],
) -> None:
    prior = {"prices": {"premium": 5.0}}
    clear_document(BOOK, prior, SolverOptions())
    assert len(linear_model_calls) == 1  # engine 1: the linear model tried
    clear_document(BOOK, prior, SolverOptions(engine=2))
    assert len(linear_model_calls) == 1  # engine 2 from the options
    clear_document({**BOOK, "engine": 1}, prior, SolverOptions(engine=2))
    assert len(linear_model_calls) == 2  # the document's engine 1 wins


@pytest.mark.parametrize("bad", [0, 3, -1, "2", 2.0, True, None, [2]])
def test_an_engine_this_version_does_not_run_is_refused_naming_the_field(bad: object) -> None:
    with pytest.raises(InvalidInput, match=r"^engine: .* is not a clearing engine this version"):
        clear_document({**BOOK, "engine": bad})
    if isinstance(bad, int) and not isinstance(bad, bool):
        book = parse_orders(BOOK)
        with pytest.raises(InvalidInput, match=r"^engine: "):
            clear(book, np.zeros(1), SolverOptions(engine=bad))


def test_flowmarket_clear_clears_with_the_engine_its_orders_file_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], linear_model_calls: list[int]
) -> None:
    orders, prior = tmp_path / "orders.json", tmp_path / "prior.json"
    prior.write_text(json.dumps({"prices": {"premium": 5.0}}), encoding="utf-8")
    orders.write_text(json.dumps({**BOOK, "engine": 2}), encoding="utf-8")
    assert main(["clear", str(orders), "--prior", str(prior)]) == 0
    assert json.loads(capsys.readouterr().out)["prices"]["premium"] == pytest.approx(6.0)
    assert linear_model_calls == []
    orders.write_text(json.dumps({**BOOK, "engine": 9}), encoding="utf-8")
    assert main(["clear", str(orders), "--prior", str(prior)]) != 0
    err = capsys.readouterr().err
    assert "engine: 9 is not a clearing engine this version runs (1, 2)" in err
    assert "Traceback" not in err
