"""`BoundedMemo`: what it remembers it answers exactly, and beyond its bound it forgets
the oldest first (the oracle's memos live as long as the process)."""

from __future__ import annotations

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
