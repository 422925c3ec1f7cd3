"""Sorted, indexed Merkle trees: the Python twin of `contracts/libraries/SortedTree.sol`.

A tree's `count` leaves are `(index, key, value)`, keys strictly increasing with the
index (0 … count − 1); each leaf hashes as

    keccak256(keccak256(abi.encode(uint256 index, bytes key, bytes value)))

and the tree over the leaf hashes is OpenZeppelin's StandardMerkleTree
(`flowmarket.merkle`). Sorted keys and indices let the tree prove that a key is
absent: two adjacent leaves bracket it, or it lies before the first or after the last
leaf, or the tree is empty. `Item` is the contract's `SortedTree.Item` struct.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
from eth_abi.abi import encode
from eth_hash.auto import keccak

from flowmarket.errors import InvalidInput
from flowmarket.merkle import MerkleTree, ProofIndex, verify
from flowmarket.merkle.rows import digests, row_bytes

ItemTuple = tuple[int, bytes, bytes, list[bytes]]


def leaf_hash(index: int, key: bytes, value: bytes) -> bytes:
    """keccak256(keccak256(abi.encode(uint256 index, bytes key, bytes value)))."""
    return keccak(keccak(encode(["uint256", "bytes", "bytes"], [index, key, value])))


@dataclass(frozen=True)
class Item:
    """One leaf with its proof: the `SortedTree.Item` a contract call takes."""

    index: int
    key: bytes
    value: bytes
    proof: tuple[bytes, ...]

    @property
    def leaf(self) -> bytes:
        return leaf_hash(self.index, self.key, self.value)

    def as_tuple(self) -> ItemTuple:
        """(index, key, value, proof), as web3 encodes the struct."""
        return (self.index, self.key, self.value, list(self.proof))

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "key": "0x" + self.key.hex(),
            "value": "0x" + self.value.hex(),
            "proof": ["0x" + p.hex() for p in self.proof],
        }

    @classmethod
    def from_json(cls, raw: object, *, field: str) -> Item:
        """Parse `to_json`'s document strictly; `field` names it in errors."""
        if not isinstance(raw, dict) or set(raw) != ITEM_FIELDS:
            raise InvalidInput(f"{field}: expected exactly the fields {sorted(ITEM_FIELDS)}")
        index = raw["index"]
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise InvalidInput(f"{field}.index: expected a non-negative integer")
        proof = raw["proof"]
        if not isinstance(proof, list):
            raise InvalidInput(f"{field}.proof: expected a list of 32-byte hashes")
        nodes = tuple(_hex(node, f"{field}.proof[{k}]", 32) for k, node in enumerate(proof))
        key = _hex(raw["key"], f"{field}.key", None)
        return cls(index, key, _hex(raw["value"], f"{field}.value", None), nodes)


ITEM_FIELDS = {"index", "key", "value", "proof"}


def _hex(raw: object, field: str, size: int | None) -> bytes:
    if not isinstance(raw, str) or not raw.startswith("0x"):
        raise InvalidInput(f"{field}: expected 0x-hex")
    try:
        value = bytes.fromhex(raw[2:])
    except ValueError:
        raise InvalidInput(f"{field}: not hex") from None
    if size is not None and len(value) != size:
        raise InvalidInput(f"{field}: expected {size} bytes, got {len(value)}")
    return value


