"""Priority service by hand: premium first, then fast, then regular pro rata."""

from __future__ import annotations

import pytest

from flowmarket.errors import InvalidInput
from flowmarket.money import WAD
from flowmarket.realtime import ration

GB = WAD


def test_scarcity_at_150_percent_serves_premium_fully_and_regular_the_rest_pro_rata() -> None:
    # Capacity 100 GB; premium 30 + 20 = 50 GB, regular 60 + 40 = 100 GB: demand 150 %.
    demand = {
        "premium": {"ann": 30 * GB, "bob": 20 * GB},
        "regular": {"cat": 60 * GB, "dan": 40 * GB},
    }
    result = ration(100 * GB, demand)
    assert result.served["premium"] == {"ann": 30 * GB, "bob": 20 * GB}  # 100 % served
    # Regular gets capacity − premium = 50 GB, split 60:40 → 30 and 20.
    assert result.served["regular"] == {"cat": 30 * GB, "dan": 20 * GB}
    assert result.total("served", "regular") == 100 * GB - 50 * GB
    assert result.unserved("premium") == 0
    assert result.unserved("regular") == 50 * GB
    assert result.throttled


def test_demand_within_capacity_is_served_in_full() -> None:
    demand = {"premium": {"ann": 5 * GB}, "regular": {"bob": 7 * GB}, "fast": {"cat": 1 * GB}}
    result = ration(13 * GB, demand)
    assert result.served == demand
    assert not result.throttled


def test_pro_rata_rounding_gives_the_lost_unit_to_the_largest_remainder() -> None:
    # 5 units left for regular demands 3 and 4: 15/7 = 2.14 and 20/7 = 2.86 → 2 and 2,
    # the lost unit goes to bob (remainder 6/7 > 1/7): 2 and 3.
    result = ration(10, {"premium": {"ann": 5}, "regular": {"amy": 3, "bob": 4}})
    assert result.served["regular"] == {"amy": 2, "bob": 3}
    assert result.total("served", "premium") + result.total("served", "regular") == 10


def test_fast_is_served_before_regular() -> None:
    demand = {
        "premium": {"ann": 40 * GB},
        "fast": {"bob": 30 * GB},
        "regular": {"cat": 60 * GB},
    }
    assert ration(100 * GB, demand).served == {
        "premium": {"ann": 40 * GB},
        "fast": {"bob": 30 * GB},
        "regular": {"cat": 30 * GB},
    }
    tight = ration(50 * GB, demand)
    assert tight.served["fast"] == {"bob": 10 * GB}
    assert tight.served["regular"] == {"cat": 0}


def test_premium_is_rationed_pro_rata_only_when_premium_alone_exceeds_capacity() -> None:
    demand = {"premium": {"ann": 12 * GB, "bob": 8 * GB}, "regular": {"cat": 5 * GB}}
    result = ration(10 * GB, demand)
    assert result.served["premium"] == {"ann": 6 * GB, "bob": 4 * GB}
    assert result.served["regular"] == {"cat": 0}


def test_negative_usage_and_capacity_are_rejected_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"usage\.regular\.ann"):
        ration(10, {"regular": {"ann": -1}})
    with pytest.raises(InvalidInput, match="capacity"):
        ration(-1, {})
