"""The local market's clock: market hours of `hour_length_s` wall seconds.

The ledger's hour indices are Unix hours (hour h's bidding window closes at h · 3600
on chain); the API stamps orders with Unix seconds and the oracle snapshots at h · 3600.
A local market runs that clock faster: its Unix time at wall time t is

    market(t) = genesis_hour · 3600 + (t − epoch_s) · 3600 / hour_length_s,

so hour h closes at wall time epoch_s + (h − genesis_hour) · hour_length_s. The API,
the oracle (given market(now) as its `now`) and the chain (moved forward to the
market's time before each commit) all read this one clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flowmarket.catalogue.hours import SECONDS_PER_HOUR, open_hour


@dataclass(frozen=True)
class MarketClock:
    """A callable giving the market's Unix seconds now (for the API's `clock`).
    epoch_s: the wall time (Unix s) at which hour `genesis_hour` closes."""

    genesis_hour: int
    epoch_s: float
    hour_length_s: float
    wall: Callable[[], float] = field(default=time.time, compare=False)

    @property
    def speed(self) -> float:
        """Market seconds per wall second."""
        return SECONDS_PER_HOUR / self.hour_length_s

    def market_time(self, wall: float) -> float:
        return self.genesis_hour * SECONDS_PER_HOUR + (wall - self.epoch_s) * self.speed

    def __call__(self) -> float:
        return self.market_time(self.wall())

    def open_hour(self) -> int:
        """The first delivery hour whose bidding window is open now."""
        return open_hour(self())
