"""Request and response bodies of the primary auctions (clock rounds, sealed packages).

Units as signed: prices in capacity tokens per GB, quantities in GB of the product
(capacity in GB per hour on a leg), amounts in capacity tokens. Published documents
(rounds, results) carry exact integers as decimal strings: wei and 10⁻¹⁸ GB. The
EIP-712 structs are documented in `flowmarket.signing.auction_bids`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from flowmarket.api.schemas import (
    ADDRESS_RE,
    EXAMPLE_ADDRESS,
    MAX_NONCE,
    Number,
    ReceiptOut,
    SignedEnvelope,
    Strict,
    check_address,
    documented,
)
from flowmarket.errors import InvalidInput

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

MAX_ROUND = 100_000


def _check_name(value: str) -> str:
    if not NAME_RE.fullmatch(value):
        raise InvalidInput("an auction name is 1-64 characters of a-z, 0-9 and '-'")
    return value


class ClockBidIn(Strict):
    """`AuctionBid(bidder, auction, round, revision, products, counts, prices, quantities)`."""

    bidder: str = documented(ADDRESS_RE, examples=[EXAMPLE_ADDRESS])
    auction: str = documented(NAME_RE, examples=["release-2027-q1"])
    round: Annotated[StrictInt, Field(ge=1, le=MAX_ROUND)]
    revision: Annotated[StrictInt, Field(ge=0, le=MAX_NONCE)] = Field(
        description="a later revision in the same round replaces the earlier one"
    )
    demand: dict[str, list[tuple[Number, Number]]] = Field(
        description="{product: [[price, GB], ...]}: a demand schedule over the round's price "
        "interval, first point at the start price, prices rising, quantities never rising; "
        "a product left out is demanded at 0",
        examples=[{"fwd-m:eu-west:premium:2027-01:09:wd": [[10.0, 8.0], [10.5, 6.0]]}],
        max_length=256,
    )

    _bidder = field_validator("bidder")(check_address)
    _auction = field_validator("auction")(_check_name)


class SignedClockBidIn(SignedEnvelope):
    """A clock-round bid with the bidder's EIP-712 signature."""

    model_config = ConfigDict(extra="forbid")

    bid: ClockBidIn


class PackageBidIn(Strict):
    """`PackageBid(bidder, auction, revision, amount, legs, capacities)`: sealed."""

    bidder: str = documented(ADDRESS_RE, examples=[EXAMPLE_ADDRESS])
    auction: str = documented(NAME_RE, examples=["y-2027"])
    revision: Annotated[StrictInt, Field(ge=0, le=MAX_NONCE)]
    amount: Number = Field(description="the most the bidder pays for the package, tokens")
    capacities: dict[str, Number] = Field(
        description="{leg: GB per hour}, all or nothing",
        examples=[{"A": 40.0, "C": 40.0}],
        max_length=256,
    )

    _bidder = field_validator("bidder")(check_address)
    _auction = field_validator("auction")(_check_name)


class SignedPackageBidIn(SignedEnvelope):
    """A sealed package bid with the bidder's EIP-712 signature."""

    model_config = ConfigDict(extra="forbid")

    bid: PackageBidIn


class AuctionBidOut(BaseModel):
    """An accepted bid as signed (`message` is the signed struct's fields)."""

    bid_hash: str = Field(description="the bid's EIP-712 digest")
    auction: str
    round: int = Field(description="the clock round; 0 for a sealed package")
    bidder: str
    revision: int
    message: dict[str, Any]
    signature: str
    received_at: float


class AuctionBidAccepted(BaseModel):
    bid: AuctionBidOut
    receipt: ReceiptOut = Field(
        description="the operator's signed Receipt(orderHash = bid id, bidder, revision, "
        '"auction-bid")'
    )
    duplicate: bool = Field(description="true when this exact signed bid was stored before")


class RoundOut(BaseModel):
    """A clock round: its price interval and window; once closed, the aggregate demand
    at the end price per product (the only demand information disclosed)."""

    round: int
    start: dict[str, str] = Field(description="{product: start price, wei per GB}")
    end: dict[str, str] = Field(description="{product: end price, wei per GB}")
    opens_at: float
    closes_at: float
    closed_at: float | None
    outcome: dict[str, Any] | None


class AuctionOut(BaseModel):
    name: str
    kind: str
    status: str
    spec: dict[str, Any]
    created_at: float
    opened_at: float | None
    bids_close_at: float | None = Field(description="the end of an expansion's sealed window")
    open_round: RoundOut | None


class CommitmentOut(BaseModel):
    awards_root: str
    bids_root: str
    pay_deadline: int
    commit_tx_hash: str | None
    committed_at: float | None


class ResultOut(BaseModel):
    """The result document (`auctioneer.documents`), the on-chain commitment once
    committed, each award's Merkle proof, and which awards are credited to positions."""

    name: str
    kind: str
    status: str
    result: dict[str, Any]
    commitment: CommitmentOut | None
    proofs: dict[str, list[str]]
    credited: list[str]


class MyAuctionOut(BaseModel):
    """Your bids in an auction and your eligibility in its open round ({group: activity
    points × 10¹⁸}; null when unconstrained, i.e. in round 1)."""

    name: str
    bidder: str
    open_round: int | None
    eligibility: dict[str, str] | None
    bids: list[AuctionBidOut]
