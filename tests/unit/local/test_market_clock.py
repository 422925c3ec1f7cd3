"""The local market's clock maps wall seconds onto market hours of hour_length_s: hour h
closes at epoch + (h - genesis) * length in wall time, which is h * 3600 in market time
(the API's and the ledger's). Expected values computed by hand."""

from __future__ import annotations

import pytest

from flowmarket.errors import InvalidInput
from flowmarket.local.clock import MarketClock
from flowmarket.local.setup import LocalOptions


def test_a_ten_second_hour_runs_the_market_clock_360_times_as_fast() -> None:
    wall = [1_000.0]
    clock = MarketClock(genesis_hour=100, epoch_s=1_000.0, hour_length_s=10.0, wall=lambda: wall[0])
    assert clock.speed == 360.0
    assert clock() == 360_000.0  # hour 100 closes at the epoch: 100 * 3600
    assert clock.open_hour() == 101
    wall[0] = 999.0  # one wall second before: 360 market seconds before the close
    assert clock() == 359_640.0
    assert clock.open_hour() == 100
    wall[0] = 1_030.0  # three hours later: hour 103 closes
    assert clock() == 370_800.0 == 103 * 3600
    assert clock.open_hour() == 104
    wall[0] = 1_025.0  # half-way through hour 103's window
    assert clock() == 369_000.0
    assert clock.open_hour() == 103


def test_an_hour_of_3600_seconds_is_the_real_clock_shifted_to_the_epoch() -> None:
    clock = MarketClock(
        genesis_hour=5, epoch_s=18_000.0, hour_length_s=3600.0, wall=lambda: 20_000.0
    )
    assert clock.speed == 1.0
    assert clock() == 20_000.0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"hour_length_s": 0.5}, "--hour-length"),
        ({"hour_length_s": 3601.0}, "--hour-length"),
        ({"agents": -1}, "--agents"),
        ({"agents": 21}, "--agents"),
    ],
)
def test_local_options_refuse_out_of_range_values_naming_the_option(
    options: dict[str, float], field: str
) -> None:
    with pytest.raises(InvalidInput, match=f"^{field}: must be between"):
        LocalOptions(**options)  # type: ignore[arg-type]
