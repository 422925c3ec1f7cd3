"""Delivery hours: integers counting hours since 1970-01-01T00:00 UTC.

Hour h starts at Unix second h × `SECONDS_PER_HOUR`; the participation API's bidding
window for delivery hour h closes then (`bidding_close`), so at time t the first hour
still open for bidding is `open_hour(t)`.

All calendar notions of the catalogue (hour of day, weekday/weekend, month,
year) are taken in UTC. `format_hour` / `parse_hour` are the only conversions
between an hour and its text form `YYYY-MM-DDTHH`.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from flowmarket.errors import FieldError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2})$")
_ISO_ON_THE_HOUR = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2})(?::00(?::00)?)?(Z|[+-]00:?00)?$", re.IGNORECASE
)

IntArray = npt.NDArray[np.int64]
SECONDS_PER_HOUR = 3600
HOURS_PER_WEEK = 168  # a settlement week: hours genesis + 168·w … genesis + 168·w + 167


def bidding_close(hour: int) -> float:
    """Unix seconds at which the bidding window of delivery hour `hour` closes (its start)."""
    return float(hour * SECONDS_PER_HOUR)


def open_hour(now: float) -> int:
    """The first delivery hour whose bidding window is still open at `now` (Unix seconds)."""
    return math.floor(now / SECONDS_PER_HOUR) + 1


def hour_of(moment: datetime) -> int:
    """The hour (since the epoch) that contains `moment` (naive = UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int((moment - EPOCH) // timedelta(hours=1))


def to_datetime(hour: int) -> datetime:
    """The UTC start of `hour`."""
    return EPOCH + timedelta(hours=hour)


def format_hour(hour: int) -> str:
    """`YYYY-MM-DDTHH` (UTC) of an hour since the epoch."""
    return to_datetime(hour).strftime("%Y-%m-%dT%H")


def parse_hour(text: str, field: str = "hour") -> int:
    """Inverse of `format_hour`; `FieldError` naming `field` if `text` is not one."""
    match = _HOUR_TEXT.match(text)
    if match is None:
        raise FieldError(field, f"expected YYYY-MM-DDTHH (UTC), got {text!r}")
    year, month, day, hh = (int(g) for g in match.groups())
    try:
        moment = datetime(year, month, day, hh, tzinfo=UTC)
    except ValueError as exc:
        raise FieldError(field, f"{text!r} is not a valid UTC hour ({exc})") from exc
    return hour_of(moment)


def parse_hour_value(text: str, field: str) -> int:
    """An hour given as an integer (hours since the epoch) or an ISO time on the hour.

    Accepts `493000`, `2026-11-23T09`, `2026-11-23T09:00`, `2026-11-23 09:00:00Z`,
    `2026-11-23T09:00+00:00`. Other offsets and minutes ≠ 0 are rejected.
    """
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    match = _ISO_ON_THE_HOUR.match(text)
    if match is None:
        raise FieldError(
            field, f"expected hours since the epoch or a UTC time on the hour, got {text!r}"
        )
    return parse_hour(f"{match.group(1)}T{match.group(2)}", field)


def weekend_mask(hours: IntArray) -> npt.NDArray[np.bool_]:
    """True for hours on a Saturday or Sunday (UTC). 1970-01-01 was a Thursday."""
    weekday = (hours // 24 + 3) % 7  # Monday = 0
    return np.asarray(weekday >= 5)


def month_start(year: int, month: int) -> int:
    """First hour of a calendar month (month may overflow: 13 = January next year)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return hour_of(datetime(year, month, 1, tzinfo=UTC))


def year_start(year: int) -> int:
    """First hour of a calendar year."""
    return hour_of(datetime(year, 1, 1, tzinfo=UTC))
