"""The oracle clock: when each hour's bidding window closes, and which hours form a week."""

from __future__ import annotations

import pytest

from flowmarket.errors import InvalidInput
from flowmarket.oracle.clock import OracleClock


def test_the_real_clock_closes_hour_h_at_h_times_3600_like_the_participation_api() -> None:
    clock = OracleClock.real_time(500_000)
    assert clock.close_time(500_000) == 500_000 * 3600
    assert clock.close_time(500_007) == 500_007 * 3600
    assert clock.last_closed_hour(500_003 * 3600 + 3599.9) == 500_003


def test_a_fast_clock_runs_hours_of_seconds_from_its_epoch() -> None:
    clock = OracleClock(genesis_hour=10, epoch_s=1_000.0, hour_length_s=2.0)
    assert clock.close_time(10) == 1_000.0
    assert clock.close_time(13) == 1_006.0
    assert clock.last_closed_hour(999.9) is None
    assert clock.last_closed_hour(1_005.9) == 12
    assert clock.is_closed(13, 1_006.0) and not clock.is_closed(14, 1_007.9)


def test_weeks_are_168_hours_from_genesis() -> None:
    clock = OracleClock(genesis_hour=10, epoch_s=0.0, hour_length_s=1.0)
    assert clock.week_hours(0) == (10, 177)
    assert clock.week_hours(2) == (346, 513)
    assert clock.week_of(177) == 0 and clock.week_of(178) == 1
    assert clock.is_week_end(177) and not clock.is_week_end(178)


def test_rejects_a_non_positive_hour_length_and_hours_before_genesis() -> None:
    with pytest.raises(InvalidInput, match="hour_length_s"):
        OracleClock(genesis_hour=0, epoch_s=0.0, hour_length_s=0.0)
    with pytest.raises(InvalidInput, match="before the genesis hour"):
        OracleClock(genesis_hour=5, epoch_s=0.0, hour_length_s=1.0).close_time(4)
