"""Heatmaps and volume series from hand-written product rows, checked cell by cell."""

from __future__ import annotations

import numpy as np

from flowmarket.catalogue import format_hour
from flowmarket.reports.extract_market import (
    groups_of,
    price_heatmaps,
    skipped_products,
    volume_series,
)
from flowmarket.reports.record import ProductRow

H = 1_000  # 1970-02-11T16 UTC


def name(kind: str, region: str, type_: str, hour: int) -> str:
    return f"{kind}:{region}:{type_}:{format_hour(hour)}"


def rows() -> list[ProductRow]:
    """Two clearings of eu-west premium (rt + forwards 1 and 2 hours ahead), one us-east
    regular product, a monthly forward and a name outside the catalogue."""
    return [
        (H, name("rt", "eu-west", "premium", H), 2.0, 10.0, -1.0),
        (H, name("fwd-h", "eu-west", "premium", H + 1), 2.5, 4.0, -1.0),
        (H, name("fwd-h", "eu-west", "premium", H + 2), 3.0, 1.0, -1.0),
        (H + 1, name("rt", "eu-west", "premium", H + 1), 2.2, 8.0, -1.0),
        (H + 1, name("fwd-h", "eu-west", "premium", H + 3), 3.3, 2.0, -1.0),
        (H + 1, name("rt", "us-east", "regular", H + 1), 1.1, 5.0, -1.0),
        (H + 1, "fwd-m:eu-west:premium:1970-03:16:wd", 2.9, 7.0, -1.0),
        (H + 1, "premium", 9.9, 3.0, -1.0),
    ]


def test_heatmap_puts_each_price_at_its_hour_cleared_and_hours_ahead() -> None:
    maps = price_heatmaps(rows(), [H, H + 1])

    assert sorted(maps) == [("eu-west", "premium"), ("us-east", "regular")]
    premium = maps[("eu-west", "premium")]
    assert premium.hours.tolist() == [H, H + 1]
    assert premium.ahead.tolist() == [0, 1, 2]
    expected = np.array([[2.0, 2.2], [2.5, np.nan], [3.0, 3.3]])
    np.testing.assert_array_equal(premium.price, expected)
    regular = maps[("us-east", "regular")]
    np.testing.assert_array_equal(regular.price, np.array([[np.nan, 1.1]]))


def test_heatmap_leaves_out_hours_outside_the_columns() -> None:
    maps = price_heatmaps(rows(), [H + 1])

    premium = maps[("eu-west", "premium")]
    np.testing.assert_array_equal(premium.price, np.array([[2.2], [np.nan], [3.3]]))


def test_products_without_a_single_delivery_hour_are_counted_as_skipped() -> None:
    assert skipped_products(rows()) == 2  # the monthly forward and "premium"
    assert groups_of(rows()) == [("eu-west", "premium"), ("us-east", "regular")]


def test_volume_series_separate_the_real_time_product_from_all_forwards() -> None:
    series = volume_series(rows(), [H, H + 1])

    premium = series[("eu-west", "premium")]
    assert premium.real_time.tolist() == [10.0, 8.0]
    assert premium.forward.tolist() == [5.0, 9.0]  # 4 + 1; 2 + the monthly forward's 7
    regular = series[("us-east", "regular")]
    assert regular.real_time.tolist() == [0.0, 5.0]
    assert regular.forward.tolist() == [0.0, 0.0]
