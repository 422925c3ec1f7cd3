"""`flowmarket db products` loads a catalogue specification (a packaged name or one of
the shipped spec files) as well as a product list, and refuses bad input naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from flowmarket.backend.serve import open_database
from flowmarket.cli.main import main
from flowmarket.db.models import Product

SHIPPED = Path(__file__).resolve().parents[3] / "offchain" / "flowmarket" / "data" / "catalogue"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path))
    return tmp_path


def stored(state: Path) -> dict[str, Product]:
    engine = open_database(f"sqlite:///{state / 'flowmarket.sqlite'}")
    with Session(engine) as session:
        rows = {p.name: p for p in session.exec(select(Product)).all()}
    engine.dispose()
    return rows


def test_a_shipped_spec_file_loads_the_products_of_its_hours(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = SHIPPED / "demo-tiny.json"
    assert main(["db", "products", str(spec), "--hour", "2026-11-22T14", "--hours", "1"]) == 0
    assert "loaded 48 products of catalogue demo-tiny" in capsys.readouterr().out
    rows = stored(state)
    # 2 regions x 1 type x (the real-time product + 23 hourly forwards) = 48
    assert len(rows) == 48
    assert "rt:eu-west:premium:2026-11-22T14" in rows
    assert "fwd-h:us-east:premium:2026-11-23T13" in rows
    assert rows["rt:us-east:premium:2026-11-22T14"].kind == "real-time"


def test_a_packaged_name_loads_every_product_listed_over_the_hours(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "products", "demo-tiny", "--hour", "498710", "--hours", "2"]) == 0
    out = capsys.readouterr().out
    assert "delivery hours 2026-11-22T14 to 2026-11-22T15 UTC" in out
    # the next hour adds, per region, its real-time product and one more forward
    rows = stored(state)
    assert len(rows) == 48 + 2 * 2
    assert {"rt:eu-west:premium:2026-11-22T15", "fwd-h:eu-west:premium:2026-11-23T14"} <= set(rows)


def test_every_shipped_spec_file_is_accepted(state: Path) -> None:
    for spec in sorted(SHIPPED.glob("*.json")):
        if spec.stem == "production":  # 2.3 million products an hour: too many for a unit test
            continue
        assert main(["db", "products", str(spec), "--hours", "1"]) == 0, spec


def test_a_product_list_still_loads_as_it_is(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "products.json"
    listing.write_text(json.dumps({"products": ["fast-us", {"name": "premium-eu"}]}))
    assert main(["db", "products", str(listing)]) == 0
    assert f"loaded 2 products from {listing}" in capsys.readouterr().out
    assert set(stored(state)) == {"fast-us", "premium-eu"}


@pytest.mark.parametrize(
    ("source", "args", "message"),
    [
        (
            "nope",
            [],
            "nope: no such file, and not a packaged catalogue (demo, demo-forward, demo-network",
        ),
        ("demo-tiny", ["--hours", "0"], "hours: must be at least 1, got 0"),
        ("demo-tiny", ["--hour", "yesterday"], "--hour"),
    ],
)
def test_a_bad_source_or_range_is_refused_naming_it_and_loads_nothing(
    state: Path, capsys: pytest.CaptureFixture[str], source: str, args: list[str], message: str
) -> None:
    assert main(["db", "products", source, *args]) == 2
    assert message in capsys.readouterr().err
    assert stored(state) == {}


def test_a_spec_file_with_a_bad_field_is_refused_naming_the_file_and_field(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = json.loads((SHIPPED / "demo-tiny.json").read_text())
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**spec, "horizons": {**spec["horizons"], "hourly_days": -1}}))
    assert main(["db", "products", str(bad), "--hours", "1"]) == 2
    assert f"{bad}: horizons.hourly_days" in capsys.readouterr().err
    assert stored(state) == {}
