"""The clearing schedule: how often the market clears (docs/schedule.md).

The market clears once per *interval*. Its length is a governed parameter of
`MarketParameters` (`clearingIntervalAt(hour)`): a whole number of minutes that
divides an hour, one hour by default. A change takes effect from an hour boundary,
so every delivery hour is split into `intervals_per_hour` equal intervals of one
length, and the hour stays the unit of the ledger, the catalogue and the week.

Orders' quantities are rates in GB per hour, whatever the interval: the clearing
finds the same rates, and an interval delivers rate × length / 3600 GB. The exact
integer of that (10^-18 GB, rounded to nearest, ties to even) is `interval_wad`;
at the default length `money.interval_quantity` keeps `money.to_wad` of the rate
itself, so an hourly market's amounts do not change by a single wei.

Pure: no I/O.
"""

from __future__ import annotations

from fractions import Fraction

from flowmarket.errors import FieldError, InvalidInput

SECONDS_PER_HOUR = 3600
HOURS_PER_WEEK = 168
DEFAULT_INTERVAL_S = SECONDS_PER_HOUR
MIN_INTERVAL_S = 60
WAD = 10**18
# Every interval governance may set (the contract's rule): whole minutes dividing an hour.
ALLOWED_INTERVALS_S = tuple(
    s
    for s in range(MIN_INTERVAL_S, SECONDS_PER_HOUR + 1, MIN_INTERVAL_S)
    if SECONDS_PER_HOUR % s == 0
)


def check_interval(seconds: int, *, field: str = "clearing_interval_s") -> int:
    """`seconds` when it is a valid clearing interval, else a FieldError naming `field`."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise FieldError(field, f"must be an integer number of seconds, got {seconds!r}")
    if seconds not in ALLOWED_INTERVALS_S:
        minutes = ", ".join(str(s // 60) for s in ALLOWED_INTERVALS_S)
        raise FieldError(
            field,
            f"{seconds} s is not a whole number of minutes dividing an hour "
            f"(allowed minutes: {minutes})",
        )
    return seconds


def intervals_per_hour(seconds: int) -> int:
    """How many clearings one delivery hour holds at interval `seconds`."""
    return SECONDS_PER_HOUR // check_interval(seconds)


def intervals_per_week(seconds: int) -> int:
    """Clearings in a settlement week (7 × 24 hours) at interval `seconds`: 168 hourly,
    672 at 15 minutes, 10,080 at one minute."""
    return HOURS_PER_WEEK * intervals_per_hour(seconds)


def interval_closes(hour: int, seconds: int) -> list[int]:
    """Unix seconds at which each interval of delivery hour `hour` clears (its bidding
    window closes when the interval starts): hour·3600 + j·seconds, j = 0 … k − 1."""
    return [hour * SECONDS_PER_HOUR + j * seconds for j in range(intervals_per_hour(seconds))]


def interval_wad(rate: float, seconds: int) -> int:
    """GB an interval of `seconds` delivers at `rate` GB/h, in 10^-18 GB: the exact
    rational rate · 10^18 · seconds / 3600, rounded to nearest, ties to even.

    Exact: the float's binary value enters as a Fraction, so no decimal formatting or
    float product can shift the result."""
    if rate != rate or rate in (float("inf"), float("-inf")):
        raise InvalidInput(f"cannot convert {rate!r} to a quantity")
    check_interval(seconds)
    exact = Fraction(rate) * WAD * seconds / SECONDS_PER_HOUR
    return round(exact)  # Fraction rounds to nearest, ties to even, exactly
