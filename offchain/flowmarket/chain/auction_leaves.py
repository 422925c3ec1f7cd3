"""The Python encoder of the primary auctions' Merkle leaves; twin of `AuctionLeaves.sol`.

- award leaf `(bytes32 auctionId, address bidder, uint256 payment, bytes32 awardsHash)`,
  payment in wei; awardsHash = keccak256(abi.encode(bytes32[] ids, int256[] quantities))
  with ids = keccak256(bytes(name)) of the products (clock) or legs (expansion) in
  ascending order of name, quantities in 18-decimal GB (GB per hour on a leg);
- bid leaf `(bytes32 bidDigest)`: a signed bid's EIP-712 digest.

Both are double-hashed like OpenZeppelin's StandardMerkleTree (`chain.leaves`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eth_hash.auto import keccak

from flowmarket.chain.leaves import UINT256_MAX, product_id, trades_hash
from flowmarket.errors import InvalidInput
from flowmarket.merkle import MerkleTree, ProofIndex


def awards_hash(quantities: Mapping[str, int]) -> bytes:
    """keccak256(abi.encode(bytes32[] ids, int256[] quantities)), names ascending."""
    names = sorted(quantities)
    return trades_hash([product_id(n) for n in names], [quantities[n] for n in names])


def award_leaf(auction: bytes, bidder: str, payment: int, hashed: bytes) -> bytes:
    """Leaf of `(bytes32 auctionId, address bidder, uint256 payment, bytes32 awardsHash)`."""
    if len(auction) != 32 or len(hashed) != 32:
        raise InvalidInput("award leaf: auction id and awards hash must be 32 bytes")
    if not 0 <= payment <= UINT256_MAX:
        raise InvalidInput(f"payment: {payment} is outside uint256")
    word = bytes(12) + bytes.fromhex(bidder.removeprefix("0x"))
    return keccak(keccak(auction + word + payment.to_bytes(32, "big") + hashed))


def bid_leaf(bid_digest: bytes) -> bytes:
    """Leaf of `(bytes32 bidDigest)`."""
    if len(bid_digest) != 32:
        raise InvalidInput("bid digest must be 32 bytes")
    return keccak(keccak(bid_digest))


@dataclass(frozen=True)
class AwardTree:
    """An auction's awards tree: {bidder: (payment wei, {name: quantity})} and proofs."""

    auction: bytes
    awards: dict[str, tuple[int, dict[str, int]]]
    tree: MerkleTree

    @property
    def root(self) -> bytes:
        return self.tree.root

    def leaf(self, bidder: str) -> bytes:
        payment, quantities = self.awards[bidder]
        return award_leaf(self.auction, bidder, payment, awards_hash(quantities))

    def proofs(self) -> dict[str, list[bytes]]:
        bidders = list(self.awards)
        found = ProofIndex(self.tree).proofs([self.leaf(bidder) for bidder in bidders])
        return dict(zip(bidders, found, strict=True))


def award_tree(auction: bytes, awards: Mapping[str, tuple[int, Mapping[str, int]]]) -> AwardTree:
    """One leaf per winner (checksummed address → payment and quantities)."""
    held = {b: (p, dict(q)) for b, (p, q) in awards.items()}
    leaves = (award_leaf(auction, b, p, awards_hash(q)) for b, (p, q) in held.items())
    return AwardTree(auction, held, MerkleTree.from_leaves(leaves))


def bid_tree(digests: Iterable[bytes]) -> MerkleTree:
    return MerkleTree.from_leaves(bid_leaf(d) for d in digests)
