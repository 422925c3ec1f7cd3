"""Tables of the primary auctions: auctions, clock rounds, signed bids, position credits.

Amounts that exceed 64 bits (wei, 10⁻¹⁸ GB) are kept as decimal strings inside JSON
columns; times are Unix seconds. A bid is kept exactly as signed, with the operator's
receipt, so anyone can replay the auction from the published bids. `auction_credits`
records each award credited to positions, so a restart never credits one twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from flowmarket.db.models import metadata

__all__ = ["Auction", "AuctionBid", "AuctionCredit", "AuctionRound", "metadata"]


def _json(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


class Auction(SQLModel, table=True):
    """One auction: its spec as given, state (`auctions.states`), result and commitment."""

    __tablename__ = "auctions"

    name: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    status: str = Field(max_length=16)
    spec: dict[str, Any] = _json()
    created_at: float
    opened_at: float | None = None
    bids_close_at: float | None = None
    result: dict[str, Any] | None = _json(nullable=True)
    awards_root: str | None = Field(default=None, max_length=66)
    bids_root: str | None = Field(default=None, max_length=66)
    pay_deadline: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    commit_tx_hash: str | None = Field(default=None, max_length=66)
    committed_at: float | None = None


class AuctionRound(SQLModel, table=True):
    """A clock round: price interval per product (wei strings), window and outcome."""

    __tablename__ = "auction_rounds"

    auction: str = Field(primary_key=True, max_length=64)
    number: int = Field(primary_key=True)
    start: dict[str, str] = _json()
    end: dict[str, str] = _json()
    opens_at: float
    closes_at: float
    outcome: dict[str, Any] | None = _json(nullable=True)
    closed_at: float | None = None


class AuctionBid(SQLModel, table=True):
    """An accepted signed bid (round 0 for a sealed expansion bid)."""

    __tablename__ = "auction_bids"
    __table_args__ = (UniqueConstraint("auction", "round", "bidder", "revision"),)

    bid_hash: str = Field(primary_key=True, max_length=66)
    auction: str = Field(max_length=64, index=True)
    round: int
    bidder: str = Field(max_length=42)
    revision: int = Field(sa_column=Column(BigInteger, nullable=False))
    message: dict[str, Any] = _json()
    signature: str = Field(max_length=132)
    receipt_signature: str = Field(max_length=132)
    received_at: float


class AuctionCredit(SQLModel, table=True):
    """A paid award credited to positions: {product: GB} added to the winner (and taken
    from the seller) after `hour`."""

    __tablename__ = "auction_credits"

    auction: str = Field(primary_key=True, max_length=64)
    bidder: str = Field(primary_key=True, max_length=42)
    quantities: dict[str, float] = _json()
    hour: int = Field(sa_column=Column(BigInteger, nullable=False))
    credited_at: float
