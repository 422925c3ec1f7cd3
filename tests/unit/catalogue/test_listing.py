"""The catalogue lists exactly the products market.md §3 describes, with stable names."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.catalogue import (
    Kind,
    ProductKey,
    hour_of,
    load_spec,
    parse_name,
    product_names,
    products_at,
)
from flowmarket.catalogue.spec import Horizons

NOW = hour_of(datetime(2026, 11, 22, 14, tzinfo=UTC))
# Hours around calendar edges: a month end, a year end, a leap day, a weekend.
EDGE_HOURS = [
    NOW,
    hour_of(datetime(2026, 11, 30, 23, tzinfo=UTC)),
    hour_of(datetime(2026, 12, 31, 23, tzinfo=UTC)),
    hour_of(datetime(2028, 2, 29, 0, tzinfo=UTC)),
    hour_of(datetime(2027, 1, 2, 12, tzinfo=UTC)),
]


@pytest.mark.parametrize("hour", EDGE_HOURS)
def test_production_lists_4608_products_per_region_as_the_spec_formula_says(hour: int) -> None:
    spec = load_spec("production")
    products = products_at(spec, hour, regions=["r001"])
    assert len(products) == 3 * 24 * (2 * (5 + 12) + 30) == 4608
    assert len({p.name for p in products}) == 4608
    kinds = Counter(p.key.kind for p in products)
    assert kinds == {
        Kind.REAL_TIME: 3,
        Kind.HOURLY: 3 * 719,
        Kind.MONTHLY: 3 * 576,
        Kind.ANNUAL: 3 * 240,
    }


def test_production_has_500_regions_and_2304000_products() -> None:
    spec = load_spec("production")
    assert len(spec.regions) == 500
    assert spec.regions[0] == "r001" and spec.regions[-1] == "r500"
    assert spec.product_count() == 2_304_000
    assert spec.horizons.far_hours == 5 * 8760


@pytest.mark.parametrize("hour", EDGE_HOURS)
def test_demo_lists_2016_products_at_every_hour(hour: int) -> None:
    spec = load_spec("demo")
    names = product_names(spec, hour)
    assert len(names) == 4 * 3 * 168 == spec.product_count() == 2016
    assert len(set(names)) == 2016
    realtime = [n for n in names if n.startswith("rt:")]
    assert len(realtime) == 12
    assert all(parse_name(n).start == hour for n in realtime)


def test_every_listed_name_round_trips_to_the_same_fields() -> None:
    spec = load_spec("production")
    for p in products_at(spec, EDGE_HOURS[2], regions=["r042"]):
        key = parse_name(p.name)
        assert key == p.key
        assert key.name == p.name


def test_names_are_the_documented_human_readable_forms() -> None:
    names = set(product_names(load_spec("production"), NOW, regions=["r001"]))
    assert "rt:r001:premium:2026-11-22T14" in names
    assert "fwd-h:r001:premium:2026-11-23T09" in names
    assert "fwd-h:r001:fast:2026-12-22T13" in names  # last hour of the 30-day window
    assert "fwd-h:r001:fast:2026-12-22T14" not in names
    assert "fwd-m:r001:regular:2026-12:09:wd" in names  # the month after the current one
    assert "fwd-m:r001:regular:2027-11:23:we" in names  # the 12th month
    assert "fwd-m:r001:regular:2026-11:09:wd" not in names
    assert "fwd-y:r001:fast:2027:00:we" in names and "fwd-y:r001:fast:2031:23:wd" in names
    assert "fwd-y:r001:fast:2032:23:wd" not in names


def test_product_rows_have_exactly_the_products_table_columns_within_their_lengths() -> None:
    from flowmarket.db.models import Product as ProductRow

    table = ProductRow.__table__  # type: ignore[attr-defined]
    columns = {c.name: c for c in table.columns}
    spec = load_spec("production")
    for p in products_at(spec, NOW, regions=["r500"])[::97]:
        row = p.row()
        assert set(row) == set(columns)
        for name in ("name", "kind", "region", "description"):
            assert len(row[name]) <= columns[name].type.length, (name, row[name])
        ProductRow(**row)  # the API's model accepts the row as it is


def test_metadata_gives_kind_region_type_and_delivery_window() -> None:
    spec = load_spec("production")
    by_name = {p.name: p for p in products_at(spec, NOW, regions=["r001"])}
    rt = by_name["rt:r001:premium:2026-11-22T14"]
    assert (rt.kind, rt.region, rt.type) == ("real-time", "r001", "premium")
    assert (rt.delivery_start, rt.delivery_end, rt.delivery_hour_count) == (NOW, NOW + 1, 1)
    monthly = by_name["fwd-m:r001:regular:2026-12:09:wd"]
    assert monthly.kind == "monthly-forward"
    assert monthly.delivery_start == hour_of(datetime(2026, 12, 1, tzinfo=UTC))
    assert monthly.delivery_end == hour_of(datetime(2027, 1, 1, tzinfo=UTC))
    assert monthly.delivery_hour_count == 23  # December 2026 has 23 weekdays
    assert "23 hours" in monthly.description
    annual = by_name["fwd-y:r001:fast:2028:18:we"]
    assert annual.delivery_hour_count == 106  # leap 2028: 52 weekends + Sat 1 Jan + Sun 31 Dec


def test_monthly_forward_delivers_only_its_hour_of_day_and_day_type() -> None:
    key = parse_name("fwd-m:eu-west:fast:2027-03:09:we")
    hours = key.delivery_hours()
    moments = [datetime.fromtimestamp(int(h) * 3600, tz=UTC) for h in hours]
    assert len(moments) == 8  # March 2027 has 4 Saturdays and 4 Sundays
    assert all(m.hour == 9 and m.weekday() >= 5 and m.month == 3 for m in moments)
    assert key.covers(hours).all()
    assert not key.covers(hours + 1).any()


def test_horizon_counts_follow_the_formula_for_any_spec() -> None:
    from flowmarket.catalogue import CatalogueSpec

    for days, months, years in [(1, 0, 0), (2, 3, 0), (1, 0, 2), (3, 1, 1)]:
        spec = CatalogueSpec("t", ("a", "b"), ("premium",), Horizons(days, months, years))
        names = product_names(spec, NOW)
        assert len(names) == spec.product_count() == 2 * (24 * days + 48 * (months + years))
        assert all(isinstance(parse_name(n), ProductKey) for n in names)


@given(
    hour=st.integers(min_value=0, max_value=24 * 365 * 200),
    hod=st.integers(min_value=0, max_value=23),
    weekend=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_any_hour_and_pattern_round_trips_through_its_name(
    hour: int, hod: int, weekend: bool
) -> None:
    from flowmarket.catalogue.hours import month_start, to_datetime, year_start

    moment = to_datetime(hour)
    day_type = "we" if weekend else "wd"
    keys = [
        ProductKey(Kind.REAL_TIME, "eu-west", "premium", hour),
        ProductKey(Kind.HOURLY, "r123", "fast", hour),
        ProductKey(
            Kind.MONTHLY, "x", "regular", month_start(moment.year, moment.month), hod, day_type
        ),
        ProductKey(Kind.ANNUAL, "x-1", "premium", year_start(moment.year), hod, day_type),
    ]
    for key in keys:
        assert parse_name(key.name) == key
        hours = key.delivery_hours()
        assert hours.size >= 1 and key.covers(hours).all()
