"""A 100-bidder, 20-product clock auction through the API, replayed from what it publishes.

One hundred wallets bid every round (straightforward bidders, `auctions.bidders`),
signed, through `POST /v1/auctions/{name}/bids`; the auctioneer closes each round when
its window ends. Afterwards anyone holding the published record (`GET` spec, rounds,
bids, results) re-derives every round's state and the result from the signed bids
alone (`auctioneer.replay`); a single altered bid or round record is detected.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from api_harness import DOMAIN
from auction_harness import AuctionApi, auction_api, wallets

from flowmarket.auctioneer.documents import round_state
from flowmarket.auctioneer.replay import replay_published
from flowmarket.auctions.bidders import ValueBidder
from flowmarket.auctions.clock_bids import ClockBid, activity
from flowmarket.auctions.clock_spec import parse_clock_spec
from flowmarket.auctions.synthetic import synthetic_clock

PRODUCTS = [f"fwd-q:{region}:q{q}" for region in ("eu", "us", "ap", "af") for q in range(1, 6)]
BIDDERS = wallets(100)
SELLER = "0x00000000000000000000000000000000000000aa"


def to_tokens(bid: ClockBid) -> dict[str, list[list[float]]]:
    return {p: [[x / 10**18, q / 10**18] for x, q in pts] for p, pts in bid.demand.items()}


def run_auction(api: AuctionApi, doc: dict[str, Any], population: list[ValueBidder]) -> int:
    spec = parse_clock_spec(doc)
    keys = {w.address: w for w in BIDDERS}
    previous: dict[str, ClockBid] = {}
    posted = 0
    while True:
        auction = api.client.get(f"/v1/auctions/{spec.name}").json()
        if auction["status"] != "bidding":
            return posted
        open_round = auction["open_round"]
        state = round_state(open_round["round"], open_round["start"], open_round["end"])
        current = {}
        for bidder in population:
            allowed = (
                None
                if state.number == 1
                else activity(spec, previous.get(bidder.bidder), state.start)
            )
            bid = bidder.bid(spec, state, allowed)
            response = api.bid(keys[bidder.bidder], spec.name, state.number, to_tokens(bid))
            assert response.status_code == 200, response.text
            current[bidder.bidder] = bid
            posted += 1
        previous = current
        api.close_round(spec.name)


def test_every_round_of_a_large_auction_is_rederived_from_the_published_signed_bids(
    tmp_path: Path,
) -> None:
    doc, population = synthetic_clock(
        PRODUCTS, [w.address for w in BIDDERS], seller=SELLER, seed=11, name="release-q"
    )
    with auction_api(tmp_path, PRODUCTS) as api:
        api.create_and_open(doc)
        posted = run_auction(api, doc, population)
        spec_doc = api.client.get("/v1/auctions/release-q").json()["spec"]
        rounds = api.client.get("/v1/auctions/release-q/rounds").json()
        bids = api.client.get("/v1/auctions/release-q/bids").json()
        result = api.client.get("/v1/auctions/release-q/results").json()["result"]
    assert len(rounds) >= 10 and posted == 100 * len(rounds) == len(bids)
    assert len(result["awards"]) >= 20
    report = replay_published(spec_doc, rounds, bids, result, DOMAIN)
    assert report.mismatches == []
    assert (report.rounds, report.bids) == (len(rounds), len(bids))

    tampered = copy.deepcopy(bids)
    point = next(b for b in tampered if b["round"] == 3 and b["message"]["demand"])
    product = next(iter(point["message"]["demand"]))
    point["message"]["demand"][product][0][1] += 1
    assert any(
        "digests to" in m
        for m in replay_published(spec_doc, rounds, tampered, result, DOMAIN).mismatches
    )

    rewritten = copy.deepcopy(rounds)
    first = next(iter(rewritten[4]["outcome"]["products"].values()))
    first["demand_at_end"] = str(int(first["demand_at_end"]) + 10**18)
    assert replay_published(spec_doc, rewritten, bids, result, DOMAIN).mismatches == [
        "round 5: the published record differs"
    ]
