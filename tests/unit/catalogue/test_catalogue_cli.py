"""`flowmarket catalogue` lists and counts products."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowmarket.cli.main import main


def test_catalogue_command_lists_the_demo_products_at_an_hour(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["catalogue", "--hour", "2026-11-22T14"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# catalogue demo at 2026-11-22T14")
    assert len(lines) == 1 + 2016
    assert lines[1] == "rt:eu-west:premium:2026-11-22T14"


def test_catalogue_command_counts_production_and_prints_table_rows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["catalogue", "--spec", "production", "--count"]) == 0
    assert capsys.readouterr().out.strip() == "2304000"
    assert main(["catalogue", "--hour", "498710", "--region", "asia-east", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3 * 168
    assert {r["region"] for r in rows} == {"asia-east"}


def test_catalogue_command_rejects_an_unknown_region_with_exit_code_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["catalogue", "--region", "mars"]) == 2
    assert "region: 'mars' is not in catalogue 'demo'" in capsys.readouterr().err


def test_catalogue_file_loads_into_the_api_products_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlmodel import Session, select

    from flowmarket.backend.serve import load_catalogue, open_database
    from flowmarket.db.models import Product

    out = tmp_path / "products.json"
    assert main(["catalogue", "--hour", "2026-11-22T14", "--out", str(out)]) == 0
    assert "wrote 2016 products" in capsys.readouterr().out
    engine = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert load_catalogue(engine, out) == 2016
    with Session(engine) as session:
        row = session.exec(
            select(Product).where(Product.name == "rt:us-east:fast:2026-11-22T14")
        ).one()
    assert (row.kind, row.region, row.active) == ("real-time", "us-east", True)
    assert row.description.startswith("fast capacity in us-east, 2026-11-22 14:00 UTC")
