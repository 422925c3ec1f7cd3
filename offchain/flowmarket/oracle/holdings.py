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
`IMBALANCE`, source `ROUNDING`, price −10^18, amount its wei. Built column by column
(`holdings_tree`): two stable sorts, O(L log L) for L lines, and exact int256 column sums.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import numpy.typing as npt
from eth_abi.abi import decode
from eth_utils.address import to_checksum_address

from flowmarket.chain import int256_columns as columns
from flowmarket.chain.addresses import canonical
from flowmarket.chain.leaf_arrays import int256_words, sorted_leaf_hashes
from flowmarket.chain.leaves import product_id
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.errors import InvalidInput
from flowmarket.merkle.rows import digests, row_bytes
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
_MINUS_WAD = np.frombuffer((-WAD).to_bytes(32, "big", signed=True), dtype=np.uint8)


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
    (`sum_amounts`): each of its lines has price 0.

    Column by column: the lines keep their tree's amount words; one stable sort by
    participant puts them in key order (the lines are in (product, source) order); the
    rounding lines and imbalances join them in a second; every sum is an exact int256
    column sum (`int256_columns`). InvalidInput names a line with no owner and a sum
    beyond int256."""
    rows = _Rows.of(lines, owners, amounts)
    extra = _extra_rows(rows, amounts)
    owner = np.concatenate([rows.owner, extra.owner])
    product = np.concatenate([rows.product, extra.product])
    is_extra = np.ones(owner.size, dtype=np.int64)
    is_extra[: rows.count] = 0
    order = np.argsort((owner * rows.universe.shape[0] + product) * 2 + is_extra, kind="stable")
    owner, product = owner[order], product[order]
    amount = np.concatenate([rows.amounts, extra.amounts])[order]
    price = rows.prices[product]
    price[np.concatenate([np.zeros(rows.count, dtype=bool), extra.imbalance])[order]] = _MINUS_WAD
    owner_starts = np.ones(order.size, dtype=bool)
    owner_starts[1:] = owner[1:] != owner[:-1]
    pair_starts = owner_starts.copy()
    pair_starts[1:] |= product[1:] != product[:-1]
    amount_limbs = columns.from_words(amount)
    cash_terms = -columns.products(columns.from_words(price), amount_limbs, "holding.cash")
    values = np.concatenate(
        [
            amount,
            price,
            columns.to_words(columns.running_sums(amount_limbs, pair_starts), "holding.position"),
            columns.to_words(columns.running_sums(cash_terms, owner_starts), "holding.cash"),
        ],
        axis=1,
    )
    rounding = np.tile(np.frombuffer(ROUNDING, dtype=np.uint8), (extra.count, 1))
    sources = np.concatenate([rows.sources, rounding])
    keys = np.concatenate([rows.addresses[owner], rows.universe[product], sources[order]], 1)
    index = np.arange(keys.shape[0], dtype=np.int64)
    leaves = sorted_leaf_hashes(index, keys, values)
    return SortedTree.from_rows(keys, values, leaves)


@dataclass(frozen=True)
class _Rows:
    """The trade lines as holdings, in key order, as columns. owner (n,): rank into
    addresses (p, 20), the participants' canonical addresses in byte order; product
    (n,): rank into universe (u, 32), every product id of the hour in byte order,
    `IMBALANCE` last, whose committed prices are `prices` (u, 32) int256 words; sources
    (n, 32); amounts (n, 32) int256 words. rank: {participant as given: owner rank}."""

    count: int
    owner: npt.NDArray[np.int64]
    addresses: npt.NDArray[np.uint8]
    product: npt.NDArray[np.int64]
    universe: npt.NDArray[np.uint8]
    prices: npt.NDArray[np.uint8]
    sources: npt.NDArray[np.uint8]
    amounts: npt.NDArray[np.uint8]
    rank: dict[str, int]
    named: dict[str, int]

    @classmethod
    def of(cls, lines: SortedTree, owners: Mapping[bytes, str], amounts: HourAmounts) -> _Rows:
        people = {*owners.values(), *amounts.trades, *amounts.imbalance}
        address_of = {p: canonical(p) for p in people}
        addresses = sorted(set(address_of.values()))
        at = {address: i for i, address in enumerate(addresses)}
        rank = {p: at[address] for p, address in address_of.items()}
        owner_of = {source: rank[p] for source, p in owners.items()}
        for p in amounts.trades:
            owner_of.setdefault(unbacked_source(p), rank[p])
        n = lines.count
        keys = lines.key_rows().reshape(n, 64)
        values = lines.value_rows().reshape(n, 96)
        by_owner = np.array(
            [owner_of.get(source, -1) for source in row_bytes(keys[:, 32:])], dtype=np.int64
        )
        if np.any(by_owner < 0):
            key = keys[int(np.argmax(by_owner < 0))].tobytes()
            raise InvalidInput(
                f"trade line 0x{key.hex()}: its source is no fill and no participant's"
            )
        # The lines are in product order: each line's product is the count of changes.
        change = np.ones(n, dtype=bool)
        change[1:] = np.any(keys[1:, :32] != keys[:-1, :32], axis=1)
        line_products = row_bytes(keys[change, :32])
        price_of = {product_id(name): price for name, price in amounts.prices.items()}
        names = {name: product_id(name) for name in set().union(*amounts.trades.values())}
        universe = sorted({*line_products, *names.values(), IMBALANCE})
        place = {pid: i for i, pid in enumerate(universe)}
        distinct = np.array([place[pid] for pid in line_products], dtype=np.int64)
        product = distinct[np.cumsum(change) - 1]
        order = np.argsort(by_owner, kind="stable")
        return cls(
            count=n,
            owner=by_owner[order],
            addresses=_table(addresses, 20),
            product=product[order],
            universe=_table(universe, 32),
            prices=int256_words("prices", [price_of.get(pid, 0) for pid in universe]),
            sources=keys[order, 32:],
            amounts=values[order, :32],
            rank=rank,
            named={name: place[pid] for name, pid in names.items()},
        )


@dataclass(frozen=True)
class _Extra:
    """The holdings that are no trade line, as columns: rounding lines, then imbalances."""

    count: int
    owner: npt.NDArray[np.int64]
    product: npt.NDArray[np.int64]
    amounts: npt.NDArray[np.uint8]
    imbalance: npt.NDArray[np.bool_]


def _extra_rows(rows: _Rows, amounts: HourAmounts) -> _Extra:
    """Each participant's rounding line of a product, its entry's trade less the sum of its
    lines, and its real-time imbalance (price −10^18), each where it is not zero."""
    owner: list[int] = []
    product: list[int] = []
    trade: list[int] = []
    for participant, book in amounts.trades.items():
        owner.extend(repeat(rows.rank[participant], len(book)))
        product.extend(map(rows.named.__getitem__, book))
        trade.extend(book.values())
    pairs = np.array(owner, dtype=np.int64) * rows.universe.shape[0]
    pairs += np.array(product, dtype=np.int64)
    rounding = columns.from_words(int256_words("holding.amount", trade))
    if rows.count:
        line_pairs = rows.owner * rows.universe.shape[0] + rows.product
        starts = np.flatnonzero(np.diff(line_pairs, prepend=-1))
        held = np.add.reduceat(columns.from_words(rows.amounts), starts, axis=1)
        width = max(held.shape[0], rounding.shape[0])
        held, rounding = columns.widened(held, width), columns.widened(rounding, width)
        held_pairs = line_pairs[starts]
        at = np.minimum(np.searchsorted(held_pairs, pairs), starts.size - 1)
        found = held_pairs[at] == pairs
        rounding[:, found] -= held[:, at[found]]
    rounding = columns.canonical(rounding, "holding.amount")
    keep = np.flatnonzero(np.any(rounding != 0, axis=0))
    wei = [(rows.rank[p], w) for p, w in amounts.imbalance.items() if w]
    imbalance = np.zeros(keep.size + len(wei), dtype=bool)
    imbalance[keep.size :] = True
    return _Extra(
        count=imbalance.size,
        owner=np.concatenate(
            [pairs[keep] // rows.universe.shape[0], np.array([r for r, _ in wei], dtype=np.int64)]
        ),
        product=np.concatenate(
            [np.array(product, dtype=np.int64)[keep], np.full(len(wei), rows.universe.shape[0] - 1)]
        ),
        amounts=np.concatenate(
            [
                columns.to_words(rounding[:, keep], "holding.amount"),
                int256_words("holding.amount", [w for _, w in wei]),
            ]
        ),
        imbalance=imbalance,
    )


def _table(items: list[bytes], width: int) -> npt.NDArray[np.uint8]:
    return np.frombuffer(b"".join(items), dtype=np.uint8).reshape(len(items), width)


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
