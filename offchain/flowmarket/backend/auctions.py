"""The auction routes' storage backend over `db`: rows in, response models out.

Bids are stored under a lock on the auction row, re-checking that their round (or the
sealed window) is still open at the time they arrived; the auctioneer closes a round
under the same lock (`auctioneer.lifecycle`), so a bid is either in the round's replay
or refused as late, never lost in between.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.api.auction_backend import ClockIntake, ExpansionIntake, VerifiedBid
from flowmarket.api.auction_schemas import (
    AuctionBidOut,
    AuctionOut,
    CommitmentOut,
    MyAuctionOut,
    ResultOut,
    RoundOut,
)
from flowmarket.auctioneer.documents import (
    clock_spec,
    expansion_spec,
    round_state,
    stored_clock_bid,
    strings,
)
from flowmarket.auctioneer.onchain import awards_tree
from flowmarket.auctions.clock_bids import Eligibility, RoundState, activity
from flowmarket.auctions.clock_run import effective_bids
from flowmarket.auctions.clock_spec import ClockSpec
from flowmarket.db import auction_repo
from flowmarket.db.auction_tables import Auction, AuctionBid, AuctionRound
from flowmarket.errors import Conflict, FieldError, NotFound
from flowmarket.states import AuctionKind, AuctionStatus

PUBLIC = (AuctionStatus.ENDED, AuctionStatus.COMMITTED)


def bid_out(row: AuctionBid) -> AuctionBidOut:
    return AuctionBidOut.model_validate(row, from_attributes=True)


def round_out(row: AuctionRound) -> RoundOut:
    return RoundOut(
        round=row.number,
        start=row.start,
        end=row.end,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        closed_at=row.closed_at,
        outcome=row.outcome,
    )


class SqlAuctions:
    """`api.auction_backend.AuctionBackend` over a database engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def auctions(self) -> list[AuctionOut]:
        with self._session() as session:
            return [self._out(session, row) for row in auction_repo.list_auctions(session)]

    def auction(self, name: str) -> AuctionOut:
        with self._session() as session:
            return self._out(session, auction_repo.get_auction(session, name=name))

    def _out(self, session: Session, row: Auction) -> AuctionOut:
        current = auction_repo.open_round(session, auction=row.name)
        return AuctionOut(
            name=row.name,
            kind=row.kind,
            status=row.status,
            spec=row.spec,
            created_at=row.created_at,
            opened_at=row.opened_at,
            bids_close_at=row.bids_close_at,
            open_round=None if current is None else round_out(current),
        )

    def clock_intake(self, name: str, bidder: str, now: float) -> ClockIntake:
        with self._session() as session:
            auction = auction_repo.get_auction(session, name=name)
            if auction.kind != AuctionKind.CLOCK:
                raise FieldError("bid", f"{name} is an expansion auction: send package bids")
            current = self._bidding_round(session, auction)
            state = round_state(current.number, current.start, current.end)
            spec = clock_spec(auction.spec)
            allowed = self._eligibility(session, spec, bidder, state)
            return ClockIntake(spec, state, current.closes_at, allowed)

    def _bidding_round(self, session: Session, auction: Auction) -> AuctionRound:
        current = auction_repo.open_round(session, auction=auction.name)
        if auction.status != AuctionStatus.BIDDING or current is None:
            when = "not open yet" if auction.status == AuctionStatus.SCHEDULED else "late"
            raise Conflict(
                "bid.round", f"{when}: auction {auction.name} is {auction.status}, no round is open"
            )
        return current

    def _eligibility(
        self, session: Session, spec: ClockSpec, bidder: str, state: RoundState
    ) -> Eligibility:
        """The bidder's activity in each group under its previous-round bid, at this
        round's start prices (None in round 1: unconstrained)."""
        if state.number == 1:
            return None
        rows = auction_repo.bids(session, auction=spec.name, round_=state.number - 1)
        mine = [stored_clock_bid(r.message) for r in rows if r.bidder.lower() == bidder.lower()]
        if not mine:
            return {}
        previous = next(iter(effective_bids(mine).values()))
        return activity(spec, previous, state.start)

    def expansion_intake(self, name: str, now: float) -> ExpansionIntake:
        with self._session() as session:
            auction = auction_repo.get_auction(session, name=name)
            if auction.kind != AuctionKind.EXPANSION:
                raise FieldError("bid", f"{name} is a clock auction: send round bids")
            if auction.status != AuctionStatus.BIDDING or auction.bids_close_at is None:
                raise Conflict(
                    "bid.auction", f"auction {name} is {auction.status}: not taking bids"
                )
            return ExpansionIntake(expansion_spec(auction.spec), auction.bids_close_at)

    def store_bid(
        self, bid: VerifiedBid, *, received_at: float, receipt_signature: str
    ) -> tuple[AuctionBidOut, bool]:
        with self._session() as session:
            auction = auction_repo.get_auction(session, name=bid.auction, lock=True)
            held = session.get(AuctionBid, bid.bid_hash)
            if held is not None:
                return bid_out(held), True
            if auction.kind == AuctionKind.CLOCK:
                current = self._bidding_round(session, auction)
                if current.number != bid.round or received_at >= current.closes_at:
                    raise Conflict("bid.round", f"late: round {bid.round} closed before this bid")
            elif auction.bids_close_at is None or received_at >= auction.bids_close_at:
                raise Conflict("bid.auction", "late: the sealed window closed before this bid")
            row = AuctionBid(
                bid_hash=bid.bid_hash,
                auction=bid.auction,
                round=bid.round,
                bidder=bid.bidder,
                revision=bid.revision,
                message=dict(bid.message),
                signature=bid.signature,
                receipt_signature=receipt_signature,
                received_at=received_at,
            )
            stored, duplicate = auction_repo.add_bid(session, bid=row)
            session.commit()
            return bid_out(stored), duplicate

    def rounds(self, name: str) -> list[RoundOut]:
        with self._session() as session:
            auction_repo.get_auction(session, name=name)
            return [round_out(r) for r in auction_repo.rounds(session, auction=name)]

    def results(self, name: str) -> ResultOut:
        with self._session() as session:
            auction = auction_repo.get_auction(session, name=name)
            if auction.status not in PUBLIC or auction.result is None:
                raise NotFound(f"results: auction {name} is {auction.status}; no results yet")
            commitment, proofs = None, {}
            if (
                auction.status == AuctionStatus.COMMITTED
                and auction.awards_root
                and auction.bids_root
            ):
                commitment = CommitmentOut(
                    awards_root=auction.awards_root,
                    bids_root=auction.bids_root,
                    pay_deadline=auction.pay_deadline or 0,
                    commit_tx_hash=auction.commit_tx_hash,
                    committed_at=auction.committed_at,
                )
                tree = awards_tree(name, auction.result)
                proofs = {b: ["0x" + p.hex() for p in proof] for b, proof in tree.proofs().items()}
            credited = sorted(auction_repo.credits(session, auction=name))
            return ResultOut(
                name=name, kind=auction.kind, status=auction.status, result=auction.result,
                commitment=commitment, proofs=proofs, credited=credited,
            )  # fmt: skip

    def published_bids(self, name: str) -> list[AuctionBidOut]:
        with self._session() as session:
            auction = auction_repo.get_auction(session, name=name)
            if auction.status not in PUBLIC:
                raise NotFound(
                    f"bids: auction {name} is {auction.status}; bids are sealed until it ends"
                )
            return [bid_out(r) for r in auction_repo.bids(session, auction=name)]

    def mine(self, name: str, bidder: str) -> MyAuctionOut:
        with self._session() as session:
            auction = auction_repo.get_auction(session, name=name)
            current = auction_repo.open_round(session, auction=name)
            eligibility: dict[str, str] | None = None
            if auction.kind == AuctionKind.CLOCK and current is not None:
                state = round_state(current.number, current.start, current.end)
                allowed = self._eligibility(session, clock_spec(auction.spec), bidder, state)
                eligibility = None if allowed is None else strings(allowed)
            rows = auction_repo.bidder_bids(session, auction=name, bidder=bidder)
            return MyAuctionOut(
                name=name, bidder=bidder, open_round=None if current is None else current.number,
                eligibility=eligibility, bids=[bid_out(r) for r in rows],
            )  # fmt: skip
