"""Checks of a signed auction bid: domain, window, the round's rules, signature.

Pure (no storage): the route gives it the request, the domain, what the backend says
about the auction (its rules, the open round, the bidder's eligibility) and the clock.
A bid that breaks a rule gets a FieldError naming the field: `bid.round` (late or not
the open round: a Conflict), `bid.demand.<product>[k][0|1]` (outside the interval, off
the tick or the lot, non-monotone), `bid.demand` (the activity rule), `signature`.
"""

from __future__ import annotations

from eth_utils.address import to_checksum_address

from flowmarket.api.auction_backend import ClockIntake, ExpansionIntake, VerifiedBid
from flowmarket.api.auction_schemas import SignedClockBidIn, SignedPackageBidIn
from flowmarket.api.intake import check_domain, check_signer
from flowmarket.auctions.clock_bids import check_bid, clock_bid
from flowmarket.auctions.expansion_spec import check_package, package_bid
from flowmarket.errors import Conflict, FieldError
from flowmarket.signing import AuctionBidMessage, Domain, PackageBidMessage, digest
from flowmarket.signing.auction_bids import bid_json


def verify_clock_bid(
    request: SignedClockBidIn, *, name: str, domain: Domain, intake: ClockIntake, now: float
) -> VerifiedBid:
    """Check a clock-round bid for auction `name`; return it with its id."""
    bid = request.bid
    check_domain(request.chain_id, request.verifying_contract, domain=domain)
    if bid.auction != name:
        raise FieldError("bid.auction", f"this is auction {name!r}, not {bid.auction!r}")
    state = intake.state
    if bid.round < state.number:
        raise Conflict(
            "bid.round", f"late: round {bid.round} is closed; round {state.number} is open"
        )
    if now >= intake.closes_at:
        raise Conflict(
            "bid.round", f"late: round {state.number}'s window closed at {intake.closes_at:.0f}"
        )
    message = AuctionBidMessage(
        bidder=to_checksum_address(bid.bidder),
        auction=bid.auction,
        round=bid.round,
        revision=bid.revision,
        demand={k: tuple((p, q) for p, q in points) for k, points in bid.demand.items()},
    )
    bid_hash = digest(domain, message)  # also checks every number's fixed-point form
    parsed = clock_bid(message)
    check_bid(intake.spec, state, parsed, intake.allowed)
    check_signer(domain, message, request.signature)
    return VerifiedBid(
        bid_hash, name, bid.round, message.bidder, bid.revision, bid_json(message),
        request.signature.lower(), parsed,
    )  # fmt: skip


def verify_package_bid(
    request: SignedPackageBidIn,
    *,
    name: str,
    domain: Domain,
    intake: ExpansionIntake,
    now: float,
) -> VerifiedBid:
    """Check a sealed package bid for expansion auction `name`; return it with its id."""
    bid = request.bid
    check_domain(request.chain_id, request.verifying_contract, domain=domain)
    if bid.auction != name:
        raise FieldError("bid.auction", f"this is auction {name!r}, not {bid.auction!r}")
    if now >= intake.closes_at:
        raise Conflict("bid.auction", f"late: the sealed window closed at {intake.closes_at:.0f}")
    message = PackageBidMessage(
        bidder=to_checksum_address(bid.bidder),
        auction=bid.auction,
        revision=bid.revision,
        amount=bid.amount,
        capacities=dict(bid.capacities),
    )
    bid_hash = digest(domain, message)
    parsed = package_bid(message)
    check_package(intake.spec, parsed)
    check_signer(domain, message, request.signature)
    return VerifiedBid(
        bid_hash, name, 0, message.bidder, bid.revision, bid_json(message),
        request.signature.lower(), parsed,
    )  # fmt: skip
