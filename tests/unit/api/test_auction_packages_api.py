"""The expansion auction through the HTTP API: sealed signed packages, 4xx naming the
field, the hand-computed Y-network result (tests/unit/auctions) once the window closes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auction_harness import auction_api, wallets

WAD = 10**18
Y: dict[str, Any] = {
    "format": "flowmarket-expansion-auction/1",
    "name": "y-net",
    "seller": "0x00000000000000000000000000000000000000aa",
    "start_hour": 500_100,
    "bid_seconds": 600,
    "legs": [
        {"name": "A", "from": "slope", "to": "hub",
         "alternatives": [{"capacity": 100, "cost": 3000}, {"capacity": 200, "cost": 5000}]},
        {"name": "B", "from": "hub", "to": "chicago",
         "alternatives": [{"capacity": 60, "cost": 1200}, {"capacity": 120, "cost": 2000}]},
        {"name": "C", "from": "hub", "to": "anchorage",
         "alternatives": [{"capacity": 40, "cost": 600}, {"capacity": 80, "cost": 1000}]},
    ],
}  # fmt: skip
PACKAGES = [
    (2400, {"A": 40, "C": 40}),
    (1500, {"A": 30, "C": 30}),
    (4200, {"A": 60, "B": 60}),
    (3000, {"A": 50, "B": 50}),
    (900, {"A": 20, "B": 20}),
    (3100, {"A": 30, "B": 20, "C": 10}),
]
BIDDERS = wallets(6)


def test_sealed_packages_through_the_api_give_the_hand_computed_y_network(tmp_path: Path) -> None:
    with auction_api(tmp_path, []) as api:
        api.create_and_open(Y)
        bad = api.package(BIDDERS[0], "y-net", 100, {"D": 10})
        assert (bad.status_code, bad.json()["field"]) == (422, "bid.capacities.D")
        bad = api.package(BIDDERS[0], "y-net", 100, {"A": 250})
        assert (bad.status_code, bad.json()["field"]) == (422, "bid.capacities.A")
        for wallet, (amount, legs) in zip(BIDDERS, PACKAGES, strict=True):
            response = api.package(wallet, "y-net", amount, legs)
            assert response.status_code == 200, response.text
        assert api.client.get("/v1/auctions/y-net/bids").status_code == 404  # sealed
        api.close_round("y-net")
        late = api.package(BIDDERS[0], "y-net", 2500, {"A": 40, "C": 40}, revision=1)
        assert (late.status_code, late.json()["field"]) == (409, "bid.auction")
        result = api.client.get("/v1/auctions/y-net/results").json()["result"]
        assert len(api.client.get("/v1/auctions/y-net/bids").json()) == 6
    assert [(leg["leg"], leg["alternative"]) for leg in result["legs"]] == [
        ("A", 1), ("B", 1), ("C", 1),
    ]  # fmt: skip
    paid = {a["bidder"]: int(a["payment"]) * 10 // WAD for a in result["awards"]}
    expected = {
        BIDDERS[k].address: tenths for k, tenths in ((0, 17500), (1, 13125), (2, 33750), (5, 15625))
    }
    assert paid == expected
    assert int(result["total_payments"]) == 8000 * WAD and int(result["surplus"]) == 3200 * WAD
    assert result["in_the_money"] == [BIDDERS[3].address]
    assert result["capacity_additions"] == [
        {"link": "A", "from": "slope", "to": "hub", "capacity": 200.0, "from_hour": 500_100},
        {"link": "B", "from": "hub", "to": "chicago", "capacity": 120.0, "from_hour": 500_100},
        {"link": "C", "from": "hub", "to": "anchorage", "capacity": 80.0, "from_hour": 500_100},
    ]
