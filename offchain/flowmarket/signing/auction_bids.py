"""EIP-712 typed data for primary-auction bids: a clock round's demand schedules and a
sealed package bid of the expansion auction.

Same domain as orders (name "flowmarket", version "1", chain id, the ClearingLedger).
Struct types (a Solidity or JavaScript twin must use these exact strings):

    AuctionBid(address bidder,bytes32 auction,uint64 round,uint64 revision,
               bytes32[] products,uint256[] counts,uint256[] prices,uint256[] quantities)
    PackageBid(address bidder,bytes32 auction,uint64 revision,uint256 amount,
               bytes32[] legs,uint256[] capacities)

- `auction` is `keccak256(bytes(name))` of the auction's name.
- AuctionBid: `products[k]` is `keccak256(bytes(name))`, products in ascending order
  of name (Python `sorted`, by code point); product k's demand schedule is the next
  `counts[k]` entries of `prices` (wei per GB) and `quantities` (10⁻¹⁸ GB), in the
  order the bidder lists its points.
- PackageBid: `amount` is the most the bidder pays for the whole package (wei);
  `legs[k]` is `keccak256(bytes(legName))`, legs in ascending order of name, and
  `capacities[k]` the capacity it wants on that leg (10⁻¹⁸ GB per hour).
- `revision` orders one bidder's bids for the same round (or the same sealed
  auction): the highest accepted revision is the one that counts.
- A bid's id is its EIP-712 digest; the operator acknowledges it with a
  `Receipt(orderHash = bid id, bidder, revision, "auction-bid", recordedAt)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from flowmarket.errors import FieldError
from flowmarket.hashing import keccak, keccak_text
from flowmarket.signing.fixed_point import product_id, to_fixed
from flowmarket.signing.struct_hash import type_hash, word_address, word_uint

AUCTION_BID_TYPE_STRING = (
    "AuctionBid(address bidder,bytes32 auction,uint64 round,uint64 revision,"
    "bytes32[] products,uint256[] counts,uint256[] prices,uint256[] quantities)"
)
PACKAGE_BID_TYPE_STRING = (
    "PackageBid(address bidder,bytes32 auction,uint64 revision,uint256 amount,"
    "bytes32[] legs,uint256[] capacities)"
)
Schedule = tuple[tuple[float, float], ...]


def auction_id(name: str) -> bytes:
    """keccak256(bytes(name)): the auction's 32-byte id on chain and in signed bids."""
    return keccak_text(name)


def _unsigned(value: float, field: str) -> int:
    fixed = to_fixed(value, field=field)
    if fixed < 0:
        raise FieldError(field, "must not be negative")
    return fixed


@dataclass(frozen=True)
class AuctionBidMessage:
    """A clock-round bid as signed: demand {product: ((price, GB), ...)} as decimals."""

    bidder: str
    auction: str
    round: int
    revision: int
    demand: dict[str, Schedule]

    def fixed_demand(self) -> list[tuple[str, list[tuple[int, int]]]]:
        """[(product, [(wei per GB, 10⁻¹⁸ GB), ...])] sorted by product name."""
        out = []
        for name in sorted(self.demand):
            field = f"bid.demand.{name}"
            out.append(
                (
                    name,
                    [
                        (_unsigned(p, f"{field}[{k}][0]"), _unsigned(q, f"{field}[{k}][1]"))
                        for k, (p, q) in enumerate(self.demand[name])
                    ],
                )
            )
        return out

    def struct(self) -> dict[str, Any]:
        fixed = self.fixed_demand()
        return {
            "bidder": to_checksum_address(self.bidder),
            "auction": auction_id(self.auction),
            "round": self.round,
            "revision": self.revision,
            "products": [product_id(name) for name, _ in fixed],
            "counts": [len(points) for _, points in fixed],
            "prices": [p for _, points in fixed for p, _ in points],
            "quantities": [q for _, points in fixed for _, q in points],
        }

    def struct_hash(self) -> bytes:
        s = self.struct()
        return keccak(
            type_hash(AUCTION_BID_TYPE_STRING)
            + word_address(self.bidder)
            + s["auction"]
            + word_uint(self.round)
            + word_uint(self.revision)
            + keccak(b"".join(s["products"]))
            + _words(s["counts"])
            + _words(s["prices"])
            + _words(s["quantities"])
        )


@dataclass(frozen=True)
class PackageBidMessage:
    """A sealed package bid as signed: amount (tokens) for {leg: GB per hour}."""

    bidder: str
    auction: str
    revision: int
    amount: float
    capacities: dict[str, float]

    def fixed(self) -> tuple[int, list[tuple[str, int]]]:
        """(amount in wei, [(leg, 10⁻¹⁸ GB per hour)] sorted by leg name)."""
        legs = [
            (leg, _unsigned(self.capacities[leg], f"bid.capacities.{leg}"))
            for leg in sorted(self.capacities)
        ]
        return _unsigned(self.amount, "bid.amount"), legs

    def struct(self) -> dict[str, Any]:
        amount, legs = self.fixed()
        return {
            "bidder": to_checksum_address(self.bidder),
            "auction": auction_id(self.auction),
            "revision": self.revision,
            "amount": amount,
            "legs": [product_id(leg) for leg, _ in legs],
            "capacities": [c for _, c in legs],
        }

    def struct_hash(self) -> bytes:
        s = self.struct()
        return keccak(
            type_hash(PACKAGE_BID_TYPE_STRING)
            + word_address(self.bidder)
            + s["auction"]
            + word_uint(self.revision)
            + word_uint(s["amount"])
            + keccak(b"".join(s["legs"]))
            + _words(s["capacities"])
        )


def bid_json(message: AuctionBidMessage | PackageBidMessage) -> dict[str, Any]:
    """The message as the API receives and publishes it (numbers as signed)."""
    if isinstance(message, AuctionBidMessage):
        return {
            "bidder": message.bidder,
            "auction": message.auction,
            "round": message.round,
            "revision": message.revision,
            "demand": {k: [list(p) for p in v] for k, v in message.demand.items()},
        }
    return {
        "bidder": message.bidder,
        "auction": message.auction,
        "revision": message.revision,
        "amount": message.amount,
        "capacities": dict(message.capacities),
    }


def bid_message(doc: dict[str, Any]) -> AuctionBidMessage | PackageBidMessage:
    """Inverse of `bid_json` (a stored or published bid, already validated once)."""
    if "demand" in doc:
        return AuctionBidMessage(
            bidder=doc["bidder"],
            auction=doc["auction"],
            round=int(doc["round"]),
            revision=int(doc["revision"]),
            demand={k: tuple((p[0], p[1]) for p in v) for k, v in doc["demand"].items()},
        )
    return PackageBidMessage(
        bidder=doc["bidder"],
        auction=doc["auction"],
        revision=int(doc["revision"]),
        amount=doc["amount"],
        capacities=dict(doc["capacities"]),
    )


def _words(values: list[int]) -> bytes:
    return keccak(b"".join(word_uint(v) for v in values))
