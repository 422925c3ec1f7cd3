"""Auction storage on SQLite and PostgreSQL: the lifecycle, bid revisions, credits to
positions (once), and late bids refused under the auction row's lock."""

from __future__ import annotations

import json

import pytest
from eth_utils.crypto import keccak
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from flowmarket.api.auction_backend import VerifiedBid
from flowmarket.auctioneer import lifecycle
from flowmarket.auctions.clock_bids import ClockBid
from flowmarket.backend.auctions import SqlAuctions
from flowmarket.db import auction_repo, orders_repo, results_repo
from flowmarket.db.models import Product
from flowmarket.errors import Conflict
from flowmarket.states import AuctionStatus

WAD = 10**18
SELLER = "0x00000000000000000000000000000000000000Aa"
ALICE = "0x0000000000000000000000000000000000000001"
BOB = "0x0000000000000000000000000000000000000002"
SPEC = {
    "format": "flowmarket-clock-auction/1",
    "name": "store",
    "seller": SELLER,
    "lot": 1,
    "tick": 1,
    "round_seconds": 60,
    "products": [{"name": "P", "group": "g", "reserve": 5, "supply": 3}],
}


def verified(bidder: str, round_: int, points: list[list[int]], revision: int = 0) -> VerifiedBid:
    message = {"bidder": bidder, "auction": "store", "round": round_, "revision": revision,
               "demand": {"P": points}}  # fmt: skip
    demand = {"P": tuple((p * WAD, q * WAD) for p, q in points)}
    return VerifiedBid(
        bid_hash="0x" + keccak(text=json.dumps(message, sort_keys=True)).hex(),
        auction="store", round=round_, bidder=bidder, revision=revision, message=message,
        signature="0x" + "11" * 65, parsed=ClockBid(bidder, "store", round_, revision, demand),
    )  # fmt: skip


def test_a_clock_auction_runs_and_credits_positions_once(engine: Engine) -> None:
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name="P")])
    lifecycle.create(engine, SPEC, now=1000.0)
    lifecycle.open_auction(engine, "store", now=1000.0)
    store = SqlAuctions(engine)
    store.store_bid(
        verified(ALICE, 1, [[5, 2]]), received_at=1001.0, receipt_signature="0x" + "22" * 65
    )
    store.store_bid(
        verified(BOB, 1, [[5, 2], [6, 1]]), received_at=1002.0, receipt_signature="0x" + "22" * 65
    )
    _, duplicate = store.store_bid(
        verified(BOB, 1, [[5, 2], [6, 1]]), received_at=1003.0, receipt_signature="0x" + "22" * 65
    )
    assert duplicate
    with pytest.raises(Conflict, match="revision 0 is not above"):
        store.store_bid(
            verified(BOB, 1, [[5, 1]]), received_at=1003.0, receipt_signature="0x" + "22" * 65
        )
    store.store_bid(
        verified(BOB, 1, [[5, 3], [6, 1]], revision=1),
        received_at=1004.0,
        receipt_signature="0x" + "22" * 65,
    )
    with pytest.raises(Conflict, match="late"):
        store.store_bid(
            verified(ALICE, 1, [[5, 1]], revision=1),
            received_at=1060.0,
            receipt_signature="0x" + "22" * 65,
        )
    auction = lifecycle.close_round(engine, "store", now=1060.0)
    # D(6) = 2 + 1 = 3 ≤ 3, D(5) = 5 > 3: p* = 6; alice 2, bob 1.
    assert auction.status == AuctionStatus.ENDED
    assert auction.result is not None and auction.result["prices"] == {"P": str(6 * WAD)}
    with Session(engine) as session:
        auction_repo.credit_award(
            session,
            auction="store",
            bidder=ALICE,
            seller=SELLER,
            quantities={"P": 2.0},
            hour=7,
            now=1.0,
        )
        session.commit()
        positions = {
            p.participant: p.quantity for p in results_repo.positions(session, participant=ALICE)
        }
        seller = results_repo.positions(session, participant=SELLER)
        assert positions == {ALICE: 2.0} and [
            (p.product, p.quantity, p.updated_hour) for p in seller
        ] == [("P", -2.0, 7)]
    with (
        Session(engine) as session,
        pytest.raises(IntegrityError),
    ):  # the primary key refuses a second credit
        auction_repo.credit_award(
            session,
            auction="store",
            bidder=ALICE,
            seller=SELLER,
            quantities={"P": 2.0},
            hour=8,
            now=2.0,
        )
        session.commit()
