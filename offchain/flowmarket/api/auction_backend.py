"""What the auction routes need from storage: a protocol `backend.auctions` implements.

Methods raise `FieldError`, `Conflict` or `NotFound` (from `flowmarket.errors`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flowmarket.api.auction_schemas import (
    AuctionBidOut,
    AuctionOut,
    MyAuctionOut,
    ResultOut,
    RoundOut,
)
from flowmarket.auctions.clock_bids import ClockBid, Eligibility, RoundState
from flowmarket.auctions.clock_spec import ClockSpec
from flowmarket.auctions.expansion_spec import ExpansionSpec, PackageBid


@dataclass(frozen=True)
class ClockIntake:
    """What a clock bid is checked against: the rules, the open round (and when it
    closes, Unix seconds) and the bidder's eligibility there."""

    spec: ClockSpec
    state: RoundState
    closes_at: float
    allowed: Eligibility


@dataclass(frozen=True)
class ExpansionIntake:
    spec: ExpansionSpec
    closes_at: float


@dataclass(frozen=True)
class VerifiedBid:
    """A bid whose signature recovered to its bidder; `message` as signed (JSON)."""

    bid_hash: str
    auction: str
    round: int
    bidder: str
    revision: int
    message: dict[str, object]
    signature: str
    parsed: ClockBid | PackageBid


class AuctionBackend(Protocol):
    """Storage operations behind the auction routes."""

    def auctions(self) -> list[AuctionOut]: ...

    def auction(self, name: str) -> AuctionOut: ...

    def clock_intake(self, name: str, bidder: str, now: float) -> ClockIntake:
        """Raises Conflict("bid.round") when no round is open, NotFound for no auction."""
        ...

    def expansion_intake(self, name: str, now: float) -> ExpansionIntake: ...

    def store_bid(
        self, bid: VerifiedBid, *, received_at: float, receipt_signature: str
    ) -> tuple[AuctionBidOut, bool]:
        """Store atomically with a re-check that the bid's round (or window) is still
        open at `received_at`; returns (bid, duplicate)."""
        ...

    def rounds(self, name: str) -> list[RoundOut]:
        """Every closed round's public record, and the open round's interval."""
        ...

    def results(self, name: str) -> ResultOut:
        """NotFound until the auction has ended."""
        ...

    def published_bids(self, name: str) -> list[AuctionBidOut]:
        """Every accepted bid, once the auction has ended (sealed until then)."""
        ...

    def mine(self, name: str, bidder: str) -> MyAuctionOut: ...
