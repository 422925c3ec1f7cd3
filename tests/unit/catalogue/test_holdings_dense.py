"""Holdings.held: the dense per-hour sum of coarse forwards equals the sum of masks."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from flowmarket.catalogue import Holdings, parse_hour, parse_name

NAMES = (
    "fwd-y:eu:premium:2027:09:wd",
    "fwd-y:eu:premium:2028:09:we",
    "fwd-m:eu:premium:2027-01:09:wd",
    "fwd-m:eu:premium:2027-02:23:we",
    "fwd-h:eu:premium:2027-01-04T09",
    "rt:eu:premium:2027-01-04T10",
    "fwd-m:us:premium:2027-01:09:wd",
)
START = parse_hour("2026-12-20T00")


@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=len(NAMES), max_size=len(NAMES)),
    st.lists(st.integers(0, 24 * 800), min_size=1, max_size=40),
)
def test_held_is_the_sum_of_the_products_covering_each_hour(
    values: list[float], offsets: list[int]
) -> None:
    holdings = Holdings(dict(zip(NAMES, values, strict=True)))
    hours = START + np.array(offsets, dtype=np.int64)
    expected = np.zeros(hours.shape)
    for name, value in zip(NAMES, values, strict=True):
        key = parse_name(name)
        if key.region == "eu" and value != 0.0:
            expected += value * key.covers(hours)
    assert np.allclose(holdings.held("eu", "premium", hours), expected, atol=1e-9)
