"""The trade-lines and holdings trees built column by column (`trade_lines.build_tree`,
`holdings.holdings_tree`) against the trees built pair by pair with Python's integers,
eth_abi's encoder and the scalar leaf hash (`SortedTree(pairs)`), on random hours with
amounts up to the trees' bounds; and their errors."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.chain.leaves import order_key, product_id
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.errors import InvalidInput
from flowmarket.money import HourAmounts
from flowmarket.oracle.holdings import IMBALANCE, ROUNDING, holdings_tree
from flowmarket.oracle.trade_lines import build_tree, unbacked_source

WAD = 10**18
PEOPLE = [to_checksum_address("0x" + f"{i:02x}" * 20) for i in (0xA1, 0x07, 0xFE, 0x33)]
NAMES = ["p0", "p1", "p2", "premium"]
LINE_KEYS = [product_id(n) + order_key(f"o{i}") for n in NAMES for i in range(6)]


def lines_by_pairs(amounts: dict[bytes, int]) -> SortedTree:
    pairs, product, total, gross = [], b"", 0, 0
    for key in sorted(amounts):
        if key[:32] != product:
            product, total, gross = key[:32], 0, 0
        value = encode(["int256"] * 3, [amounts[key], total, gross])
        pairs.append((key, value))
        total += amounts[key]
        gross += abs(amounts[key])
    return SortedTree(pairs)


def holdings_by_pairs(
    lines: SortedTree, owners: dict[bytes, str], amounts: HourAmounts
) -> SortedTree:
    unbacked = {unbacked_source(p): p for p in amounts.trades}
    prices = {product_id(n): p for n, p in amounts.prices.items()}
    rows, held = [], {}
    for key, value in zip(lines.keys, lines.values, strict=True):
        owner = owners.get(key[32:]) or unbacked[key[32:]]
        address = bytes.fromhex(owner[2:])
        amount = int.from_bytes(value[:32], "big", signed=True)
        rows.append((address + key, amount, prices.get(key[:32], 0)))
        held[address + key[:32]] = held.get(address + key[:32], 0) + amount
    for participant, book in amounts.trades.items():
        address = bytes.fromhex(participant[2:])
        for name, quantity in book.items():
            pid = product_id(name)
            if quantity - held.get(address + pid, 0):
                rows.append((address + pid + ROUNDING, quantity - held.get(address + pid, 0),
                             prices.get(pid, 0)))  # fmt: skip
    for participant, wei in amounts.imbalance.items():
        if wei:
            rows.append((bytes.fromhex(participant[2:]) + IMBALANCE + ROUNDING, wei, -WAD))
    rows.sort()
    pairs, who, product, position, cash = [], b"", b"", 0, 0
    for key, amount, price in rows:
        if key[:20] != who:
            who, product, position, cash = key[:20], key[20:52], 0, 0
        elif key[20:52] != product:
            product, position = key[20:52], 0
        pairs.append((key, encode(["int256"] * 4, [amount, price, position, cash])))
        position += amount
        cash -= price * amount
    return SortedTree(pairs)


def same_tree(a: SortedTree, b: SortedTree) -> None:
    assert a.keys == b.keys
    assert a.values == b.values
    assert a.leaves == b.leaves
    assert a.root == b.root


def quantities() -> st.SearchStrategy[int]:
    bits = st.sampled_from([1, 16, 40, 64, 70, 90, 110, 120])
    return bits.flatmap(lambda b: st.integers(-(2**b), 2**b))


@st.composite
def hours(draw: st.DrawFn) -> tuple[SortedTree, dict[bytes, str], HourAmounts]:
    """Fills (each an order of one participant over some products), unbacked lines of some
    participants, their entries' trades (some equal to their lines, some off by a rounding)
    and imbalances."""
    owners: dict[bytes, str] = {}
    amounts: dict[bytes, int] = {}
    lines_of: dict[tuple[str, str], int] = {}
    for j in range(draw(st.integers(0, 12))):
        who = draw(st.sampled_from(PEOPLE))
        owners[order_key(f"order-{j}")] = who
        for name in draw(st.sets(st.sampled_from(NAMES), min_size=1, max_size=3)):
            amount = draw(quantities())
            amounts[product_id(name) + order_key(f"order-{j}")] = amount
            lines_of[who, name] = lines_of.get((who, name), 0) + amount
    trades: dict[str, dict[str, int]] = {}
    for who in draw(st.sets(st.sampled_from(PEOPLE))):
        book = trades.setdefault(who, {})
        for name in draw(st.sets(st.sampled_from(NAMES), max_size=3)):
            unbacked = draw(st.sampled_from([0, 0, 5, -(10**20)]))
            if unbacked:
                amounts[product_id(name) + unbacked_source(who)] = unbacked
            rounding = draw(st.sampled_from([0, 0, 1, -3]))
            book[name] = lines_of.get((who, name), 0) + unbacked + rounding
    for (who, name), total in lines_of.items():
        if who in trades and draw(st.booleans()):
            trades[who].setdefault(name, total)
    prices = {n: draw(st.integers(-(2**100), 2**100)) for n in NAMES if draw(st.booleans())}
    settled = draw(st.sets(st.sampled_from(PEOPLE)))
    imbalance = {who: draw(st.integers(-(10**30), 10**30)) for who in settled}
    for who in imbalance:
        trades.setdefault(who, {})
    hour = HourAmounts(prices, trades, {}, {}, {}, 0, imbalance)
    return build_tree(amounts), owners, hour  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(LINE_KEYS), quantities()))
def test_the_trade_lines_tree_equals_the_pair_by_pair_build(amounts: dict[bytes, int]) -> None:
    same_tree(build_tree(amounts), lines_by_pairs(amounts))


@settings(max_examples=200, deadline=None)
@given(hours())
def test_the_holdings_tree_equals_the_pair_by_pair_build(
    hour: tuple[SortedTree, dict[bytes, str], HourAmounts],
) -> None:
    lines, owners, amounts = hour
    same_tree(holdings_tree(lines, owners, amounts), holdings_by_pairs(lines, owners, amounts))


def test_the_empty_hour() -> None:
    empty = HourAmounts({}, {}, {}, {}, {}, 0)
    lines = build_tree({})
    assert lines.count == 0 and lines.root == SortedTree([]).root
    assert holdings_tree(lines, {}, empty).count == 0


def test_a_line_without_an_owner_is_named() -> None:
    key = product_id("p0") + order_key("lost")
    lines = build_tree({key: 5})
    with pytest.raises(InvalidInput, match=f"trade line 0x{key.hex()}: its source is no fill"):
        holdings_tree(lines, {}, HourAmounts({}, {}, {}, {}, {}, 0))


def test_sums_beyond_int256_are_named_not_wrapped() -> None:
    top = 2**255 - 1
    keys = [product_id("p0") + order_key(f"o{i}") for i in range(3)]
    ordered = sorted(keys)
    with pytest.raises(InvalidInput, match=r"^line\.sum\[2\]: beyond int256$"):
        build_tree({ordered[0]: top, ordered[1]: 1, ordered[2]: 1})
    # A cash term −price × amount of 2^260 has no word: named, where the pair-by-pair
    # build raised Python's OverflowError.
    who = PEOPLE[0]
    lines = build_tree({keys[0]: 2**130})
    amounts = HourAmounts({"p0": 2**130}, {who: {"p0": 2**130}}, {}, {}, {}, 0)
    with pytest.raises(InvalidInput, match=r"^holding\.cash\[0\]: beyond int256$"):
        holdings_tree(lines, {order_key("o0"): who}, amounts)


def test_a_fills_owner_comes_before_an_unbacked_source_of_the_same_key() -> None:
    # A fill whose order key were someone's unbacked source belongs to the fill's owner,
    # as in the pair-by-pair build.
    source = unbacked_source(PEOPLE[1])
    lines = build_tree({product_id("p0") + source: 7})
    amounts = HourAmounts({}, {PEOPLE[1]: {}}, {}, {}, {}, 0)
    tree = holdings_tree(lines, {source: PEOPLE[0]}, amounts)
    assert [key[:20] for key in tree.keys] == [bytes.fromhex(PEOPLE[0][2:])]
    same_tree(tree, holdings_by_pairs(lines, {source: PEOPLE[0]}, amounts))
