"""When each hour's bidding window closes.

Hour indices are the ledger's (`genesisHour()` onwards). Hour h's window closes at

    close(h) = epoch_s + (h − genesis_hour) · hour_length_s      (Unix seconds)

With 3600-second hours and epoch_s = genesis_hour · 3600 this is the real clock of the
participation API (an order for hour h must be in before h · 3600). Demos and tests use
an "hour" of a few seconds. Week w covers hours genesis + 168 w … genesis + 168 w + 167.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flowmarket.catalogue.hours import HOURS_PER_WEEK, SECONDS_PER_HOUR
from flowmarket.errors import InvalidInput


@dataclass(frozen=True)
class OracleClock:
    """genesis_hour: the ledger's first hour; epoch_s: when its window closes (Unix s);
    hour_length_s: seconds between two closes."""

    genesis_hour: int
    epoch_s: float
    hour_length_s: float

    def __post_init__(self) -> None:
        if not self.hour_length_s > 0 or not math.isfinite(self.hour_length_s):
            raise InvalidInput(
                f"hour_length_s: must be a positive number, got {self.hour_length_s}"
            )
        if self.genesis_hour < 0:
            raise InvalidInput(f"genesis_hour: must be >= 0, got {self.genesis_hour}")

    @classmethod
    def real_time(cls, genesis_hour: int) -> OracleClock:
        return cls(genesis_hour, float(genesis_hour * SECONDS_PER_HOUR), float(SECONDS_PER_HOUR))

    def close_time(self, hour: int) -> float:
        """Unix seconds at which hour `hour`'s bidding window closes."""
        if hour < self.genesis_hour:
            raise InvalidInput(f"hour: {hour} is before the genesis hour {self.genesis_hour}")
        return self.epoch_s + (hour - self.genesis_hour) * self.hour_length_s

    def interval_close(self, hour: int, index: int, interval_s: int) -> float:
        """Unix seconds at which interval `index` of hour `hour` closes, when the hour
        clears in intervals of `interval_s` seconds: the hour's close plus index · L of
        its length (docs/schedule.md; index 0 closes with the hour)."""
        return self.close_time(hour) + index * interval_s * self.hour_length_s / SECONDS_PER_HOUR

    def last_closed_hour(self, now: float) -> int | None:
        """The latest hour whose window has closed at `now`; None before the epoch."""
        if now < self.epoch_s:
            return None
        return self.genesis_hour + int((now - self.epoch_s) // self.hour_length_s)

    def is_closed(self, hour: int, now: float) -> bool:
        return now >= self.close_time(hour)

    def week_of(self, hour: int) -> int:
        return (hour - self.genesis_hour) // HOURS_PER_WEEK

    def week_hours(self, week: int) -> tuple[int, int]:
        """(first, last) hour of week `week`, inclusive."""
        first = self.genesis_hour + HOURS_PER_WEEK * week
        return first, first + HOURS_PER_WEEK - 1

    def is_week_end(self, hour: int) -> bool:
        return (hour - self.genesis_hour) % HOURS_PER_WEEK == HOURS_PER_WEEK - 1
