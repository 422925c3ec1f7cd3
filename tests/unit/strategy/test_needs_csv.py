"""NEEDS.csv parsing: documented columns; bad rows are named by row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowmarket.errors import FieldError
from flowmarket.strategy import parse_needs_csv

DATA = Path(__file__).parents[2] / "data" / "strategy"
REGIONS = ("eu-west", "us-east")
TYPES = ("premium", "regular")
HEADER = "region,type,delivery_hour,expected_gb,valuation\n"


def test_reads_the_sample_file_with_iso_and_integer_hours() -> None:
    needs = parse_needs_csv((DATA / "needs.csv").read_text(), REGIONS, TYPES)
    assert set(needs) == {("eu-west", "premium"), ("us-east", "regular")}
    series = needs[("eu-west", "premium")]
    assert series.hours.tolist() == list(range(498710, 498710 + 48))
    assert series.need[0] == 130.0 and series.valuation[0] == 3.0


def test_skips_rows_before_the_current_hour() -> None:
    needs = parse_needs_csv((DATA / "needs.csv").read_text(), REGIONS, TYPES, from_hour=498750)
    assert needs[("us-east", "regular")].hours[0] == 498750


@pytest.mark.parametrize(
    ("body", "where", "reason"),
    [
        ("eu-west,premium,498710,abc,2.0\n", "row 2, column expected_gb", "expected a number"),
        ("eu-west,premium,498710,5,0\n", "row 2, column valuation", "> 0"),
        ("eu-west,premium,498710,nan,1\n", "row 2, column expected_gb", "finite"),
        ("eu-west,premium,498710,5,1\nmars,premium,498711,5,1\n", "row 3, column region", "mars"),
        ("eu-west,gold,498710,5,1\n", "row 2, column type", "gold"),
        ("eu-west,premium,2026-11-22T14:30,5,1\n", "row 2, column delivery_hour", "on the hour"),
        ("eu-west,premium,,5,1\n", "row 2, column delivery_hour", "empty"),
        ("eu-west,premium,498710,5,1\neu-west,premium,2026-11-22T14,6,1\n", "row 3", "row 2"),
        ("", "row 2", "no data rows"),
    ],
)
def test_rejects_a_bad_row_naming_row_and_column(body: str, where: str, reason: str) -> None:
    with pytest.raises(FieldError, match=reason) as info:
        parse_needs_csv(HEADER + body, REGIONS, TYPES)
    assert info.value.field == where


@pytest.mark.parametrize(
    ("header", "where"),
    [
        ("region,type,delivery_hour,expected_gb\n", "row 1, column valuation"),
        ("region,type,delivery_hour,expected_gb,valuation,note\n", "row 1, column 'note'"),
    ],
)
def test_rejects_a_bad_header_naming_the_column(header: str, where: str) -> None:
    with pytest.raises(FieldError) as info:
        parse_needs_csv(header + "eu-west,premium,498710,5,1,x\n", REGIONS, TYPES)
    assert info.value.field == where


def test_rejects_an_empty_file_for_its_missing_header() -> None:
    with pytest.raises(FieldError, match="missing header") as info:
        parse_needs_csv("", REGIONS, TYPES)
    assert info.value.field == "row 1"