class SortedTree:
    """A built tree over (key, value) pairs; keys must be distinct (sorted here).

    A tree a batch builder made (`from_rows`) keeps its keys, values and leaf hashes as
    the builder's arrays: `keys`, `values` and `leaves` are lists of bytes made on first
    use. An hour's trees hold millions of rows that only a verifier or a proof reads one
    by one, and as bytes values they took some 370 bytes a row against 190 in arrays."""

    def __init__(self, pairs: Iterable[tuple[bytes, bytes]]) -> None:
        ordered = sorted(pairs, key=lambda pair: pair[0])
        for i in range(1, len(ordered)):
            if ordered[i][0] == ordered[i - 1][0]:
                raise InvalidInput(f"key: 0x{ordered[i][0].hex()} appears twice in one tree")
        leaves = [leaf_hash(i, key, value) for i, (key, value) in enumerate(ordered)]
        self._lists([key for key, _ in ordered], [value for _, value in ordered], leaves)

    def _lists(self, keys: list[bytes], values: list[bytes], leaves: list[bytes]) -> None:
        self._count = len(keys)
        self._keys: list[bytes] | None = keys
        self._values: list[bytes] | None = values
        self._leaves: list[bytes] | None = leaves
        self._key_rows: npt.NDArray[np.uint8] | None = None
        self._value_rows: npt.NDArray[np.uint8] | None = None
        self._leaf_rows: npt.NDArray[np.uint8] | None = None
        self.tree = MerkleTree.from_leaves(leaves)
        self._proofs = ProofIndex(self.tree)

    @classmethod
    def from_sorted(
        cls, keys: list[bytes], values: list[bytes], leaves: list[bytes], *, strict: bool = True
    ) -> SortedTree:
        """A tree over keys already strictly increasing, with their leaf hashes computed
        by the caller (a batch encoder such as `oracle.holdings.holding_leaves`).
        strict=False also takes equal adjacent keys: a faulty tree as an oracle committed
        it, which a verifier rebuilds to prove the fault."""
        for i in range(1, len(keys)):
            if keys[i] < keys[i - 1] or (strict and keys[i] == keys[i - 1]):
                raise InvalidInput(f"key: 0x{keys[i].hex()} is not above the key before it")
        tree = cls.__new__(cls)
        tree._lists(keys, values, leaves)
        return tree

    @classmethod
    def from_rows(
        cls,
        keys: npt.NDArray[np.uint8],
        values: npt.NDArray[np.uint8] | list[bytes],
        leaves: npt.NDArray[np.uint8],
        *,
        strict: bool = True,
    ) -> SortedTree:
        """`from_sorted` for a batch builder's arrays: keys (n, k) of one width, values
        (n, w) of one width or a list of bytes (of several widths), their leaf hashes
        (n, 32). The order is checked, and the tree built, on the arrays, which the tree
        keeps (not copies: the caller must not change them)."""
        bad = _first_unordered(keys, strict)
        if bad is not None:
            raise InvalidInput(f"key: 0x{keys[bad].tobytes().hex()} is not above the key before it")
        tree = cls.__new__(cls)
        tree._count = keys.shape[0]
        tree._keys, tree._leaves = None, None
        tree._values = values if isinstance(values, list) else None
        tree._key_rows, tree._leaf_rows = keys, leaves
        tree._value_rows = None if isinstance(values, list) else values
        tree.tree = MerkleTree.from_array(leaves)
        tree._proofs = ProofIndex(tree.tree)
        return tree

    @property
    def keys(self) -> list[bytes]:
        """The keys in ascending order."""
        if self._keys is None:
            self._keys = row_bytes(cast(npt.NDArray[np.uint8], self._key_rows))
        return self._keys

    @property
    def values(self) -> list[bytes]:
        """The values, in the keys' order."""
        if self._values is None:
            self._values = row_bytes(cast(npt.NDArray[np.uint8], self._value_rows))
        return self._values

    @property
    def leaves(self) -> list[bytes]:
        """The leaf hashes, in the keys' order."""
        if self._leaves is None:
            self._leaves = digests(cast(npt.NDArray[np.uint8], self._leaf_rows))
        return self._leaves

    def key_rows(self) -> npt.NDArray[np.uint8]:
        """The keys as an (n, k) array (InvalidInput when they are not all k bytes)."""
        if self._key_rows is None:
            self._key_rows = _rows(self.keys, "key")
        return self._key_rows

    def value_rows(self) -> npt.NDArray[np.uint8]:
        """The values as an (n, w) array (InvalidInput when they are not all w bytes)."""
        if self._value_rows is None:
            self._value_rows = _rows(self.values, "value")
        return self._value_rows

    @property
    def root(self) -> bytes:
        return self.tree.root

    @property
    def count(self) -> int:
        return self._count

    def item(self, index: int) -> Item:
        """Leaf `index` with its proof."""
        if not 0 <= index < self.count:
            raise InvalidInput(f"index: {index} is not in [0, {self.count})")
        proof = tuple(self._proofs.proof(self.leaves[index]))
        return Item(index, self.keys[index], self.values[index], proof)

    def find(self, key: bytes) -> int | None:
        """The index of `key`, or None when absent."""
        at = bisect.bisect_left(self.keys, key)
        return at if at < self.count and self.keys[at] == key else None

    def lookup(self, key: bytes) -> list[Item]:
        """The items a contract takes to learn `key`'s leaf: the leaf itself when present,
        else the bracket proving absence (none, one boundary leaf, or two adjacent leaves)."""
        found = self.find(key)
        if found is not None:
            return [self.item(found)]
        at = bisect.bisect_left(self.keys, key)
        if self.count == 0:
            return []
        if at == 0:
            return [self.item(0)]
        if at == self.count:
            return [self.item(self.count - 1)]
        return [self.item(at - 1), self.item(at)]


def _rows(items: list[bytes], what: str) -> npt.NDArray[np.uint8]:
    """Byte strings of one width as an (n, width) array."""
    width = len(items[0]) if items else 0
    if any(len(item) != width for item in items):
        raise InvalidInput(f"{what}: the tree's {what}s are not all {width} bytes like the first")
    return np.frombuffer(b"".join(items), dtype=np.uint8).reshape(len(items), width)


def _first_unordered(keys: npt.NDArray[np.uint8], strict: bool) -> int | None:
    """The first row of `keys` (n, k) not above the row before it as bytes compare (equal
    allowed when not strict), else None."""
    if keys.shape[0] < 2:
        return None
    differ = keys[1:] != keys[:-1]
    first = differ.argmax(axis=1)
    rows = np.arange(first.size)
    equal = ~differ[rows, first]
    falling = keys[1:][rows, first] < keys[:-1][rows, first]
    bad = np.flatnonzero((falling & ~equal) | (equal if strict else False))
    return int(bad[0]) + 1 if bad.size else None


def verify_item(root: bytes, count: int, item: Item) -> bool:
    """True when `item` is a leaf of the tree (`SortedTree.isMember`)."""
    return item.index < count and verify(root, item.leaf, item.proof)
