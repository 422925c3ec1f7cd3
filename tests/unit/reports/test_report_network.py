"""The report's network section, read from a real oracle journal: one map a day, the link's
use and price, the congestion rent, and the fairness figures."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from flowmarket.backend.serve import open_database
from flowmarket.catalogue.hours import format_hour, parse_hour
from flowmarket.catalogue.network import network_block, parse_network
from flowmarket.clearing import clear_document
from flowmarket.db.oracle_tables import OracleHour
from flowmarket.reports.network import LinkUse, daily_hours, read_network
from flowmarket.reports.network_section import network_section

DAY1 = parse_hour("2026-12-03T07")
DAY2 = DAY1 + 24


def hour_docs(hour: int, capacity: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """(engine document, result) of one hour: seller at a, 5(p − 1) GB/h; buyer at b,
    2.5(9 − p); link a>b of `capacity` GB/h at 0.5 tokens/GB (12.5 GB/h would move)."""
    link = {"from": "a", "to": "b", "capacity": capacity, "cost": 0.5}
    network = parse_network({"links": [link]}, ["a", "b"])
    sell, buy = f"rt:a:premium:{format_hour(hour)}", f"rt:b:premium:{format_hour(hour)}"
    doc = {
        "orders": [
            {"id": "s", "participant": "sal", "portfolio": {sell: 1}, "curve": [[-20, 5], [0, 1]]},
            {"id": "b", "participant": "bob", "portfolio": {buy: 1}, "curve": [[0, 9], [20, 1]]},
        ],
        "network": network_block(network, [sell, buy], [hour], {}),
    }
    return doc, dict(clear_document(doc))


def journal(path: Path) -> Any:
    engine = open_database(f"sqlite:///{path / 'oracle.sqlite'}")
    with Session(engine) as session:
        for hour, capacity in ((DAY1, 6.0), (DAY2, 20.0)):  # congested, then not
            engine_doc, result = hour_docs(hour, capacity)
            session.add(
                OracleHour(
                    hour=hour,
                    step="published",
                    close_time=0.0,
                    fee_bps=10,
                    engine_doc=engine_doc,
                    owners={"s": "sal", "b": "bob"},
                    collateral={},
                    result_doc=result,
                    updated_at=time.time(),
                )
            )
        session.commit()
    return engine


def test_each_hour_shows_its_real_time_link_use_price_and_rent(tmp_path: Path) -> None:
    hours = read_network(journal(tmp_path), [DAY1, DAY2])
    assert [h.hour for h in hours] == [DAY1, DAY2]
    full, free = hours
    (link,) = full.links
    assert (link.name, link.source, link.target) == ("a>b", "a", "b")
    # congested at 6: p_a = 2.2, p_b = 6.6, μ = 3.9, rent 23.4, charge 3
    assert (link.capacity, link.flow, link.utilisation) == pytest.approx((6.0, 6.0, 1.0))
    assert link.price == pytest.approx(3.9, abs=1e-9)
    assert full.prices == pytest.approx({"a": 2.2, "b": 6.6}, abs=1e-9)
    assert (full.rent, full.charge) == pytest.approx((23.4, 3.0), abs=1e-9)
    # 20 GB/h free: 12.5 move, p_b − p_a = 0.5 (p_a = 3.5, p_b = 4), no rent
    assert free.links[0].flow == pytest.approx(12.5, abs=1e-9)
    assert free.links[0].price == 0.0
    assert free.rent == 0.0
    assert free.prices == pytest.approx({"a": 3.5, "b": 4.0}, abs=1e-9)


def test_the_section_draws_a_map_a_day_and_counts_the_congested_hours(tmp_path: Path) -> None:
    engine = journal(tmp_path)
    hours = read_network(engine, [DAY1, DAY2])
    assert daily_hours([DAY1, DAY1 + 1, DAY2]) == [DAY1 + 1, DAY2]
    html = network_section(engine, hours).html()
    assert "2 days; a real-time link is full in 1 of these hours." in html
    assert "Congestion rent 23.4 tokens and transport charges 9.25 tokens over 2 hours" in html
    assert html.count("data:image/") >= 3  # maps, rent and use, price of fairness


def test_a_link_sold_out_by_earlier_clearings_is_drawn_full() -> None:
    sold_out = LinkUse("a>b", "a", "b", capacity=0.0, flow=0.0, price=0.4)
    assert sold_out.utilisation == 1.0
    assert LinkUse("a>b", "a", "b", capacity=8.0, flow=2.0, price=0.0).utilisation == 0.25
