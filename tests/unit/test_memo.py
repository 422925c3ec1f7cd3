"""`BoundedMemo`: what it remembers it answers exactly, and beyond its bound it forgets
the oldest first (the oracle's memos live as long as the process)."""

from __future__ import annotations

from typing import Any

import pytest

from flowmarket import memo
from flowmarket.errors import InvalidInput
from flowmarket.memo import BoundedMemo


def test_a_memo_forgets_its_oldest_entries_beyond_its_bound() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(3)
    for n, key in enumerate("abcd"):
        memo.put(key, n)
    assert [memo.get(k) for k in "abcd"] == [None, 1, 2, 3]
    memo.put("b", 10)  # a key put again keeps its place: "b" is still the oldest
    memo.put("e", 4)
    assert [memo.get(k) for k in "bcde"] == [None, 2, 3, 4]


def test_a_memo_keeps_at_least_one_entry() -> None:
    memo: BoundedMemo[int, str] = BoundedMemo(0)
    memo.put(1, "one")
    assert memo.get(1) == "one"
    memo.put(2, "two")
    assert (memo.get(1), memo.get(2)) == (None, "two")


def test_resizing_a_memo_forgets_its_oldest_entries_beyond_the_new_bound_at_once() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(4)
    for n, key in enumerate("abcd"):
        memo.put(key, n)
    memo.resize(2)
    assert (len(memo), memo.limit) == (2, 2)
    assert [memo.get(k) for k in "abcd"] == [None, None, 2, 3]
    memo.resize(3)
    memo.put("e", 4)  # room for a third: nothing forgotten
    assert [memo.get(k) for k in "cde"] == [2, 3, 4]


def test_the_standing_memos_grow_with_the_book_to_a_quarter_above_it_and_never_shrink(
    standing_memos: list[BoundedMemo[Any, Any]],
) -> None:
    assert len(standing_memos) == 5  # decoded orders, screen, order keys, fill terms, signed
    memo.fit_standing(40)
    assert [m.limit for m in standing_memos] == [50] * 5  # 40 + 40 // 4
    memo.fit_standing(41)
    assert memo.standing_limit() == 51
    memo.fit_standing(7)  # a small hour keeps the room of the large ones
    assert memo.standing_limit() == 51
    added = memo.standing_memo()
    try:
        assert added.limit == 51  # a memo made later is sized with the others
    finally:
        standing_memos.remove(added)


def test_a_fixed_size_holds_whatever_the_book_and_zero_follows_the_books_again(
    standing_memos: list[BoundedMemo[Any, Any]],
) -> None:
    memo.fix_standing(3)
    memo.fit_standing(1_000)
    assert [m.limit for m in standing_memos] == [3] * 5
    memo.fix_standing(0)
    assert memo.standing_limit() == memo.STANDING_ORDERS
    memo.fit_standing(200_000)
    assert memo.standing_limit() == 250_000
    with pytest.raises(InvalidInput, match="non-negative number of orders, got -1"):
        memo.fix_standing(-1)
