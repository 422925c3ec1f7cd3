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
Keys strictly increase: one order has one fill. Built in one sort and two batch hash
calls: O(F log F) for F leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from flowmarket.chain.addresses import canonical
from flowmarket.chain.leaves import order_key
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.errors import InvalidInput
from flowmarket.merkle.keccak import keccak_rows
from flowmarket.merkle.rows import digests
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
    adjacent keys, which `isFillsMalformed` proves); the oracle itself builds strictly."""
    pairs = [(order_key(f.order_id), fill_value(f.participant, f.quantity, f.terms, f.signed))
             for f in fills]  # fmt: skip
    pairs += [(unbacked_source(p), unbacked_value(p)) for p in unbacked]
    pairs.sort(key=lambda pair: pair[0])
    keys = [k for k, _ in pairs]
    values = [v for _, v in pairs]
    return SortedTree.from_sorted(keys, values, fill_leaves(keys, values), strict=strict)


def fill_leaves(keys: list[bytes], values: list[bytes]) -> list[bytes]:
    """`sorted_tree.leaf_hash(i, key, value)` of every leaf i, in two batch calls: the ABI
    encoding of (uint256 i, bytes key, bytes value) with a 32-byte key is 224 bytes plus
    the value (i, offset 0x60, offset 0xa0, 32, key, len, value)."""
    if not keys:
        return []
    out: list[bytes] = [b""] * len(keys)
    for size in {len(v) for v in values}:
        at = [i for i, v in enumerate(values) if len(v) == size]
        n = len(at)
        rows = np.zeros((n, 192 + size), dtype=np.uint8)
        rows[:, 24:32] = np.array(at, dtype=">u8").view(np.uint8).reshape(n, 8)
        rows[:, 63] = 0x60
        rows[:, 95] = 0xA0
        rows[:, 127] = KEY_BYTES
        rows[:, 128:160] = np.frombuffer(b"".join(keys[i] for i in at), dtype=np.uint8).reshape(
            n, KEY_BYTES
        )
        rows[:, 160:192] = np.frombuffer(size.to_bytes(32, "big"), dtype=np.uint8)
        rows[:, 192:] = np.frombuffer(b"".join(values[i] for i in at), dtype=np.uint8).reshape(
            n, size
        )
        for i, leaf in zip(at, digests(keccak_rows(keccak_rows(rows))), strict=True):
            out[i] = leaf
    return out
