"""An expansion auction's built capacity is capacity the hourly clearing can use.

The seed's single pipeline (see test_expansion_against_brute_force): north → south
already carries 10 GB/h; alternative 2 (200 GB/h for 1,600 tokens) is built for bids
of 190 GB/h, from hour 500,100 on. The hour's book: a seller at north offers 10(p − 1)
GB/h (curve (−500, 51) … (0, 1)), a buyer at south takes 10(50 − p) (curve (0, 50) …
(500, 0)); the pipe has no transport cost.

By hand:
- Unconstrained, both sides meet at 10(p − 1) = 10(50 − p): p = 25.5, 245 GB/h.
- Hour 500,099 (10 GB/h): north 10(p − 1) = 10 → p = 2; south 10(50 − p) = 10 →
  p = 49; the pipe's shadow price is 49 − 2 = 47, its rent 47 × 10 = 470.
- Hour 500,100 (10 + 200 = 210 GB/h, still below 245): north p = 1 + 21 = 22, south
  p = 50 − 21 = 29, shadow price 7, rent 7 × 210 = 1,470.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowmarket.auctioneer.documents import expansion_result_json
from flowmarket.auctions.expansion_network import extend_links
from flowmarket.auctions.expansion_run import run_expansion
from flowmarket.auctions.expansion_spec import PackageBid, parse_expansion_spec
from flowmarket.clearing import clear_document

WAD = 10**18
START = 500_100
SPEC = parse_expansion_spec(
    {
        "format": "flowmarket-expansion-auction/1",
        "name": "pipe-2027",
        "seller": "0x00000000000000000000000000000000000000aa",
        "start_hour": START,
        "bid_seconds": 3600,
        "legs": [
            {
                "name": "pipe",
                "from": "north",
                "to": "south",
                "alternatives": [
                    {"capacity": 100, "cost": 1000},
                    {"capacity": 200, "cost": 1600},
                ],
            }
        ],
    }
)
# (bid in tenths of a token, GB/h): A 14 × 60, B 12 × 40, C 9 × 50, D 8.5 × 40, E 7 × 30
PACKAGES = [(8400, 60), (4800, 40), (4500, 50), (3400, 40), (2100, 30)]
EXISTING = [{"id": "pipe", "from": "north", "to": "south", "capacity": 10.0}]


def packages() -> list[PackageBid]:
    return [
        PackageBid(f"0x{k + 1:040x}", 0, tenths * WAD // 10, {"pipe": gbh * WAD})
        for k, (tenths, gbh) in enumerate(PACKAGES)
    ]


def hour_book(links: list[dict[str, Any]]) -> dict[str, Any]:
    def order(oid: str, who: str, product: str, curve: list[list[float]]) -> dict[str, Any]:
        return {"id": oid, "participant": who, "portfolio": {product: 1.0}, "curve": curve}

    return {
        "orders": [
            order("sell", "sal", "gas@north", [[-500, 51], [0, 1]]),
            order("buy", "bob", "gas@south", [[0, 50], [500, 0]]),
        ],
        "network": {
            "locations": {
                "gas@north": {"node": "north", "commodity": "gas"},
                "gas@south": {"node": "south", "commodity": "gas"},
            },
            "links": links,
        },
    }


def test_built_pipe_capacity_clears_from_the_start_hour_at_the_hand_computed_prices() -> None:
    result = expansion_result_json(SPEC, run_expansion(SPEC, packages()))
    additions = result["capacity_additions"]
    assert additions == [
        {"link": "pipe", "from": "north", "to": "south", "capacity": 200.0, "from_hour": START}
    ]
    expected = {START - 1: (10.0, 2.0, 49.0, 47.0), START: (210.0, 22.0, 29.0, 7.0)}
    for hour, (capacity, north, south, shadow) in expected.items():
        links = extend_links(EXISTING, additions, hour)
        assert links == [{**EXISTING[0], "capacity": capacity}]
        cleared = clear_document(hour_book(links))
        assert cleared["prices"] == pytest.approx(
            {"gas@north": north, "gas@south": south}, abs=1e-7
        )
        pipe = cleared["links"]["pipe"]
        assert pipe["flow"] == pytest.approx(capacity, abs=1e-7)
        assert pipe["shadow_price"] == pytest.approx(shadow, abs=1e-7)
        assert pipe["rent"] == pytest.approx(shadow * capacity, abs=1e-6)
    assert EXISTING[0]["capacity"] == 10.0  # the network data itself is not rewritten
