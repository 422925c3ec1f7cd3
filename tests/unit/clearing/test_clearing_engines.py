"""The clearing engines (docs/engine-versions.md): which one clears, and what each does.

The book, by hand: alice buys q = 10 − p GB/h of premium for p in [2, 10] (curve (0, 10)
to (8, 2)), bob sells q = p − 2 (curve (−8, 10) to (0, 2)). They balance at 10 − p = p − 2:
p = 6 tokens/GB, 4 GB/h each way, inside both curves, so the price is unique and every
engine must give it from any prior.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_clearing_flat import random_book as flat_book

from flowmarket.clearing import clear_document, newton
from flowmarket.clearing.document import parse_orders
from flowmarket.clearing.engine import clear
from flowmarket.clearing.model import SolverOptions
from flowmarket.clearing.passes import ArrayPasses, NearKinks
from flowmarket.clearing.synthetic import random_book, random_network
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
    [
        (1, 5.0, 1),
        (1, 0.0, 1),
        (2, 5.0, 0),
        (2, 0.0, 1),
        (2, -3.0, 0),
        (3, 5.0, 0),
        (3, 0.0, 1),
        (4, 5.0, 0),
        (4, 0.0, 1),
        (5, 5.0, 0),
        (5, 0.0, 1),
    ],
)
def test_engines_2_to_5_start_at_a_nonzero_prior_and_all_find_the_hand_price(
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


@pytest.mark.parametrize("bad", [0, 6, -1, "2", 2.0, True, None, [2]])
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
    for engine in (2, 3, 4, 5):
        orders.write_text(json.dumps({**BOOK, "engine": engine}), encoding="utf-8")
        assert main(["clear", str(orders), "--prior", str(prior)]) == 0
        assert json.loads(capsys.readouterr().out)["prices"]["premium"] == pytest.approx(6.0)
    assert linear_model_calls == []
    orders.write_text(json.dumps({**BOOK, "engine": 9}), encoding="utf-8")
    assert main(["clear", str(orders), "--prior", str(prior)]) != 0
    err = capsys.readouterr().err
    assert "engine: 9 is not a clearing engine this version runs (1, 2, 3, 4, 5)" in err
    assert "Traceback" not in err


@pytest.fixture
def bands(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[NearKinks | None]]:
    """The band (`passes.NearKinks`) each step pass of the Newton stage was handed, with
    a copy of its β (the buffer is the next step's)."""
    seen: list[NearKinks | None] = []
    real = ArrayPasses.step

    def spy(self: ArrayPasses, *args: Any) -> Any:
        near = args[6] if len(args) > 6 else None
        seen.append(None if near is None else NearKinks(near.beta.copy(), near.t, near.weight))
        return real(self, *args)

    monkeypatch.setattr(ArrayPasses, "step", spy)
    yield seen


def test_engine_3_hands_each_step_pass_the_last_steps_band(
    bands: list[NearKinks | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[float] = []
    real = newton.exact_step

    def step_taken(*args: Any) -> float:
        t: float = real(*args)
        steps.append(t)
        return t

    monkeypatch.setattr(newton, "exact_step", step_taken)
    book = random_book(300, 3_000, 1)
    clear(book, options=SolverOptions(engine=2))
    assert len(bands) > 3 and bands == [None] * len(bands)  # engine 2: never a band
    bands.clear()
    steps.clear()
    clear(book, options=SolverOptions(engine=3))
    assert bands[0] is None  # no step yet
    # One pass per step; the confirmation at the end (exact ζ) takes the last step's band.
    assert [b.t for b in bands[1:] if b is not None] == steps + steps[-1:]
    assert {b.weight for b in bands[1:] if b is not None} == {0.125}
    assert all(b is not None and np.any(b.beta) for b in bands[1:])


def test_engine_3_clears_a_seeded_book_to_engine_2s_prices_in_fewer_newton_steps() -> None:
    # 3·10^4 products x 3·10^5 orders, cold and the next hour: 12 and 9 Newton steps
    # under engine 2, 9 and 8 under engine 3 (measured; the small test books are mixed:
    # bench/README.md).
    book = random_book(30_000, 300_000, 4)
    moved = dataclasses.replace(book, curve_price=book.curve_price * 1.03)
    two, three = SolverOptions(engine=2), SolverOptions(engine=3)
    cold2, cold3 = clear(book, options=two), clear(book, options=three)
    assert cold3.stats.iterations < cold2.stats.iterations
    warm2, warm3 = clear(moved, cold2.prices, two), clear(moved, cold3.prices, three)
    assert warm3.stats.iterations < warm2.stats.iterations
    for ours, theirs in ((cold3, cold2), (warm3, warm2)):
        assert ours.certificate.max_imbalance <= 1e-8
        assert ours.certificate.projection_exact and theirs.certificate.projection_exact
        np.testing.assert_allclose(ours.prices, theirs.prices, rtol=0, atol=1e-7)
        assert ours.prices.tobytes() != theirs.prices.tobytes()  # another engine's bits


def test_books_with_flat_pieces_or_a_network_clear_under_engine_3_as_under_engine_2() -> None:
    # Non-convex books under engine 3: tests/unit/clearing/test_nonconvex.py (brute force).
    flat = flat_book(3, 50, 10_000)
    ours, theirs = (clear_document({**flat, "engine": e}) for e in (3, 2))
    assert ours["prices"].keys() == theirs["prices"].keys()
    for product, price in ours["prices"].items():
        assert price == pytest.approx(theirs["prices"][product], abs=1e-6)
    book = random_book(30 * 3, 3_000, 2, locality=3)
    network = random_network(30, 90, book, 2, capacity=(5.0, 50.0))
    three = clear(book, options=SolverOptions(engine=3), network=network)
    two = clear(book, options=SolverOptions(engine=2), network=network)
    assert three.certificate.max_imbalance <= 1e-8
    np.testing.assert_allclose(three.prices, two.prices, rtol=0, atol=1e-6)
