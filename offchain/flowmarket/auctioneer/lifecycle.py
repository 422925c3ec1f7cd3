"""Create, open and close auctions over the database (the auctioneer's side).

- create: a spec document (kind by its `format`) whose clock products are in the
  catalogue; status `scheduled`.
- open: a clock auction's round 1 opens (reserve prices up one increment) for
  `round_seconds`; an expansion auction's sealed window opens for `bid_seconds`.
- close_round: once the open round's window has passed, the round is played on its
  stored bids (`auctions.clock_run.play_round`, the step a verifier's replay takes
  for every round), its outcome is stored and the next round opens, or the result is
  stored and the auction has `ended`. An expansion auction's single window closes
  into its result.

Each step is one database transaction that locks the auction row, so two auctioneers
(or a retry after a crash) cannot close a round twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.auctioneer.documents import (
    clock_result_json,
    clock_spec,
    expansion_result_json,
    expansion_spec,
    outcome_json,
    parse_spec,
    round_state,
    spec_kind,
    stored_clock_bid,
    stored_package,
    strings,
)
from flowmarket.auctions.clock_rounds import first_round
from flowmarket.auctions.clock_run import effective_bids, play_round
from flowmarket.auctions.clock_spec import ClockSpec
from flowmarket.auctions.expansion_run import run_expansion
from flowmarket.db import auction_repo, orders_repo
from flowmarket.db.auction_tables import Auction, AuctionRound
from flowmarket.errors import Conflict, FieldError, MarketError
from flowmarket.states import AuctionKind, AuctionStatus


def create(engine: Engine, doc: Any, *, now: float) -> Auction:
    """Store a new auction from its spec document (FieldError names a bad field)."""
    kind = spec_kind(doc)
    spec = parse_spec(doc)
    with Session(engine, expire_on_commit=False) as session:
        if isinstance(spec, ClockSpec):
            known = orders_repo.product_names(session)
            for k, product in enumerate(spec.products):
                if product.name not in known:
                    raise FieldError(f"products[{k}].name", "not a product of the catalogue")
        return auction_repo.create_auction(
            session,
            name=spec.name,
            kind=kind.value,
            status=AuctionStatus.SCHEDULED.value,
            spec=doc,
            now=now,
        )


def open_auction(engine: Engine, name: str, *, now: float) -> Auction:
    """Open bidding: round 1 of a clock auction, or the sealed window of an expansion."""
    with Session(engine, expire_on_commit=False) as session:
        auction = auction_repo.get_auction(session, name=name, lock=True)
        _require(auction, AuctionStatus.SCHEDULED)
        if auction.kind == AuctionKind.CLOCK:
            spec = clock_spec(auction.spec)
            state = first_round(spec)
            session.add(_round_row(name, state.number, state.start, state.end, now, spec))
        else:
            auction.bids_close_at = now + expansion_spec(auction.spec).bid_seconds
        auction.status = AuctionStatus.BIDDING.value
        auction.opened_at = now
        session.add(auction)
        session.commit()
        return auction


def close_round(engine: Engine, name: str, *, now: float) -> Auction:
    """Close the open clock round (or the expansion window) once its time has passed."""
    with Session(engine, expire_on_commit=False) as session:
        auction = auction_repo.get_auction(session, name=name, lock=True)
        _require(auction, AuctionStatus.BIDDING)
        if auction.kind == AuctionKind.CLOCK:
            _close_clock_round(session, auction, now)
        else:
            _close_expansion(session, auction, now)
        session.add(auction)
        session.commit()
        return auction


def _close_clock_round(session: Session, auction: Auction, now: float) -> None:
    """Play the open round on its stored bids (its rules, the bidders' eligibility from
    the round before); store its outcome, then the next round or the result."""
    spec = clock_spec(auction.spec)
    current = auction_repo.open_round(session, auction=auction.name, lock=True)
    if current is None:
        raise MarketError(f"auction {auction.name}: bidding but no open round")
    if now < current.closes_at:
        raise Conflict(
            "round", f"round {current.number} closes at {current.closes_at:.0f}; now is {now:.0f}"
        )
    rows = auction_repo.bids(session, auction=auction.name, round_=current.number)
    earlier = auction_repo.bids(session, auction=auction.name, round_=current.number - 1)
    digests = {(r.bidder, r.round, r.revision): bytes.fromhex(r.bid_hash[2:]) for r in rows}
    outcome, result = play_round(
        spec,
        round_state(current.number, current.start, current.end),
        effective_bids(stored_clock_bid(r.message) for r in rows),
        effective_bids(stored_clock_bid(r.message) for r in earlier) if earlier else None,
        lambda b: digests[(b.bidder, b.round, b.revision)],
    )
    current.outcome, current.closed_at = outcome_json(outcome), now
    session.add(current)
    if outcome.next is not None:
        state = outcome.next
        session.add(_round_row(auction.name, state.number, state.start, state.end, now, spec))
        return
    if result is None:
        raise MarketError(f"auction {auction.name}: the final round produced no result")
    auction.result = clock_result_json(result)
    auction.status = AuctionStatus.ENDED.value


def _close_expansion(session: Session, auction: Auction, now: float) -> None:
    spec = expansion_spec(auction.spec)
    if auction.bids_close_at is None or now < auction.bids_close_at:
        raise Conflict("round", f"the sealed window closes at {auction.bids_close_at}")
    packages = [stored_package(r.message) for r in auction_repo.bids(session, auction=spec.name)]
    auction.result = expansion_result_json(spec, run_expansion(spec, packages))
    auction.status = AuctionStatus.ENDED.value


def _round_row(
    name: str,
    number: int,
    start: Any,
    end: Any,
    now: float,
    spec: ClockSpec,
) -> AuctionRound:
    return AuctionRound(
        auction=name,
        number=number,
        start=strings(start),
        end=strings(end),
        opens_at=now,
        closes_at=now + spec.round_seconds,
    )


def _require(auction: Auction, status: AuctionStatus) -> None:
    if auction.status != status:
        raise Conflict("status", f"auction {auction.name} is {auction.status}, not {status}")
