"""Primary capacity auctions: bid (signed), follow the rounds, read results and bids.

A clock auction runs in rounds: `GET /v1/auctions/{name}` shows the open round's
price interval per product and when it closes; a bid is a signed demand schedule per
product over that interval (`POST .../bids`). After a round closes only the aggregate
demand at its end price is disclosed (`GET .../rounds`). An expansion auction takes
sealed package bids (`POST .../packages`). Once an auction has ended its result and
every signed bid are public (`GET .../results`, `GET .../bids`), so anyone can replay it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from flowmarket.api.auction_backend import AuctionBackend, VerifiedBid
from flowmarket.api.auction_intake import verify_clock_bid, verify_package_bid
from flowmarket.api.auction_schemas import (
    AuctionBidAccepted,
    AuctionBidOut,
    AuctionOut,
    MyAuctionOut,
    ResultOut,
    RoundOut,
    SignedClockBidIn,
    SignedPackageBidIn,
)
from flowmarket.api.context import ApiContext, Context, Me
from flowmarket.api.schemas import ErrorOut
from flowmarket.errors import NotFound
from flowmarket.states import ReceiptAction

router = APIRouter(prefix="/v1", tags=["auctions"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 404, 409, 413, 422, 429)
}
NameParam = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


def get_auctions(request: Request) -> AuctionBackend:
    backend: AuctionBackend | None = getattr(request.app.state, "auctions", None)
    if backend is None:
        raise NotFound("auctions: this API serves no auctions")
    return backend


Auctions = Annotated[AuctionBackend, Depends(get_auctions)]


@router.get("/auctions", response_model=list[AuctionOut], responses=ERRORS, summary="Auctions")
def list_auctions(auctions: Auctions) -> list[AuctionOut]:
    """Every auction with its state and, while bidding, its open round."""
    return auctions.auctions()


@router.get("/auctions/{name}", response_model=AuctionOut, responses=ERRORS, summary="An auction")
def get_auction(name: NameParam, auctions: Auctions) -> AuctionOut:
    """The auction's rules (its spec), state and open round (interval, closing time)."""
    return auctions.auction(name)


def _accept(
    context: ApiContext, auctions: AuctionBackend, bid: VerifiedBid, now: float
) -> AuctionBidAccepted:
    context.rate_limiter.check(bid.bidder)
    receipt = context.receipt(
        order_hash=bid.bid_hash,
        participant=bid.bidder,
        nonce=bid.revision,
        action=ReceiptAction.AUCTION_BID,
        recorded_at=int(now),
    )
    stored, duplicate = auctions.store_bid(
        bid, received_at=now, receipt_signature=receipt.signature
    )
    if duplicate:
        receipt = context.receipt(
            order_hash=stored.bid_hash,
            participant=stored.bidder,
            nonce=stored.revision,
            action=ReceiptAction.AUCTION_BID,
            recorded_at=int(stored.received_at),
        )
    return AuctionBidAccepted(bid=stored, receipt=receipt, duplicate=duplicate)


@router.post(
    "/auctions/{name}/bids",
    response_model=AuctionBidAccepted,
    responses=ERRORS,
    summary="Bid in a clock round",
)
def bid_clock_round(
    name: NameParam, body: SignedClockBidIn, context: Context, auctions: Auctions
) -> AuctionBidAccepted:
    """Store a signed `AuctionBid` for the open round.

    4xx naming the field: `bid.round` 409 when late (the round closed) or 422 when not
    the open round; `bid.demand.<product>[k][0]` a price outside the round's interval or
    off the tick; `bid.demand.<product>[k][1]` a quantity off the lot or above the one
    before it (non-monotone demand); `bid.demand` the activity rule (group demand at the
    start prices above the bidder's eligibility); `bid.revision` 409 when not above the
    bidder's last revision this round; `signature`. The same signed bid again returns the
    stored one with `duplicate: true`."""
    now = context.clock()
    intake = auctions.clock_intake(name, body.bid.bidder, now)
    bid = verify_clock_bid(body, name=name, domain=context.domain, intake=intake, now=now)
    return _accept(context, auctions, bid, now)


@router.post(
    "/auctions/{name}/packages",
    response_model=AuctionBidAccepted,
    responses=ERRORS,
    summary="Bid a sealed package (expansion)",
)
def bid_package(
    name: NameParam, body: SignedPackageBidIn, context: Context, auctions: Auctions
) -> AuctionBidAccepted:
    """Store a signed `PackageBid` while the sealed window is open (a later revision
    replaces an earlier one). 409 `bid.auction` when late; 422 `bid.capacities.<leg>`
    for an unknown leg or a capacity above its largest alternative; `bid.amount`."""
    now = context.clock()
    intake = auctions.expansion_intake(name, now)
    bid = verify_package_bid(body, name=name, domain=context.domain, intake=intake, now=now)
    return _accept(context, auctions, bid, now)


@router.get(
    "/auctions/{name}/rounds", response_model=list[RoundOut], responses=ERRORS, summary="Rounds"
)
def auction_rounds(name: NameParam, auctions: Auctions) -> list[RoundOut]:
    """Each round's interval; a closed round's aggregate demand at its end price, the
    supply there, whether demand exceeded supply, and the posted price per product."""
    return auctions.rounds(name)


@router.get(
    "/auctions/{name}/results", response_model=ResultOut, responses=ERRORS, summary="Results"
)
def auction_results(name: NameParam, auctions: Auctions) -> ResultOut:
    """Prices, awards and payments once the auction has ended (404 before); the on-chain
    commitment and each award's Merkle proof once committed."""
    return auctions.results(name)


@router.get(
    "/auctions/{name}/bids",
    response_model=list[AuctionBidOut],
    responses=ERRORS,
    summary="Every signed bid",
)
def auction_bids(name: NameParam, auctions: Auctions) -> list[AuctionBidOut]:
    """Every accepted signed bid of every round, published once the auction has ended
    (404 before: bids are sealed while bidding)."""
    return auctions.published_bids(name)


@router.get(
    "/me/auctions/{name}", response_model=MyAuctionOut, responses=ERRORS, summary="Your bids"
)
def my_auction(name: NameParam, auctions: Auctions, me: Me) -> MyAuctionOut:
    """Your bids in the auction and your eligibility in its open round."""
    return auctions.mine(name, me)
