"""`flowmarket verify` re-clears an order set with the engine the chain governed for its
hour, whatever the publication names (docs/engine-versions.md)."""

from __future__ import annotations

from flowmarket.actions.verify import HourVerdict, governed_engine

BOOK = {"products": ["premium"], "orders": []}


def test_an_order_set_naming_the_governed_engine_is_re_cleared_with_it() -> None:
    verdict = HourVerdict(7)
    assert governed_engine(verdict, {**BOOK, "engine": 2}, 2, "the order set") == {
        **BOOK,
        "engine": 2,
    }
    assert governed_engine(verdict, BOOK, 1, "the order set") == BOOK  # engine 1 unnamed
    assert verdict.problems == []


def test_another_engine_is_a_problem_and_the_governed_one_re_clears() -> None:
    verdict = HourVerdict(7)
    assert governed_engine(verdict, BOOK, 2, "the order set") == {**BOOK, "engine": 2}
    assert governed_engine(verdict, {**BOOK, "engine": 2}, 1, "interval 3's order set") == BOOK
    assert governed_engine(verdict, {**BOOK, "engine": "2"}, 2, "the order set") == {
        **BOOK,
        "engine": 2,
    }
    assert verdict.problems == [
        "the order set names clearing engine 1, the chain governed engine 2 for hour 7",
        "interval 3's order set names clearing engine 2, the chain governed engine 1 for hour 7",
        "the order set names clearing engine '2', the chain governed engine 2 for hour 7",
    ]
