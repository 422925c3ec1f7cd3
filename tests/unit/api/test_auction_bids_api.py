"""The clock auction through the HTTP API: signed bids, 4xx naming the field for bad
ones, aggregate demand disclosed per round, results and bids published at the end.

The rounds are those of tests/unit/auctions/test_clock_known_answer.py (X, Y, Z, W are
four wallets here); its docstring has the hand computation of prices and awards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auction_harness import AuctionApi, auction_api, wallets

WAD = 10**18
SELLER = "0x00000000000000000000000000000000000000aa"
SPEC: dict[str, Any] = {
    "format": "flowmarket-clock-auction/1",
    "name": "hand",
    "seller": SELLER,
    "lot": 1,
    "tick": 1,
    "round_seconds": 600,
    "increment_bps": 1000,
    "min_increment": 1,
    "products": [
        {"name": "A", "group": "eu", "reserve": 10, "supply": 10},
        {"name": "B", "group": "eu", "reserve": 10, "supply": 10},
        {"name": "C", "group": "us", "reserve": 20, "supply": [[20, 4], [21, 5]]},
    ],
}
X, Y, Z, W = wallets(4)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[AuctionApi]:
    with auction_api(tmp_path, ["A", "B", "C"]) as market:
        market.create_and_open(SPEC)
        yield market


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: Any, status: int, field: str) -> str:
    assert response.status_code == status, response.text
    assert response.json()["field"] == field, response.text
    return str(response.json()["message"])


def round_one(api: AuctionApi) -> None:
    ok(api.bid(X, "hand", 1, {"A": [[10, 8]]}))
    ok(api.bid(Y, "hand", 1, {"A": [[10, 6]], "B": [[10, 4]]}))
    ok(api.bid(Z, "hand", 1, {"B": [[10, 5]], "C": [[20, 3]]}))
    ok(api.bid(W, "hand", 1, {"C": [[20, 4], [21, 2]]}))
    api.close_round("hand")


def test_three_rounds_through_the_api_end_at_the_hand_computed_awards(api: AuctionApi) -> None:
    assert ok(api.client.get("/v1/auctions/hand"))["open_round"]["end"] == {
        "A": str(11 * WAD), "B": str(11 * WAD), "C": str(22 * WAD),
    }  # fmt: skip
    round_one(api)
    msg = refused(api.bid(Y, "hand", 2, {"A": [[11, 6]], "B": [[10, 6]]}), 422, "bid.demand")
    assert "activity rule" in msg and "eligibility of 10" in msg
    ok(api.bid(X, "hand", 2, {"A": [[11, 4], [12, 2]], "B": [[10, 4]]}))
    ok(api.bid(Y, "hand", 2, {"A": [[11, 6], [13, 3]], "B": [[10, 4]]}, revision=1))
    ok(api.bid(Z, "hand", 2, {"B": [[10, 5]], "C": [[21, 3]]}))
    ok(api.bid(W, "hand", 2, {"C": [[21, 2]]}))
    api.close_round("hand")
    ok(api.bid(X, "hand", 3, {"A": [[11, 4]], "B": [[10, 4]]}))
    ok(api.bid(Y, "hand", 3, {"A": [[11, 6]], "B": [[10, 4], [11, 0]]}))
    ok(api.bid(Z, "hand", 3, {"B": [[10, 5]], "C": [[21, 3]]}))
    ok(api.bid(W, "hand", 3, {"C": [[21, 2]]}))
    assert api.client.get("/v1/auctions/hand/results").status_code == 404
    assert api.client.get("/v1/auctions/hand/bids").status_code == 404  # sealed while bidding
    api.close_round("hand")
    rounds = ok(api.client.get("/v1/auctions/hand/rounds"))
    disclosed = [
        {p: int(v["demand_at_end"]) // WAD for p, v in r["outcome"]["products"].items()}
        for r in rounds
    ]
    assert disclosed == [
        {"A": 14, "B": 9, "C": 5},
        {"A": 5, "B": 13, "C": 5},
        {"A": 10, "B": 9, "C": 5},
    ]
    result = ok(api.client.get("/v1/auctions/hand/results"))["result"]
    assert {p: int(v) // WAD for p, v in result["prices"].items()} == {"A": 11, "B": 11, "C": 21}
    awards = {
        a["bidder"]: (
            {p: int(q) // WAD for p, q in a["quantities"].items()},
            int(a["payment"]) // WAD,
        )
        for a in result["awards"]
    }
    assert awards == {
        X.address: ({"A": 4, "B": 4}, 88),
        Y.address: ({"A": 6, "B": 1}, 77),
        Z.address: ({"B": 5, "C": 3}, 118),
        W.address: ({"C": 2}, 42),
    }
    published = ok(api.client.get("/v1/auctions/hand/bids"))
    assert len(published) == 12  # 4 bids a round; the refused bid is not among them


def test_bad_bids_get_a_4xx_naming_the_field(api: AuctionApi) -> None:
    msg = refused(api.bid(X, "hand", 1, {"A": [[10, 8], [11, 9]]}), 422, "bid.demand.A[1][1]")
    assert "non-monotone demand" in msg
    msg = refused(api.bid(X, "hand", 1, {"A": [[10, 8], [10.5, 2]]}), 422, "bid.demand.A[1][0]")
    assert "tick" in msg
    msg = refused(api.bid(X, "hand", 1, {"A": [[10, 8], [12, 2]]}), 422, "bid.demand.A[1][0]")
    assert "outside the round's interval [10, 11]" in msg
    refused(api.bid(X, "hand", 1, {"A": [[9, 8]]}), 422, "bid.demand.A[0][0]")
    refused(api.bid(X, "hand", 1, {"A": [[10, 8.5]]}), 422, "bid.demand.A[0][1]")
    refused(api.bid(X, "hand", 1, {"D": [[10, 1]]}), 422, "bid.demand.D")
    refused(api.bid(X, "hand", 2, {"A": [[10, 8]]}), 422, "bid.round")
    body = api.bid_body(X, "hand", 1, {"A": [[10, 1]]})
    body["bid"]["demand"]["A"][0][1] = -1  # a wallet cannot sign it; the server refuses it
    refused(api.client.post("/v1/auctions/hand/bids", json=body), 422, "bid.demand.A[0][1]")
    body = api.bid_body(X, "hand", 1, {"A": [[10, 8]]})
    body["bid"]["bidder"] = Y.address
    refused(api.client.post("/v1/auctions/hand/bids", json=body), 422, "signature")
    body = api.bid_body(X, "hand", 1, {"A": [[10, 8]]})
    body["bid"]["surprise"] = 1
    refused(api.client.post("/v1/auctions/hand/bids", json=body), 422, "bid.surprise")
    first = ok(api.bid(X, "hand", 1, {"A": [[10, 8]]}, revision=3))
    assert ok(api.bid(X, "hand", 1, {"A": [[10, 8]]}, revision=3))["duplicate"] is True
    assert first["receipt"]["action"] == "auction-bid"
    refused(api.bid(X, "hand", 1, {"A": [[10, 7]]}, revision=2), 409, "bid.revision")
    api.clock.now += 601  # the round's window has passed, the auctioneer has not closed it
    refused(api.bid(Y, "hand", 1, {"A": [[10, 6]]}), 409, "bid.round")
    api.close_round("hand")
    msg = refused(api.bid(Y, "hand", 1, {"A": [[10, 6]]}), 409, "bid.round")
    assert "late" in msg
    refused(api.client.get("/v1/auctions/nope"), 404, None)  # type: ignore[arg-type]


def test_the_auctioneer_cannot_close_a_round_before_its_window_ends(api: AuctionApi) -> None:
    from flowmarket.auctioneer import lifecycle
    from flowmarket.errors import Conflict

    with pytest.raises(Conflict, match="round 1 closes at"):
        lifecycle.close_round(api.engine, "hand", now=api.clock.now)
