"""An hour's fills tree: the Python twin of `contracts/libraries/FillsTree.sol`.

Every source of a trade line is a key of this sorted, indexed tree
(`flowmarket.chain.sorted_tree`), so a line backed by nothing is provable on chain
(docs/settlement.md, "Backing of a trade line"). Two kinds of leaf, sorted by key:

    fill:     key = orderKey (32 bytes)
              value = abi.encode(address participant, int256 quantity, bytes32 terms,
                                 bytes32 signed)                               (128 bytes)
    unbacked: key = keccak256("unbacked:" ‖ 20 address bytes)                  (32 bytes)
              value = abi.encode(address participant)                           (32 bytes)

A fill is a committed order's trade with its terms and signature (`FillTerms`); an
unbacked leaf names the participant of an unbacked line (`trade_lines.unbacked_source`).
Keys strictly increase: one order has one fill. Built for all leaves at once (batch
keccak calls, one sort): O(F log F) for F leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from flowmarket.chain.addresses import canonical
from flowmarket.chain.leaf_arrays import int256_words, name_ids, sorted_leaf_hashes
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.errors import InvalidInput
from flowmarket.merkle.rows import row_bytes
from flowmarket.oracle.fill_hashes import signed_hashes, terms_hashes
from flowmarket.oracle.trade_lines import unbacked_source

if TYPE_CHECKING:
    from flowmarket.oracle.hour_commitment import FillTerms

KEY_BYTES = 32
FILL_VALUE_BYTES = 128
UNBACKED_VALUE_BYTES = 32


def fill_value(participant: str, quantity: int, terms: bytes, signed: bytes) -> bytes:
    """abi.encode(address participant, int256 quantity, bytes32 terms, bytes32 signed),
    packed by hand (four words): the oracle builds one per fill."""
    if len(terms) != 32 or len(signed) != 32:
        raise InvalidInput("fill: terms and signed must be 32-byte hashes")
    try:
        word = quantity.to_bytes(32, "big", signed=True)
    except OverflowError:
        raise InvalidInput(f"fill: quantity {quantity} is not an int256") from None
    return bytes(12) + canonical(participant) + word + terms + signed


def unbacked_value(participant: str) -> bytes:
    """abi.encode(address participant): the value of an unbacked source's leaf."""
    return bytes(12) + canonical(participant)


def is_malformed(key: bytes, value: bytes) -> bool:
    """`FillsTree.isMalformed`: neither a fill's nor an unbacked source's shape."""
    if len(key) != KEY_BYTES or len(value) not in (FILL_VALUE_BYTES, UNBACKED_VALUE_BYTES):
        return True
    if any(value[:12]):
        return True
    return len(value) == UNBACKED_VALUE_BYTES and key != unbacked_source("0x" + value[12:32].hex())


def fills_tree(
    fills: Sequence[FillTerms], unbacked: Iterable[str], *, strict: bool = True
) -> SortedTree:
    """The tree of the hour's fills and of the participants with an unbacked line.

    strict=False builds what an oracle committed even when one order has two fills (equal
    adjacent keys, which `isFillsMalformed` proves); the oracle itself builds strictly.
    Every part is built for all fills at once: keys, terms and signature hashes in batch
    keccak calls (`fill_hashes`), the values as one array, one stable sort of the keys
    (equal keys keep their order, fills before unbacked leaves)."""
    others = list(unbacked)
    n, total = len(fills), len(fills) + len(others)
    unbacked_values = np.zeros((len(others), UNBACKED_VALUE_BYTES), dtype=np.uint8)
    unbacked_values[:, 12:] = _addresses(others, "unbacked")
    keys = np.empty((total, KEY_BYTES), dtype=np.uint8)
    keys[:n] = name_ids([f.order_id for f in fills])
    keys[n:] = np.frombuffer(b"".join(map(unbacked_source, others)), dtype=np.uint8).reshape(
        -1, KEY_BYTES
    )
    order = _key_order(keys)
    values = np.zeros((n, FILL_VALUE_BYTES), dtype=np.uint8)
    values[:, 12:32] = _addresses([f.participant for f in fills], "fill")
    values[:, 32:64] = int256_words("fill.quantity", [f.quantity for f in fills])
    values[:, 64:96] = terms_hashes(fills)
    values[:, 96:128] = signed_hashes(fills)
    leaves = np.empty((total, 32), dtype=np.uint8)
    fill_at, other_at = np.flatnonzero(order < n), np.flatnonzero(order >= n)
    leaves[fill_at] = sorted_leaf_hashes(fill_at, keys[order[fill_at]], values[order[fill_at]])
    leaves[other_at] = sorted_leaf_hashes(
        other_at, keys[order[other_at]], unbacked_values[order[other_at] - n]
    )
    value_list = row_bytes(values) + row_bytes(unbacked_values)
    return SortedTree.from_rows(
        keys[order], [value_list[i] for i in order.tolist()], leaves, strict=strict
    )


def _key_order(keys: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """The stable ascending order of 32-byte keys, as bytes compare. Keys are hashes, so
    their first 8 bytes (big-endian) almost always order them; only when two agree there
    (one order's two fills, or a 64-bit collision) are all four words sorted."""
    columns = keys.view(">u8").reshape(-1, 4).astype(np.uint64)
    order = np.argsort(columns[:, 0], kind="stable")
    first = columns[order, 0]
    if np.any(first[1:] == first[:-1]):
        order = np.lexsort(columns.T[::-1])
    return order.astype(np.int64)


def _addresses(participants: list[str], field: str) -> npt.NDArray[np.uint8]:
    try:
        raw = b"".join(map(canonical, participants))
    except (ValueError, TypeError, AttributeError):
        bad = next(p for p in participants if not _is_address(p))
        raise InvalidInput(f"{field}: not an address: {bad!r}") from None
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 20)


def _is_address(value: object) -> bool:
    try:
        canonical(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True
