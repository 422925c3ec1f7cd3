"""Forward positions roll into the real-time product of their delivery hour."""

from __future__ import annotations

import numpy as np
import pytest

from flowmarket.catalogue import (
    Holdings,
    load_spec,
    parse_name,
    predecessor,
    product_names,
    settles_against,
    successor,
)
from flowmarket.errors import FieldError

H = 498710  # 2026-11-22T14 UTC


def test_an_hourly_forward_becomes_the_realtime_product_when_its_hour_arrives() -> None:
    spec = load_spec("demo")
    forward = "fwd-h:us-east:fast:2026-11-22T19"
    assert forward in product_names(spec, H)
    at_delivery = product_names(spec, H + 5)
    assert forward not in at_delivery
    realtime = successor(forward)
    assert realtime == "rt:us-east:fast:2026-11-22T19"
    assert realtime in at_delivery
    assert predecessor(realtime) == forward
    assert successor(realtime) is None and predecessor(forward) is None


def test_a_monthly_forward_settles_against_each_realtime_hour_it_covers() -> None:
    names = settles_against("fwd-m:eu-west:premium:2026-12:09:wd")
    assert len(names) == 23
    assert names[0] == "rt:eu-west:premium:2026-12-01T09"  # Tuesday
    assert "rt:eu-west:premium:2026-12-05T09" not in names  # Saturday
    assert settles_against("rt:eu-west:premium:2026-12-05T09") == (
        "rt:eu-west:premium:2026-12-05T09",
    )


def test_held_adds_every_position_covering_the_hour() -> None:
    positions = Holdings(
        {
            "rt:eu-west:premium:2026-12-01T09": 1.0,
            "fwd-h:eu-west:premium:2026-12-01T09": 2.0,
            "fwd-m:eu-west:premium:2026-12:09:wd": 4.0,
            "fwd-y:eu-west:premium:2026:09:wd": 8.0,
            "fwd-y:eu-west:premium:2026:09:we": 16.0,  # weekend: not Tuesday
            "fwd-m:eu-west:regular:2026-12:09:wd": 32.0,  # other type
            "fwd-m:us-east:premium:2026-12:09:wd": 64.0,  # other region
        }
    )
    tuesday_9 = parse_name("rt:eu-west:premium:2026-12-01T09").start
    hours = np.array([tuesday_9, tuesday_9 + 1, tuesday_9 + 24], dtype=np.int64)
    held = positions.held("eu-west", "premium", hours)
    assert held.tolist() == [15.0, 0.0, 12.0]


def test_holdings_reject_a_malformed_position_name_naming_it() -> None:
    with pytest.raises(FieldError, match=r"positions\.rt:eu-west"):
        Holdings({"rt:eu-west": 1.0})
