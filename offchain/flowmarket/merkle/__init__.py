"""Merkle trees the way OpenZeppelin's StandardMerkleTree builds them, and the compiled
batch keccak256 that builds them in linear time. Pure (numpy, numba, eth-hash): the
chain's leaves, the oracle's hourly trees and the API's batch receipts all use it."""

from flowmarket.merkle.tree import (
    EMPTY_ROOT,
    MerkleTree,
    ProofIndex,
    hash_pair,
    process_proof,
    verify,
)

__all__ = ["EMPTY_ROOT", "MerkleTree", "ProofIndex", "hash_pair", "process_proof", "verify"]
