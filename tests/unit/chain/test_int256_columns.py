"""Exact int256 column arithmetic (`flowmarket.chain.int256_columns`): hand-written limbs
and sums, then every operation against Python's integers on columns of every size."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.chain import int256_columns as columns
from flowmarket.errors import InvalidInput

INT256_MIN, INT256_MAX = -(2**255), 2**255 - 1


def words(values: list[int]) -> np.ndarray:
    raw = b"".join(v.to_bytes(32, "big", signed=True) for v in values)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), 32)


def ints(rows: np.ndarray) -> list[int]:
    return [int.from_bytes(bytes(row), "big", signed=True) for row in rows]


def test_limbs_by_hand() -> None:
    # 0x1_0002_0003 is the limbs 3, 2, 1; −1 is one limb, −1; 2^15 needs a second limb
    # (its top bit would read as a sign); −2^15 does not.
    assert columns.from_words(words([0x1_0002_0003])).tolist() == [[3], [2], [1]]
    assert columns.from_words(words([-1])).tolist() == [[-1]]
    assert columns.from_words(words([2**15])).tolist() == [[2**15], [0]]
    assert columns.from_words(words([-(2**15)])).tolist() == [[-(2**15)]]
    # The width is the widest number's: 2^16 − 1 and −3 share two limbs.
    assert columns.from_words(words([2**16 - 1, -3])).tolist() == [[65535, 65533], [0, -1]]
    assert columns.from_words(words([])).shape == (1, 0)


def test_running_sums_by_hand() -> None:
    # Exclusive sums restarting at rows 0, 2 and 3: 0, 5 | 0 | 0, −7, 2^70 − 7.
    values = [5, 9, -4, -7, 2**70, 1]
    starts = np.array([True, False, True, True, False, False])
    sums = columns.running_sums(columns.from_words(words(values)), starts)
    assert ints(columns.to_words(sums, "s")) == [0, 5, 0, 0, -7, 2**70 - 7]
    # Row 0 starts whether or not it says so.
    starts[0] = False
    sums = columns.running_sums(columns.from_words(words(values)), starts)
    assert ints(columns.to_words(sums, "s")) == [0, 5, 0, 0, -7, 2**70 - 7]


def test_products_and_absolute_by_hand() -> None:
    a = columns.from_words(words([3, -(2**100), 2**127, INT256_MIN]))
    b = columns.from_words(words([-7, 3 * 10**18, -(2**127), 1]))
    assert ints(columns.to_words(columns.products(a, b, "p"), "p")) == [
        -21,
        -3 * 10**18 * 2**100,
        -(2**254),
        INT256_MIN,
    ]
    magnitude = columns.absolute(columns.from_words(words([-5, INT256_MIN, 7])))
    # |−2^255| keeps its top limb at 2^15: a magnitude, read unsigned.
    assert magnitude[:, 1].tolist() == [0] * 15 + [2**15]
    assert magnitude[0, 0] == 5 and magnitude[0, 2] == 7


def test_a_number_beyond_int256_is_named() -> None:
    top = columns.from_words(words([1, INT256_MAX, 2]))
    with pytest.raises(InvalidInput, match=r"^line\.sum\[2\]: beyond int256$"):
        columns.to_words(columns.running_sums(top, np.zeros(3, dtype=bool)), "line.sum")
    big = columns.from_words(words([2, 2**128, -3]))
    with pytest.raises(InvalidInput, match=r"^holding\.cash\[1\]: beyond int256$"):
        columns.products(big, big, "holding.cash")
    # 2^255 is one past int256's top; −2^255 is its bottom.
    half = columns.from_words(words([2**128, -(2**128)]))
    other = columns.from_words(words([2**127, 2**127]))
    with pytest.raises(InvalidInput, match=r"^p\[0\]: beyond int256$"):
        columns.products(half, other, "p")
    assert ints(columns.to_words(columns.products(half[:, 1:], other[:, 1:], "p"), "p")) == [
        INT256_MIN
    ]


def numbers() -> st.SearchStrategy[int]:
    bits = st.sampled_from([0, 1, 15, 16, 17, 63, 64, 65, 100, 120, 127, 128, 200, 254, 255])
    return bits.flatmap(lambda b: st.integers(-(2**b), 2**b - 1 if b else 0))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(numbers(), numbers(), st.booleans()), max_size=40),
)
def test_every_operation_equals_pythons_integers(rows: list[tuple[int, int, bool]]) -> None:
    xs = [x for x, _, _ in rows]
    ys = [y for _, y, _ in rows]
    starts = np.array([s for _, _, s in rows], dtype=bool)
    a, b = columns.from_words(words(xs)), columns.from_words(words(ys))
    assert ints(columns.to_words(a, "x")) == xs
    expected, total = [], 0
    for i, x in enumerate(xs):
        total = 0 if i == 0 or starts[i] else total
        expected.append(total)
        total += x
    fits = all(INT256_MIN <= v <= INT256_MAX for v in expected)
    if fits:
        assert ints(columns.to_words(columns.running_sums(a, starts), "s")) == expected
    else:
        with pytest.raises(InvalidInput, match=r"^s\[\d+\]: beyond int256$"):
            columns.to_words(columns.running_sums(a, starts), "s")
    if INT256_MIN not in xs:
        assert ints(columns.to_words(columns.absolute(a), "a")) == [abs(x) for x in xs]
    product = [x * y for x, y in zip(xs, ys, strict=True)]
    if all(INT256_MIN <= p <= INT256_MAX for p in product):
        assert ints(columns.to_words(columns.products(a, b, "p"), "p")) == product
    else:
        first = next(i for i, p in enumerate(product) if not INT256_MIN <= p <= INT256_MAX)
        with pytest.raises(InvalidInput, match=rf"^p\[{first}\]: beyond int256$"):
            columns.products(a, b, "p")
    wide = columns.widened(a, 16)
    assert ints(columns.to_words(wide, "w")) == xs


def test_a_long_sum_carries_past_its_numbers_width() -> None:
    # 2^17 numbers of 2^31 − 1 (two limbs each) sum to about 2^48: the carry out of their
    # two limbs is 2^16, which takes two more limbs than the numbers have.
    n = 2**17
    sums = columns.running_sums(columns.from_words(words([2**31 - 1] * n)), np.zeros(n, bool))
    assert sums.shape[0] == 2
    last = columns.to_words(sums[:, -1:], "s")
    assert ints(last) == [(n - 1) * (2**31 - 1)]
