"""Hour ranges as the CLI reads them, and exact token amounts as the tables show them."""

from __future__ import annotations

import pytest

from flowmarket.errors import FieldError
from flowmarket.reports.sources import Source, parse_hour_range, resolve_range
from flowmarket.reports.summary import tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("498700:498710", (498700, 498710)),
        ("498700:", (498700, None)),
        (":498710", (None, 498710)),
        ("2026-11-22T04:2026-11-22T06", (498700, 498702)),
        ("2026-11-22T04:00:2026-11-22T06:00", (498700, 498702)),
    ],
)
def test_hour_ranges_accept_indices_and_utc_hours_with_open_ends(
    text: str, expected: tuple[int | None, int | None]
) -> None:
    assert parse_hour_range(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("498700", "expected A:B"),
        ("abc:def", "expected A:B with hour indices or UTC hours"),
        ("498710:498700", "ends before it starts"),
    ],
)
def test_bad_hour_ranges_name_the_option_and_the_reason(text: str, reason: str) -> None:
    with pytest.raises(FieldError, match=reason) as caught:
        parse_hour_range(text)
    assert caught.value.field == "--hours"


def test_a_range_outside_the_cleared_hours_says_which_hours_were_cleared() -> None:
    assert resolve_range((100, 200), (150, None), "150:") == (150, 200)
    with pytest.raises(FieldError, match=r"no cleared hour in '300:'.*100–200"):
        resolve_range((100, 200), (300, None), "300:")


def test_token_amounts_are_exact_decimal_renderings_of_wei() -> None:
    assert tokens(1_152_103_512_345_678_901_234) == "1,152.1035"
    assert tokens(-5 * 10**17) == "-0.5000"
    assert tokens(1, places=18) == "0.000000000000000001"


def test_the_database_is_shown_as_a_file_path_or_a_url_without_its_password() -> None:
    assert Source("sqlite:////srv/market.sqlite", "--database-url").shown == "/srv/market.sqlite"
    shown = Source("postgresql://ops:s3cret@db.example/market", "--database-url").shown
    assert shown == "postgresql://ops:***@db.example/market"
    assert "s3cret" not in shown
