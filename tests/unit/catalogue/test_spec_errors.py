"""Bad catalogue specifications and names fail with the field and the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowmarket.catalogue import load_spec, parse_name, parse_spec, spec_document
from flowmarket.errors import FieldError, InvalidInput


def _demo() -> dict[str, Any]:
    return spec_document(load_spec("demo"))


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (lambda d: d.pop("regions"), "regions", "required"),
        (lambda d: d.update(regions=[]), "regions", "non-empty"),
        (lambda d: d.update(regions=["eu-west", "EU West"]), "regions[1]", "lower-case"),
        (lambda d: d.update(regions=["a:b"]), "regions[0]", "lower-case"),
        (lambda d: d.update(regions=["x", "x"]), "regions", "duplicate"),
        (lambda d: d.update(regions={"prefix": "r", "count": 0}), "regions.count", "≥ 1"),
        (lambda d: d.update(regions={"prefix": "r", "size": 3}), "regions.size", "unknown"),
        (lambda d: d.update(types="premium"), "types", "list"),
        (lambda d: d.update(format="v2"), "format", "flowmarket-catalogue/1"),
        (lambda d: d.update(name=""), "name", "non-empty"),
        (lambda d: d.update(colour="red"), "colour", "unknown field"),
        (lambda d: d.update(horizons=7), "horizons", "object"),
        (lambda d: d["horizons"].update(hourly_days=0), "horizons.hourly_days", "≥ 1"),
        (lambda d: d["horizons"].update(monthly_months=-1), "horizons.monthly_months", "≥ 0"),
        (lambda d: d["horizons"].update(annual_years=1.5), "horizons.annual_years", "integer"),
        (lambda d: d["horizons"].update(hourly_day=7), "horizons.hourly_day", "unknown"),
    ],
)
def test_rejects_a_bad_spec_naming_the_field(change: Any, field: str, reason: str) -> None:
    doc = _demo()
    change(doc)
    with pytest.raises(FieldError, match=reason) as info:
        parse_spec(doc)
    assert info.value.field == field


def test_a_spec_file_error_names_the_file_and_the_field(tmp_path: Path) -> None:
    doc = _demo()
    doc["horizons"]["hourly_days"] = "seven"
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(FieldError) as info:
        load_spec(path)
    assert str(path) in info.value.field and "horizons.hourly_days" in info.value.field
    path.write_text("{not json")
    with pytest.raises(InvalidInput, match="not JSON"):
        load_spec(path)
    with pytest.raises(InvalidInput, match="cannot read"):
        load_spec(tmp_path / "missing.json")


def test_a_written_out_spec_loads_back_unchanged(tmp_path: Path) -> None:
    spec = load_spec("production")
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(spec_document(spec)))
    assert load_spec(path) == spec


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("spot:eu-west:premium:2026-11-22T14", "kind must be"),
        ("rt:eu-west:premium", "4 ':' parts"),
        ("rt:EU:premium:2026-11-22T14", "bad region"),
        ("rt:eu-west:premium:2026-11-22 14", "YYYY-MM-DDTHH"),
        ("rt:eu-west:premium:2026-02-30T14", "not a valid UTC hour"),
        ("fwd-m:eu-west:premium:2026-13:09:wd", "month must be"),
        ("fwd-m:eu-west:premium:2026-12:24:wd", "hour of day"),
        ("fwd-y:eu-west:premium:2027:09:holiday", "day type"),
        ("fwd-y:eu-west:premium:27:09:wd", "YYYY"),
    ],
)
def test_rejects_a_malformed_product_name_saying_which_part(name: str, reason: str) -> None:
    with pytest.raises(FieldError, match=reason):
        parse_name(name)
