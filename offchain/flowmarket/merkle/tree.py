"""A twin of OpenZeppelin's `StandardMerkleTree` (@openzeppelin/merkle-tree), built in
linear time by compiled hashing.

Same layout as the JavaScript library, so both build byte-identical roots and proofs
and `MerkleProof.verify` in Solidity accepts them:

- leaves are already-hashed 32-byte values (see `flowmarket.chain.leaves` for the
  double hashing), sorted ascending before the tree is built;
- the tree is an array of 2n−1 nodes, leaves stored from the end in reverse order,
  node i = hash_pair(node 2i+1, node 2i+2), root = node 0;
- `hash_pair` hashes the two children in ascending byte order (sorted-pair hashing).

The nodes live in one (2n−1, 32) uint8 array. A large tree is hashed by compiled
code (`compiled_tree`): node i sits in depth layer ⌊log2(i+1)⌋ and its children in the
next, so the n−1 inner nodes are hashed layer by layer from the deepest, each layer in
parallel. A small one (the API's batch receipts) node by node with the C keccak. The
work is linear in n; only sorting the leaves is n log n, by one numpy argsort of their
first 8 bytes.

A tree with no leaves has root 32 zero bytes (the JavaScript library refuses to build
one); no proof verifies against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from flowmarket.errors import InvalidInput
from flowmarket.hashing import keccak
from flowmarket.merkle.rows import digests

EMPTY_ROOT = bytes(32)
COMPILED_FROM = 4096  # leaves; smaller trees are built node by node (no compile, no threads)
Nodes = npt.NDArray[np.uint8]


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


def _build(nodes: Nodes, n: int) -> None:
    """Hash the n−1 inner nodes of `nodes` (leaves already in place)."""
    if n < COMPILED_FROM:
        _build_small(nodes, n)
        return
    # Imported here: numba costs a second to import and compiles (or loads from its
    # cache) on first use; processes that only build small trees never pay for it.
    from flowmarket.merkle.compiled_tree import hash_layers

    hash_layers(nodes, n)


def _build_small(nodes: Nodes, n: int) -> None:
    """Node by node on the calling thread, with the C keccak (≈1 µs a node)."""
    size = 2 * n - 1
    rows = digests(nodes[n - 1 : size])
    tree: list[bytes] = [b""] * (n - 1) + rows
    for i in range(n - 2, -1, -1):
        tree[i] = hash_pair(tree[2 * i + 1], tree[2 * i + 2])
    nodes[: n - 1] = np.frombuffer(b"".join(tree[: n - 1]), dtype=np.uint8).reshape(-1, 32)


def _sorted(leaves: Nodes) -> Nodes:
    """Rows in ascending byte order (memcmp): by the first 8 bytes, then all 32 on ties."""
    words = leaves.view(">u8").reshape(-1, 4).astype(np.uint64)
    order = np.argsort(words[:, 0], kind="stable")
    first = words[order, 0]
    if first.size > 1 and bool(np.any(first[1:] == first[:-1])):
        order = np.lexsort((words[:, 3], words[:, 2], words[:, 1], words[:, 0]))
    return leaves[order]


class MerkleTree:
    """A built tree. `nodes` is (2n−1, 32) uint8 for n leaves ((0, 32) for none)."""

    __slots__ = ("leaf_count", "nodes")

    def __init__(self, nodes: Nodes, leaf_count: int) -> None:
        self.nodes = nodes
        self.leaf_count = leaf_count

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MerkleTree:
        """Build from leaf hashes (each 32 bytes); duplicates are kept, like the JS library."""
        items = list(leaves)
        for i, leaf in enumerate(items):
            if not isinstance(leaf, bytes) or len(leaf) != 32:
                raise InvalidInput(f"leaves[{i}]: must be 32 bytes, got {leaf!r}")
        array = np.frombuffer(b"".join(items), dtype=np.uint8).reshape(len(items), 32)
        return cls.from_array(array)

    @classmethod
    def from_array(cls, leaves: Nodes) -> MerkleTree:
        """Build from an (n, 32) uint8 array of leaf hashes (not modified)."""
        if leaves.ndim != 2 or leaves.shape[1] != 32 or leaves.dtype != np.uint8:
            raise InvalidInput(f"leaves: expected an (n, 32) uint8 array, got {leaves.shape}")
        n = leaves.shape[0]
        if n == 0:
            return cls(np.empty((0, 32), dtype=np.uint8), 0)
        nodes = np.empty((2 * n - 1, 32), dtype=np.uint8)
        nodes[n - 1 :] = _sorted(np.ascontiguousarray(leaves))[::-1]
        _build(nodes, n)
        return cls(nodes, n)

    @property
    def root(self) -> bytes:
        return self.nodes[0].tobytes() if self.leaf_count else EMPTY_ROOT

    def leaves(self) -> tuple[bytes, ...]:
        """Leaf hashes in tree order (ascending)."""
        return tuple(digests(self.nodes[self.leaf_count - 1 :][::-1]))

    def leaf_indices(self, leaves: Nodes) -> npt.NDArray[np.int64]:
        """The node index of each row of `leaves` (m, 32); -1 where it is not a leaf.

        Binary search over the sorted leaves: O(m log n), no per-leaf dictionary."""
        n = self.leaf_count
        out = np.full(leaves.shape[0], -1, dtype=np.int64)
        if n == 0 or leaves.shape[0] == 0:
            return out
        ascending = self.nodes[n - 1 :][::-1]
        keys = ascending.view(">u8").reshape(-1, 4)[:, 0].astype(np.uint64)
        wanted = np.ascontiguousarray(leaves).view(">u8").reshape(-1, 4)[:, 0].astype(np.uint64)
        start = np.searchsorted(keys, wanted, side="left")
        for j in range(leaves.shape[0]):  # ties on the first 8 bytes: scan the run
            s = int(start[j])
            while s < n and keys[s] == wanted[j]:
                if np.array_equal(ascending[s], leaves[j]):
                    out[j] = len(self.nodes) - 1 - s
                    break
                s += 1
        return out

    def proof(self, leaf: bytes) -> list[bytes]:
        """Sibling hashes from `leaf` up to the root; `InvalidInput` when it is not a leaf."""
        row = np.frombuffer(leaf, dtype=np.uint8).reshape(1, -1) if len(leaf) == 32 else None
        index = -1 if row is None else int(self.leaf_indices(row)[0])
        if index < 0:
            raise InvalidInput(f"leaf: 0x{leaf.hex()} is not a leaf of this tree")
        return self.node_proof(index)

    def node_proof(self, index: int) -> list[bytes]:
        """Sibling hashes from node `index` (an index into `nodes`) up to the root."""
        proof: list[bytes] = []
        while index > 0:
            sibling = index + 1 if index % 2 == 1 else index - 1
            proof.append(self.nodes[sibling].tobytes())
            index = (index - 1) // 2
        return proof


class ProofIndex:
    """Proofs for many leaves of one tree (a binary search each, no dictionary)."""

    def __init__(self, tree: MerkleTree) -> None:
        self._tree = tree

    def proof(self, leaf: bytes) -> list[bytes]:
        return self._tree.proof(leaf)

    def proofs(self, leaves: Nodes | Sequence[bytes]) -> list[list[bytes]]:
        """The proof of each leaf ((m, 32) rows or 32-byte values); `InvalidInput` naming
        the first that is not a leaf."""
        if not isinstance(leaves, np.ndarray):
            leaves = np.frombuffer(b"".join(leaves), dtype=np.uint8).reshape(-1, 32)
        indices = self._tree.leaf_indices(leaves)
        missing = np.flatnonzero(indices < 0)
        if missing.size:
            raise InvalidInput(
                f"leaves[{int(missing[0])}]: 0x{leaves[missing[0]].tobytes().hex()} is not a "
                "leaf of this tree"
            )
        return [self._tree.node_proof(int(i)) for i in indices]
