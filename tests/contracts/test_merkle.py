"""The Python StandardMerkleTree twin against OpenZeppelin's JavaScript library (no node needed)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from flowmarket.chain import leaves
from flowmarket.config import Settings
from flowmarket.errors import InvalidInput
from flowmarket.merkle import EMPTY_ROOT, MerkleTree, ProofIndex, hash_pair, verify

HERE = Path(__file__).parent
INT256 = st.integers(min_value=-(2**255), max_value=2**255 - 1)


def reference_tree(
    settings: Settings, encoding: list[str], values: list[list[str]]
) -> dict[str, object]:
    if not (settings.hardhat_dir / "node_modules" / "@openzeppelin" / "merkle-tree").is_dir():
        pytest.fail("@openzeppelin/merkle-tree is missing: run `npm ci` in hardhat-local")
    done = subprocess.run(
        ["node", str(HERE / "standard_tree.js"), str(settings.hardhat_dir)],
        input=json.dumps({"encoding": encoding, "values": values}),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def hexes(items: list[bytes]) -> list[str]:
    return ["0x" + item.hex() for item in items]


@given(
    prices=st.dictionaries(st.binary(min_size=32, max_size=32), INT256, min_size=1, max_size=40),
)
@hsettings(max_examples=15, deadline=None)
def test_price_tree_root_and_proofs_equal_openzeppelin_javascript(
    prices: dict[bytes, int], settings: Settings
) -> None:
    values = [["0x" + p.hex(), str(v)] for p, v in prices.items()]
    expected = reference_tree(settings, ["bytes32", "int256"], values)
    tree = MerkleTree.from_leaves(leaves.price_leaf(p, v) for p, v in prices.items())
    assert "0x" + tree.root.hex() == expected["root"]
    index = ProofIndex(tree)
    python_proofs = [hexes(index.proof(leaves.price_leaf(p, v))) for p, v in prices.items()]
    assert python_proofs == expected["proofs"]


def test_entry_and_settlement_trees_equal_openzeppelin_javascript(settings: Settings) -> None:
    people = [str(Account.create().address) for _ in range(7)]
    trades = leaves.trades_hash([leaves.product_id("premium/eu/h1")], [5 * 10**18])
    entries = [(p, (-1) ** i * (i + 1) * 10**17, i * 10**15, trades) for i, p in enumerate(people)]
    expected = reference_tree(
        settings,
        ["address", "int256", "uint256", "bytes32"],
        [[p, str(c), str(f), "0x" + t.hex()] for p, c, f, t in entries],
    )
    tree = MerkleTree.from_leaves(leaves.entry_leaf(*e) for e in entries)
    assert "0x" + tree.root.hex() == expected["root"]

    amounts = [(p, 10**18 * (i - 3)) for i, p in enumerate(people)]
    week = leaves.settlement_week(4, amounts, fees=0, hours={people[0]: 5})
    items = [week.tree.item(i) for i in range(week.count)]
    expected = reference_tree(
        settings,
        ["uint256", "bytes", "bytes"],
        [[str(it.index), "0x" + it.key.hex(), "0x" + it.value.hex()] for it in items],
    )
    assert "0x" + week.root.hex() == expected["root"]
    assert [hexes(list(it.proof)) for it in items] == expected["proofs"]


@given(count=st.integers(min_value=1, max_value=64), data=st.data())
@hsettings(max_examples=30, deadline=None)
def test_every_proof_verifies_and_a_foreign_leaf_does_not(count: int, data: st.DataObject) -> None:
    keys = data.draw(st.lists(st.binary(min_size=32, max_size=32), min_size=count, max_size=count))
    tree = MerkleTree.from_leaves(leaves.order_leaf(k, 1) for k in keys)
    for key in keys:
        leaf = leaves.order_leaf(key, 1)
        assert verify(tree.root, leaf, tree.proof(leaf))
        assert not verify(tree.root, leaves.order_leaf(key, 2), tree.proof(leaf))


def test_single_leaf_tree_has_the_leaf_as_root_and_an_empty_proof() -> None:
    leaf = leaves.price_leaf(leaves.product_id("a"), 1)
    tree = MerkleTree.from_leaves([leaf])
    assert tree.root == leaf
    assert tree.proof(leaf) == []


def test_empty_tree_has_zero_root_against_which_nothing_verifies() -> None:
    tree = MerkleTree.from_leaves([])
    assert tree.root == EMPTY_ROOT
    assert not verify(tree.root, EMPTY_ROOT, [])


def test_hash_pair_is_symmetric() -> None:
    a, b = b"\x01" * 32, b"\x02" * 32
    assert hash_pair(a, b) == hash_pair(b, a)


def test_rejects_a_proof_request_for_a_leaf_not_in_the_tree() -> None:
    tree = MerkleTree.from_leaves([b"\x01" * 32, b"\x02" * 32])
    with pytest.raises(InvalidInput, match="leaf"):
        tree.proof(b"\x03" * 32)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: leaves.price_leaf(b"short", 1), "product_id"),
        (lambda: leaves.price_leaf(b"\x00" * 32, 2**255), "price"),
        (lambda: leaves.entry_leaf("0xnot", 0, 0, b"\x00" * 32), "participant"),
        (lambda: leaves.entry_leaf(str(Account.create().address), 0, -1, b"\x00" * 32), "fee"),
        (lambda: leaves.settlement_value(0, -1, 0, 0), "hours"),
        (lambda: leaves.requirement_value(-1), "requirement"),
        (lambda: leaves.participant_key("0xnot"), "participant"),
        (lambda: leaves.trades_hash([b"\x00" * 32], []), "quantities"),
    ],
)
def test_rejects_out_of_range_leaf_fields_naming_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidInput, match=field):
        call()  # type: ignore[operator]


def test_rejects_settlement_week_that_does_not_sum_to_zero_after_fees() -> None:
    a, b = str(Account.create().address), str(Account.create().address)
    with pytest.raises(InvalidInput, match="amounts"):
        leaves.settlement_week(0, [(a, -10), (b, 9)], fees=0)
    week = leaves.settlement_week(0, [(a, -10), (b, 9)], fees=1)
    assert (week.total_debits, week.total_credits, week.fees) == (10, 9, 1)


def test_rejects_a_participant_twice_in_one_settlement_week() -> None:
    a = str(Account.create().address)
    with pytest.raises(InvalidInput, match="twice"):
        leaves.settlement_week(0, [(a, -1), (a.lower(), 1)], fees=0)


def test_settlement_leaves_carry_the_running_sums_of_the_leaves_before_them() -> None:
    """Three participants in address order: +5, −7, +2 (fees 0): the values, by hand."""
    a, b, c = ("0x" + f"{n:02x}" * 20 for n in (1, 2, 3))
    week = leaves.settlement_week(0, [(c, 2), (a, 5), (b, -7)], fees=0, hours={b: 0b101})
    assert [week.tree.item(i).key for i in range(3)] == [bytes([n]) * 20 for n in (1, 2, 3)]
    words = [
        [int.from_bytes(week.tree.item(i).value[k : k + 32], signed=True) for k in (0, 32, 64, 96)]
        for i in range(3)
    ]
    assert words == [[5, 0, 0, 0], [-7, 5, 5, 0], [2, 0, 5, 7]]
    assert (week.total_credits, week.total_debits, week.count) == (7, 7, 3)
