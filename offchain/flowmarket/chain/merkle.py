"""A twin of OpenZeppelin's `StandardMerkleTree` (@openzeppelin/merkle-tree), in pure Python.

Same layout as the JavaScript library, so both build byte-identical roots and proofs
and `MerkleProof.verify` in Solidity accepts them:

- leaves are already-hashed 32-byte values (see `flowmarket.chain.leaves` for the
  double hashing), sorted ascending before the tree is built;
- the tree is an array of 2n−1 nodes, leaves stored from the end in reverse order,
  node i = hash_pair(node 2i+1, node 2i+2), root = node 0;
- `hash_pair` hashes the two children in ascending byte order (sorted-pair hashing).

A tree with no leaves has root 32 zero bytes (the JavaScript library refuses to build
one); no proof verifies against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eth_hash.auto import keccak

from flowmarket.errors import InvalidInput

EMPTY_ROOT = bytes(32)


def hash_pair(a: bytes, b: bytes) -> bytes:
    """keccak256 of the two 32-byte nodes concatenated in ascending order."""
    return keccak(a + b) if a <= b else keccak(b + a)


def process_proof(leaf: bytes, proof: Iterable[bytes]) -> bytes:
    """The root that `proof` leads to from `leaf` (OpenZeppelin `MerkleProof.processProof`)."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node


def verify(root: bytes, leaf: bytes, proof: Iterable[bytes]) -> bool:
    """True when `proof` proves `leaf` against `root` (never against the empty root)."""
    return root != EMPTY_ROOT and process_proof(leaf, proof) == root


@dataclass(frozen=True)
class MerkleTree:
    """A built tree. `nodes` has 2n−1 entries for n leaves (empty for no leaves)."""

    nodes: tuple[bytes, ...]
    leaf_count: int

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MerkleTree:
        """Build from leaf hashes (each 32 bytes); duplicates are kept, like the JS library."""
        ordered = sorted(_checked(leaves))
        n = len(ordered)
        if n == 0:
            return cls(nodes=(), leaf_count=0)
        nodes: list[bytes] = [EMPTY_ROOT] * (2 * n - 1)
        size = len(nodes)
        for i, leaf in enumerate(ordered):
            nodes[size - 1 - i] = leaf
        for i in range(size - 1 - n, -1, -1):
            nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
        return cls(nodes=tuple(nodes), leaf_count=n)

    @property
    def root(self) -> bytes:
        return self.nodes[0] if self.nodes else EMPTY_ROOT

    def leaves(self) -> tuple[bytes, ...]:
        """Leaf hashes in tree order (ascending)."""
        size = len(self.nodes)
        return tuple(self.nodes[size - 1 - i] for i in range(self.leaf_count))

    def proof(self, leaf: bytes) -> list[bytes]:
        """Sibling hashes from `leaf` up to the root; `InvalidInput` when it is not a leaf."""
        return self.node_proof(self._tree_index(leaf))

    def _tree_index(self, leaf: bytes) -> int:
        size = len(self.nodes)
        for i in range(size - self.leaf_count, size):
            if self.nodes[i] == leaf:
                return i
        raise InvalidInput(f"leaf: 0x{leaf.hex()} is not a leaf of this tree")

    def node_proof(self, index: int) -> list[bytes]:
        """Sibling hashes from node `index` (an index into `nodes`) up to the root."""
        proof: list[bytes] = []
        while index > 0:
            sibling = index + 1 if index % 2 == 1 else index - 1
            proof.append(self.nodes[sibling])
            index = (index - 1) // 2
        return proof


class ProofIndex:
    """Proofs for many leaves of one tree without a linear search per leaf."""

    def __init__(self, tree: MerkleTree) -> None:
        self._tree = tree
        size = len(tree.nodes)
        self._index = {tree.nodes[i]: i for i in range(size - tree.leaf_count, size)}

    def proof(self, leaf: bytes) -> list[bytes]:
        index = self._index.get(leaf)
        if index is None:
            raise InvalidInput(f"leaf: 0x{leaf.hex()} is not a leaf of this tree")
        return self._tree.node_proof(index)


def _checked(leaves: Iterable[bytes]) -> Sequence[bytes]:
    out = list(leaves)
    for i, leaf in enumerate(out):
        if not isinstance(leaf, bytes) or len(leaf) != 32:
            raise InvalidInput(f"leaves[{i}]: must be 32 bytes, got {leaf!r}")
    return out
