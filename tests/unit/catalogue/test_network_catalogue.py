"""The catalogue's network: strict parsing, daily capacities, and the hour's clearing block."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from flowmarket.catalogue import load_spec, parse_spec, spec_document
from flowmarket.catalogue.hours import parse_hour
from flowmarket.catalogue.network import CatalogueNetwork, network_block, parse_network, used_after
from flowmarket.clearing import clear_document
from flowmarket.errors import FieldError

OWNER = "0x00000000000000000000000000000000000000c3"
H07 = parse_hour("2026-12-03T07")


def small() -> CatalogueNetwork:
    return parse_network(
        {"owner": OWNER, "links": [{"from": "a", "to": "b", "capacity": 10, "cost": 0.5}]},
        ["a", "b"],
    )


def test_demo_network_is_a_ring_plus_a_chord_with_links_both_ways() -> None:
    spec = load_spec("demo-network")
    assert spec.network is not None
    pairs = {frozenset((link.source, link.target)) for link in spec.network.links}
    ring = [("eu-west", "eu-central"), ("eu-central", "asia-east"), ("asia-east", "us-east")]
    ring += [("us-east", "eu-west"), ("eu-west", "asia-east")]  # the last: the chord
    assert pairs == {frozenset(p) for p in ring}
    assert len(spec.network.links) == 10  # every pair both ways
    # the document round-trips, network included
    again = parse_spec(spec_document(spec))
    assert again.network == spec.network


def test_capacity_follows_the_daily_pattern_by_utc_hour() -> None:
    spec = load_spec("demo-network")
    assert spec.network is not None
    link = next(x for x in spec.network.links if x.name == "eu-central>asia-east")
    assert link.capacity_at(H07) == pytest.approx(30 * 0.3, abs=1e-12)  # 07 UTC: factor 0.3
    assert link.capacity_at(H07 + 6) == 30.0  # 13 UTC: factor 1


def test_block_links_the_hourly_products_of_one_delivery_hour_and_type_only() -> None:
    products = [
        "rt:a:premium:2026-12-03T07",
        "fwd-h:b:premium:2026-12-03T07",
        "fwd-h:b:premium:2026-12-03T08",
        "fwd-m:a:premium:2027-01:07:wd",  # monthly forwards are on no network
    ]
    block = network_block(small(), products, [H07, H07 + 1], {"a>b@2026-12-03T07": 4.0})
    assert block["locations"] == {
        "rt:a:premium:2026-12-03T07": {"node": "a", "commodity": "premium@2026-12-03T07"},
        "fwd-h:b:premium:2026-12-03T07": {"node": "b", "commodity": "premium@2026-12-03T07"},
        "fwd-h:b:premium:2026-12-03T08": {"node": "b", "commodity": "premium@2026-12-03T08"},
    }
    common = {"from": "a", "to": "b", "cost": 0.5, "owner": OWNER}
    assert block["links"] == [
        {"id": "a>b@2026-12-03T07", "capacity": 6.0, "commodities": ["premium@2026-12-03T07"]}
        | common,  # 10 less the 4 GB/h sold by earlier clearings
        {"id": "a>b@2026-12-03T08", "capacity": 10.0, "commodities": ["premium@2026-12-03T08"]}
        | common,
    ]
    # after a clearing that moved 3 GB/h at 07: 4 + 3 are used of it, none yet at 08
    assert used_after(small(), block, {"a>b@2026-12-03T07": 3.0}) == {
        "a>b@2026-12-03T07": 7.0,
        "a>b@2026-12-03T08": 0.0,
    }


def test_the_block_clears_with_what_is_left_of_the_link_and_pays_its_owner() -> None:
    # seller at a: 5(p − 1) GB/h; buyer at b: 2.5(9 − p); a>b has 6 of its 10 GB/h left at
    # 0.5 tokens/GB. Unconstrained it would carry 12.5, so it is congested at 6:
    # p_a = 1 + 6/5 = 2.2, p_b = 9 − 6/2.5 = 6.6, μ = 6.6 − 2.2 − 0.5 = 3.9, rent 23.4.
    sell, buy = "rt:a:premium:2026-12-03T07", "fwd-h:b:premium:2026-12-03T07"
    doc = {
        "orders": [
            {"id": "s", "participant": "sal", "portfolio": {sell: 1}, "curve": [[-20, 5], [0, 1]]},
            {"id": "b", "participant": "bob", "portfolio": {buy: 1}, "curve": [[0, 9], [20, 1]]},
        ],
        "network": network_block(small(), [sell, buy], [H07], {"a>b@2026-12-03T07": 4.0}),
    }
    result = clear_document(doc)
    assert result["prices"][sell] == pytest.approx(2.2, abs=1e-9)
    assert result["prices"][buy] == pytest.approx(6.6, abs=1e-9)
    link = result["links"]["a>b@2026-12-03T07"]
    assert link["flow"] == pytest.approx(6.0, abs=1e-9)
    assert link["shadow_price"] == pytest.approx(3.9, abs=1e-9)
    assert result["owners"][OWNER]["rent"] == pytest.approx(23.4, abs=1e-9)


def _doc() -> dict[str, Any]:
    return {
        "links": [{"from": "a", "to": "b", "capacity": 10, "cost": 0.5}, {"from": "b", "to": "a"}]
    }


def _edit(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["links"][0][path] = value

    return change


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (_edit("from", "c"), "network.links[0].from", "unknown region"),
        (_edit("to", "a"), "network.links[0]", "two different regions"),
        (_edit("capacity", -1), "network.links[0].capacity", "≥ 0"),
        (_edit("capacity", "8"), "network.links[0].capacity", "finite number"),
        (_edit("daily", [1] * 23), "network.links[0].daily", "24 factors"),
        (_edit("speed", 3), "network.links[0].speed", "unknown field"),
        (_edit("owner", "olga"), "network.links[0].owner", "0x address"),
        (lambda d: d.update(owner="0x12"), "network.owner", "0x address"),
        (lambda d: d.update(nodes=[]), "network.nodes", "unknown field"),
        (lambda d: d["links"].append(dict(d["links"][0])), "network.links", "two links"),
    ],
)
def test_a_bad_network_names_the_field_and_the_reason(
    change: Callable[[dict[str, Any]], None], field: str, reason: str
) -> None:
    doc = _doc()
    doc["links"][1]["capacity"] = 3
    change(doc)
    with pytest.raises(FieldError) as caught:
        parse_network(doc, ["a", "b"])
    assert caught.value.field == field
    assert reason in caught.value.reason
