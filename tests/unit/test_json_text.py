"""`jsontext.dumps`: orjson's text with the standard library's values, falling back to
the standard library for what orjson refuses (module `flowmarket.jsontext`)."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowmarket.jsontext import dumps

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: wei amounts
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
KEYS = st.text() | st.integers(-5, 5)  # the standard library writes an int key as a string
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner, inner)
        | st.dictionaries(KEYS, inner, max_size=5)
    ),
    max_leaves=40,
)


@given(VALUES)
def test_every_value_reads_back_as_the_standard_librarys_text_does(value: Any) -> None:
    assert json.loads(dumps(value)) == json.loads(json.dumps(value))
    try:
        expected = json.loads(json.dumps(value, sort_keys=True))
    except TypeError:  # keys of mixed types cannot be sorted
        with pytest.raises(TypeError):
            dumps(value, sort_keys=True)
        return
    assert json.loads(dumps(value, sort_keys=True)) == expected


def test_plain_values_take_orjsons_compact_text() -> None:
    # The standard library would write '{"b": [1, 2.5, null], "a": "caf\\u00e9"}'.
    assert dumps({"b": [1, 2.5, None], "a": "café"}) == '{"b":[1,2.5,null],"a":"café"}'
    assert dumps({"b": 1, "a": {"d": 2, "c": 3}}, sort_keys=True) == '{"a":{"c":3,"d":2},"b":1}'


def test_what_orjson_refuses_is_the_standard_librarys_text() -> None:
    wei = 10**30
    assert dumps({"wei": wei}) == '{"wei": 1000000000000000000000000000000}'
    assert json.loads(dumps([-(2**63) - 1]))[0] == -9223372036854775809
    assert dumps({1: "a"}) == '{"1": "a"}'
    assert dumps("\ud800") == '"\\ud800"'  # an unpaired surrogate is no UTF-8


def test_a_type_the_standard_library_refuses_is_refused() -> None:
    @dataclasses.dataclass
    class Point:
        x: int

    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"p": Point(1)})


def test_a_float_that_is_not_finite_is_written_as_null() -> None:
    assert json.loads(dumps([math.nan, math.inf, -math.inf, 1.5])) == [None, None, None, 1.5]
