"""An hour's trade-lines tree: the Python twin of `contracts/libraries/TradeLines.sol`.

The tree commits every trade of the hour line by line so that a product whose trades do
not sum to zero can be proven on chain (docs/settlement.md, "Balance of an hour"). It is a
sorted, indexed tree (`flowmarket.chain.sorted_tree`) of one line per (product, source)
with a nonzero amount, sorted by product id, then source key:

    key   = productId ‖ source                                   (64 bytes)
    value = abi.encode(int256 amount, int256 sumBefore, uint256 grossBefore)

A **backed** line's source is the order key of a committed fill (`FillTerms`) and its
amount is the fill's quantity × its weight of the product / 10^18, rounded toward zero
(`line_amount`), which the contract checks against the fill leaf. In an hour cleared in
intervals (`interval_trade_lines`) each interval's fills have their own lines (the order
key is that of `interval:J:ORDER_ID`) and every amount is what was delivered, in 10^-18 GB:
the rate × L / 3600, rounded toward zero, for L the hour's governed interval. Trades that have no
fill leaf (non-convex orders, named portfolios, a link owner's flows) are one **unbacked**
line per participant and product, source keccak256("unbacked:" ‖ 20 address bytes),
amount the participant's whole trade (10^-18 GB/h) less its backed lines. sumBefore and
grossBefore are the sums of the amounts and of their magnitudes over the product's
earlier lines. Built in one sort plus one pass: O(L log L) for L lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from eth_abi.abi import decode, encode

from flowmarket.chain import int256_columns as columns
from flowmarket.chain.addresses import canonical, checksummed
from flowmarket.chain.leaf_arrays import int256_words, sorted_leaf_hashes
from flowmarket.chain.leaves import order_key, product_id
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.hashing import keccak
from flowmarket.money import WAD, to_wad
from flowmarket.schedule import SECONDS_PER_HOUR

if TYPE_CHECKING:
    from flowmarket.clearing import ResultDoc
    from flowmarket.oracle.hour_commitment import FillTerms

KEY_BYTES = 64
VALUE_BYTES = 96
TOLERANCE_DIVISOR = 1_000_000
_VALUE_TYPES = ["int256", "int256", "uint256"]


@dataclass(frozen=True)
class Line:
    """One decoded line: product id, source key, amount and the running sums before it."""

    product: bytes
    source: bytes
    amount: int
    sum_before: int
    gross_before: int

    @property
    def sum_after(self) -> int:
        return self.sum_before + self.amount

    @property
    def gross_after(self) -> int:
        return self.gross_before + abs(self.amount)


def line_amount(quantity: int, weight: int, interval_s: int = SECONDS_PER_HOUR) -> int:
    """quantity × weight / 10^18 rounded toward zero (Solidity's signed division); in an
    hour cleared in intervals of `interval_s` seconds, that times interval_s / 3600, rounded
    toward zero again: what the rate delivers in one interval (`TradeLines.amountIn`)."""
    rate = _toward_zero(quantity * weight, WAD)
    return rate if interval_s == SECONDS_PER_HOUR else _toward_zero(rate * interval_s, 3600)


def _toward_zero(numerator: int, denominator: int) -> int:
    magnitude = abs(numerator) // denominator
    return magnitude if numerator >= 0 else -magnitude


def unbacked_source(participant: str) -> bytes:
    """keccak256("unbacked:" ‖ address bytes): the source of a participant's unbacked line."""
    return keccak(b"unbacked:" + canonical(participant))


def line_value(amount: int, sum_before: int, gross_before: int) -> bytes:
    return encode(_VALUE_TYPES, [amount, sum_before, gross_before])


def decode_line(key: bytes, value: bytes) -> Line:
    amount, sum_before, gross_before = decode(_VALUE_TYPES, value)
    return Line(key[:32], key[32:], int(amount), int(sum_before), int(gross_before))


def is_outside_tolerance(total: int, gross: int) -> bool:
    """|Σ amount| > 10^-6 · max(1 GB/h, Σ |amount|): `TradeLines.isOutsideTolerance`."""
    return abs(total) > max(gross, WAD) // TOLERANCE_DIVISOR


def trade_lines(
    result: ResultDoc, orders: Sequence[Mapping[str, Any]], fills: Iterable[FillTerms]
) -> SortedTree:
    """The hour's trade-lines tree from its result, its orders and its committed fills."""
    amounts, backed, filled = _backed_lines(fills)
    for participant, book in _unbacked_books(result, orders, filled).items():
        source = unbacked_source(participant)
        for name, trade in book.items():
            amount = to_wad(trade) - backed.get((participant, name), 0)
            if amount:
                amounts[product_id(name) + source] = amount
    return build_tree(amounts)


def interval_trade_lines(
    parts: Sequence[IntervalLines], trades: Mapping[str, Mapping[str, int]]
) -> SortedTree:
    """The trade-lines tree of an hour cleared in intervals (docs/schedule.md): a backed
    line per interval fill and product, what the fill's rate delivers in its interval
    (`line_amount` with the interval's length; the fill's order key names its interval),
    and one unbacked line per participant and product with a trade some interval's fills
    do not back: its exact trade delivered in the hour (`trades`, the entries' integer
    10^-18 GB) less all its backed lines. Every product's lines then sum to exactly the
    sum of the entries' trades, zero."""
    amounts: dict[bytes, int] = {}
    backed: dict[tuple[str, str], int] = {}
    unbacked: set[str] = set()
    for part in parts:
        lines, covered, filled = _backed_lines(part.fills)
        amounts.update(lines)
        for key, amount in covered.items():
            backed[key] = backed.get(key, 0) + amount
        unbacked |= set(_unbacked_books(part.result, part.orders, filled))
    for participant in sorted(unbacked):
        source = unbacked_source(participant)
        for name, trade in trades.get(participant, {}).items():
            amount = trade - backed.get((participant, name), 0)
            if amount:
                amounts[product_id(name) + source] = amount
    return build_tree(amounts)


@dataclass(frozen=True)
class IntervalLines:
    """One interval of an hour cleared in intervals: its result, its order set's orders and
    its committed fills (order ids keyed by the interval)."""

    result: ResultDoc
    orders: Sequence[Mapping[str, Any]]
    fills: Sequence[FillTerms]


def _backed_lines(
    fills: Iterable[FillTerms],
) -> tuple[dict[bytes, int], dict[tuple[str, str], int], set[str]]:
    """({line key: amount} of the fills' lines, {(participant, product): backed amount},
    the result's order ids the fills cover)."""
    amounts: dict[bytes, int] = {}
    backed: dict[tuple[str, str], int] = {}
    filled = set()
    ids: dict[str, bytes] = {}
    for fill in fills:
        filled.add(fill.result_id)
        source = order_key(fill.order_id)
        for name, weight in zip(fill.products, fill.weights, strict=True):
            amount = line_amount(fill.quantity, weight, fill.interval_s)
            if amount:
                pid = ids.get(name) or ids.setdefault(name, product_id(name))
                amounts[pid + source] = amount
                key = (fill.participant, name)
                backed[key] = backed.get(key, 0) + amount
    return amounts, backed, filled


def unbacked_lines(trades: Mapping[str, Mapping[str, int]]) -> SortedTree:
    """The tree of an hour with no fill leaves (an hour cleared in intervals): one unbacked
    line per participant and product, its summed integer trade (10^-18 GB)."""
    return build_tree(
        {
            product_id(name) + unbacked_source(participant): amount
            for participant, book in trades.items()
            for name, amount in book.items()
            if amount
        }
    )


def build_tree(amounts: Mapping[bytes, int]) -> SortedTree:
    """The tree of lines {key: amount} with their running sums per product: one sort, the
    sums as exact int256 column sums (`int256_columns`), and the leaves hashed in two
    batch calls. InvalidInput names an amount or a sum beyond int256."""
    keys = sorted(amounts)
    n = len(keys)
    key_rows = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(n, KEY_BYTES)
    words = int256_words("line.amount", [amounts[key] for key in keys])
    starts = np.ones(n, dtype=bool)
    starts[1:] = np.any(key_rows[1:, :32] != key_rows[:-1, :32], axis=1)
    limbs = columns.from_words(words)
    sums = columns.running_sums(limbs, starts)
    gross = columns.running_sums(columns.absolute(limbs), starts)
    values = np.concatenate(
        [words, columns.to_words(sums, "line.sum"), columns.to_words(gross, "line.gross")],
        axis=1,
    )
    leaves = sorted_leaf_hashes(np.arange(n, dtype=np.int64), key_rows, values)
    return SortedTree.from_rows(key_rows, values, leaves)


def _unbacked_books(
    result: ResultDoc, orders: Sequence[Mapping[str, Any]], filled: set[str]
) -> dict[str, dict[str, float]]:
    """{participant: {product: GB/h}}, the whole trades (own orders and a link owner's flows)
    of every participant with a trade no fill leaf backs: an owner, a participant with a
    cleared order that has no fill, or one whose trades no order of `orders` explains."""
    books: dict[str, dict[str, float]] = {}
    for participant, entry in result["participants"].items():
        books[checksummed(participant)] = dict(entry["trades"])
    for owner, paid in result.get("owners", {}).items():
        book = books.setdefault(checksummed(owner), {})
        for name, flow in paid["trades"].items():
            book[name] = book.get(name, 0.0) + float(flow)
    explained: set[str] = set()
    unexplained: set[str] = {checksummed(o) for o in result.get("owners", {})}
    for order in orders:
        owner_of = order.get("participant")
        if not isinstance(owner_of, str) or str(order.get("id")) not in result["orders"]:
            continue
        try:
            who = checksummed(owner_of)
        except ValueError:
            continue
        (explained if str(order.get("id")) in filled else unexplained).add(who)
    return {
        p: {n: float(q) for n, q in book.items()}
        for p, book in books.items()
        if (p in unexplained or p not in explained) and book
    }
