"""An hour's holdings tree: the Python twin of `contracts/libraries/Holdings.sol`.

The trade-lines tree (`flowmarket.oracle.trade_lines`) proves each product balances; the
holdings tree binds each participant's entry (its positions and cash) to those lines
(docs/settlement.md, "Entries bound to the trade lines"). It holds the same lines keyed by
their participant first, a sorted, indexed tree (`flowmarket.chain.sorted_tree`):

    key   = participant (20 bytes) ‖ productId ‖ source                        (84 bytes)
    value = abi.encode(int256 amount, int256 price, int256 positionBefore, int256 cashBefore)

A line's participant is its fill's (backed) or the one whose unbacked source it is;
price is the product's committed price (0 in an hour cleared in intervals);
positionBefore sums the amounts of the participant's earlier lines of the product and
cashBefore −price × amount over all its earlier lines (10^-36 tokens). Two kinds of
holdings have no trade line: a participant's *rounding* line of a product (source
`ROUNDING`, the last of its product), its entry's trade (money rule 2) less its lines, at
most 10^-6 · max(1 GB/h, |its lines' sum|); and its real-time imbalance, product
`IMBALANCE`, source `ROUNDING`, price −10^18, amount its wei. Built with one sort and one
pass: O(L log L) for L lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from eth_abi.abi import decode
from eth_utils.address import to_checksum_address

from flowmarket.chain.addresses import canonical
from flowmarket.chain.leaf_arrays import sorted_leaf_hashes
from flowmarket.chain.leaves import product_id
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.errors import InvalidInput
from flowmarket.merkle.rows import digests
from flowmarket.money import WAD, HourAmounts
from flowmarket.oracle.trade_lines import unbacked_source

KEY_BYTES = 84
VALUE_BYTES = 128
IMBALANCE = b"\xff" * 32
ROUNDING = b"\xff" * 32
TOLERANCE_DIVISOR = 1_000_000
MAX_TERM = 2**120
MAX_SUM = 2**250
_VALUE_TYPES = ["int256", "int256", "int256", "int256"]


@dataclass(frozen=True)
class Holding:
    """One decoded holding."""

    participant: str
    product: bytes
    source: bytes
    amount: int
    price: int
    position_before: int
    cash_before: int

    @property
    def position_after(self) -> int:
        return self.position_before + self.amount

    @property
    def cash_after(self) -> int:
        return self.cash_before - self.price * self.amount


def holding_key(participant: str, product: bytes, source: bytes) -> bytes:
    return canonical(participant) + product + source


def decode_holding(key: bytes, value: bytes) -> Holding:
    amount, price, position, cash = (int(x) for x in decode(_VALUE_TYPES, value))
    participant = str(to_checksum_address(key[:20]))
    return Holding(participant, key[20:52], key[52:84], amount, price, position, cash)


def well_formed(key: bytes, value: bytes) -> bool:
    """`Holdings.wellFormed`: the shape and bounds of a holding."""
    if len(key) != KEY_BYTES or len(value) != VALUE_BYTES:
        return False
    amount, price, position, cash = (int(x) for x in decode(_VALUE_TYPES, value))
    return (
        amount != 0
        and abs(amount) <= MAX_TERM
        and abs(price) <= MAX_TERM
        and abs(position) <= MAX_SUM
        and abs(cash) <= MAX_SUM
    )


def continues_badly(a: Holding, b: Holding) -> bool:
    """`Holdings.continuesBadly`: `b`, the leaf after `a`, does not continue its sums."""
    if a.participant != b.participant:
        return opens_badly(b)
    if b.cash_before != a.cash_after:
        return True
    if a.product != b.product:
        return b.position_before != 0
    return b.price != a.price or b.position_before != a.position_after


def is_rounding(h: Holding) -> bool:
    """A participant's rounding line of a product (source `ROUNDING`, not the imbalance)."""
    return h.source == ROUNDING and h.product != IMBALANCE


def rounds_too_much(h: Holding) -> bool:
    """`Holdings.roundsTooMuch`: a rounding line beyond 10^-6 · max(1 GB/h, |the
    participant's lines of the product before it|)."""
    return is_rounding(h) and abs(h.amount) > max(WAD, abs(h.position_before)) // TOLERANCE_DIVISOR


def opens_badly(h: Holding) -> bool:
    return h.position_before != 0 or h.cash_before != 0


def is_cash_off(cash: int, fee: int, exact: int) -> bool:
    """`Holdings.isCashOff`: cash + fee − ⌊exact / 10^18⌋ is not 0 or 1 wei (rule 3)."""
    if fee > MAX_SUM or abs(cash) > MAX_SUM:
        return True
    over = cash + fee - exact // WAD
    return over < 0 or over > 1


def holdings_tree(
    lines: SortedTree, owners: Mapping[bytes, str], amounts: HourAmounts
) -> SortedTree:
    """The holdings of an hour from its trade lines. owners: {fill's order key: its
    participant} of the committed fills (every other line is an unbacked line of a
    participant of `amounts`). An hour cleared in intervals has no hourly prices
    (`sum_amounts`): each of its lines has price 0."""
    unbacked = {unbacked_source(p): p for p in amounts.trades}
    prices = {product_id(n): price for n, price in amounts.prices.items()}
    rows: list[tuple[bytes, int, int]] = []
    for key, value in zip(lines.keys, lines.values, strict=True):
        product, source = key[:32], key[32:]
        owner = owners.get(source) or unbacked.get(source)
        if owner is None:
            raise InvalidInput(
                f"trade line 0x{key.hex()}: its source is no fill and no participant's"
            )
        amount = int.from_bytes(value[:32], "big", signed=True)
        rows.append((holding_key(owner, product, source), amount, prices.get(product, 0)))
    held: dict[bytes, int] = {}
    for key, amount, _ in rows:
        held[key[:52]] = held.get(key[:52], 0) + amount
    for participant, book in amounts.trades.items():
        address = canonical(participant)
        for name, quantity in book.items():
            pid = product_id(name)
            rounding = quantity - held.get(address + pid, 0)
            if rounding:
                rows.append((address + pid + ROUNDING, rounding, prices.get(pid, 0)))
    for participant, wei in amounts.imbalance.items():
        if wei:
            rows.append((holding_key(participant, IMBALANCE, ROUNDING), wei, -WAD))
    rows.sort()
    keys: list[bytes] = []
    values: list[bytes] = []
    who, product, position, cash = b"", b"", 0, 0
    for key, amount, price in rows:
        if key[:20] != who:
            who, product, position, cash = key[:20], key[20:52], 0, 0
        elif key[20:52] != product:
            product, position = key[20:52], 0
        keys.append(key)
        values.append(_word(amount) + _word(price) + _word(position) + _word(cash))
        position += amount
        cash -= price * amount
    return SortedTree.from_sorted(keys, values, holding_leaves(keys, values))


def holding_leaves(keys: list[bytes], values: list[bytes]) -> list[bytes]:
    """`sorted_tree.leaf_hash(i, key, value)` of every holding as one batch (84-byte keys,
    128-byte values: `leaf_arrays.sorted_leaf_hashes`)."""
    n = len(keys)
    return digests(
        sorted_leaf_hashes(
            np.arange(n, dtype=np.int64),
            np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(n, KEY_BYTES),
            np.frombuffer(b"".join(values), dtype=np.uint8).reshape(n, VALUE_BYTES),
        )
    )


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big", signed=True)
