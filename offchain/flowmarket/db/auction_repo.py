"""Repository functions of the primary auctions (tables in `auction_tables`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from flowmarket.db.auction_tables import Auction, AuctionBid, AuctionCredit, AuctionRound
from flowmarket.db.results_repo import add_quantities
from flowmarket.errors import Conflict, NotFound


def create_auction(
    session: Session, *, name: str, kind: str, status: str, spec: dict[str, Any], now: float
) -> Auction:
    if session.get(Auction, name) is not None:
        raise Conflict("name", f"an auction named {name!r} exists already")
    row = Auction(name=name, kind=kind, status=status, spec=spec, created_at=now)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def get_auction(session: Session, *, name: str, lock: bool = False) -> Auction:
    """The auction, or NotFound; `lock` takes a row lock (PostgreSQL) for an update."""
    query = select(Auction).where(Auction.name == name)
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"auction: no auction named {name!r}")
    return row


def list_auctions(session: Session) -> list[Auction]:
    return list(session.exec(select(Auction).order_by(col(Auction.created_at), col(Auction.name))))


def rounds(session: Session, *, auction: str) -> list[AuctionRound]:
    query = (
        select(AuctionRound)
        .where(AuctionRound.auction == auction)
        .order_by(col(AuctionRound.number))
    )
    return list(session.exec(query))


def open_round(session: Session, *, auction: str, lock: bool = False) -> AuctionRound | None:
    """The round still taking bids (not closed), if any."""
    query = select(AuctionRound).where(
        AuctionRound.auction == auction, col(AuctionRound.closed_at).is_(None)
    )
    return session.exec(query.with_for_update() if lock else query).first()


def bids(session: Session, *, auction: str, round_: int | None = None) -> list[AuctionBid]:
    """Accepted bids in (round, bidder, revision) order; one round's with `round_`."""
    query = select(AuctionBid).where(AuctionBid.auction == auction)
    if round_ is not None:
        query = query.where(AuctionBid.round == round_)
    order = (col(AuctionBid.round), col(AuctionBid.bidder), col(AuctionBid.revision))
    return list(session.exec(query.order_by(*order)))


def bidder_bids(session: Session, *, auction: str, bidder: str) -> list[AuctionBid]:
    query = select(AuctionBid).where(AuctionBid.auction == auction, AuctionBid.bidder == bidder)
    return list(session.exec(query.order_by(col(AuctionBid.round), col(AuctionBid.revision))))


def add_bid(session: Session, *, bid: AuctionBid) -> tuple[AuctionBid, bool]:
    """Store `bid` (the caller commits); (stored bid, duplicate). The same signed bid again
    is a duplicate; a revision not above the bidder's last in the round is a Conflict."""
    held = session.get(AuctionBid, bid.bid_hash)
    if held is not None:
        return held, True
    query = select(AuctionBid.revision).where(
        AuctionBid.auction == bid.auction,
        AuctionBid.round == bid.round,
        AuctionBid.bidder == bid.bidder,
    )
    revisions = list(session.exec(query))
    if revisions and bid.revision <= max(revisions):
        raise Conflict(
            "bid.revision",
            f"revision {bid.revision} is not above this bidder's last one ({max(revisions)}) "
            f"in round {bid.round}",
        )
    session.add(bid)
    return bid, False


def credits(session: Session, *, auction: str) -> dict[str, AuctionCredit]:
    query = select(AuctionCredit).where(AuctionCredit.auction == auction)
    return {row.bidder: row for row in session.exec(query)}


def credit_award(
    session: Session,
    *,
    auction: str,
    bidder: str,
    seller: str,
    quantities: Mapping[str, float],
    hour: int,
    now: float,
) -> None:
    """Record the credit and move `quantities` (GB per product) from the seller's
    positions to the winner's, in the caller's transaction."""
    session.add(
        AuctionCredit(
            auction=auction, bidder=bidder, quantities=dict(quantities), hour=hour, credited_at=now
        )
    )
    session.flush()
    add_quantities(
        session,
        hour=hour,
        deltas=[(bidder, quantities), (seller, {p: -q for p, q in quantities.items()})],
    )
