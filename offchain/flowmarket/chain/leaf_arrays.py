"""Many Merkle leaves at once: the array twins of `leaves.price_leaf` and
`leaves.order_leaf`, hashed by one compiled call per hashing stage.

An hour of the paper's market has 2.3·10^6 prices and 2.3·10^7 cleared orders; one
Python keccak call per hash (three per order leaf) would take minutes. Here the words
are packed into (n, 64) byte arrays and hashed by `flowmarket.merkle.keccak`; a test
checks the bytes equal the scalar encoders' on random and extreme values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from flowmarket.chain.leaves import INT256_MAX, INT256_MIN
from flowmarket.errors import InvalidInput
from flowmarket.merkle.keccak import keccak_many, keccak_rows

Rows = npt.NDArray[np.uint8]
LEAF_BLOCK = 1 << 15  # rows encoded and hashed at a time (`sorted_leaf_hashes`)


def int256_words(field: str, values: Sequence[int]) -> Rows:
    """(n, 32) big-endian two's-complement words; InvalidInput naming `field[i]`."""
    try:
        raw = b"".join(v.to_bytes(32, "big", signed=True) for v in values)
    except (OverflowError, AttributeError, TypeError):
        for i, v in enumerate(values):
            if not isinstance(v, int) or isinstance(v, bool) or not INT256_MIN <= v <= INT256_MAX:
                raise InvalidInput(f"{field}[{i}]: {v!r} is not an int256") from None
        raise
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), 32)


def name_ids(names: Sequence[str]) -> Rows:
    """keccak256(bytes(name)) of each name (UTF-8): product ids and order keys, (n, 32)."""
    return keccak_many([name.encode("utf-8") for name in names])


def _double_hashed(first: Rows, second: Rows) -> Rows:
    """keccak256(keccak256(first ‖ second)) per row: a StandardMerkleTree leaf."""
    return keccak_rows(keccak_rows(np.concatenate([first, second], axis=1)))


def price_leaves(products: Sequence[str], prices: Sequence[int]) -> Rows:
    """`leaves.price_leaf(product_id(p), price)` for each pair; prices in wei per GB."""
    if len(products) != len(prices):
        raise InvalidInput(f"prices: {len(prices)} values for {len(products)} products")
    return _double_hashed(name_ids(products), int256_words("prices", prices))


def order_leaves(order_ids: Sequence[str], quantities: Sequence[int]) -> Rows:
    """`leaves.order_leaf(order_key(id), quantity)` for each pair; 10^-18 GB per hour."""
    if len(order_ids) != len(quantities):
        raise InvalidInput(f"quantities: {len(quantities)} values for {len(order_ids)} orders")
    return _double_hashed(name_ids(order_ids), int256_words("quantities", quantities))


def sorted_leaf_hashes(index: npt.NDArray[np.int64], keys: Rows, values: Rows) -> Rows:
    """`sorted_tree.leaf_hash(i, key, value)` of each row, two batch calls per block of
    `LEAF_BLOCK` rows (the fills, trade-lines and holdings trees). With keys of one width k
    and values of one width v, the ABI encoding of (uint256 i, bytes key, bytes value)
    has a fixed layout: i, the key's offset 0x60, the value's offset 0x60 + 32 + k', k,
    the key padded to k' (k rounded up to 32 bytes), v, the value padded likewise."""
    n, k = keys.shape
    v = values.shape[1]
    key_at = 128
    length_at = key_at + -(-k // 32) * 32
    value_at = length_at + 32
    out = np.empty((n, 32), dtype=np.uint8)
    # Block by block: a million holdings would take a 350 MB encoding at once, written
    # column by column; a block's stays in the cache between its writes and its hashing.
    rows = np.zeros((min(n, LEAF_BLOCK), value_at + -(-v // 32) * 32), dtype=np.uint8)
    rows[:, 32:64] = _word(0x60)
    rows[:, 64:96] = _word(length_at)
    rows[:, 96:128] = _word(k)
    rows[:, length_at:value_at] = _word(v)
    for start in range(0, n, LEAF_BLOCK):
        end = min(n, start + LEAF_BLOCK)
        block = rows[: end - start]
        block[:, 24:32] = index[start:end].astype(">u8").view(np.uint8).reshape(-1, 8)
        block[:, key_at : key_at + k] = keys[start:end]
        block[:, value_at : value_at + v] = values[start:end]
        out[start:end] = keccak_rows(keccak_rows(block))
    return out


def _word(value: int) -> Rows:
    return np.frombuffer(value.to_bytes(32, "big"), dtype=np.uint8)
