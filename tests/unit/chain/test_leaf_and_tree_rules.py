"""Leaf field checks, settlement weeks and the Merkle tree's structure, without a node.

Every out-of-range field is refused naming the field; the ranges' end points are
accepted. Trees of 0, 1, 2 and 5 leaves have the layout of OpenZeppelin's
StandardMerkleTree (nodes array of 2n − 1, leaves sorted and stored from the end),
and every proof leads to the root through sorted-pair hashing done here.
"""

from __future__ import annotations

import numpy as np
import pytest
from eth_hash.auto import keccak

from flowmarket.chain import leaves
from flowmarket.errors import InvalidInput
from flowmarket.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofIndex,
    hash_pair,
    process_proof,
    verify,
)


def nodes(tree: MerkleTree) -> tuple[bytes, ...]:
    """The tree's node array as 32-byte strings, root first."""
    return tuple(row.tobytes() for row in tree.nodes)


ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
ZERO32 = bytes(32)
INT256_MIN, INT256_MAX = -(2**255), 2**255 - 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: leaves.price_leaf(b"short", 1), r"^product_id: must be 32 bytes, got b'short'$"),
        (lambda: leaves.price_leaf(bytes(33), 1), r"^product_id: must be 32 bytes"),
        (lambda: leaves.price_leaf("00" * 32, 1), r"^product_id: must be 32 bytes"),  # type: ignore[arg-type]
        (lambda: leaves.price_leaf(ZERO32, 2**255), r"^price: \d+ is outside int256$"),
        (lambda: leaves.price_leaf(ZERO32, -(2**255) - 1), r"^price: -\d+ is outside int256$"),
        (lambda: leaves.price_leaf(ZERO32, 1.0), r"^price: must be an integer"),  # type: ignore[arg-type]
        (lambda: leaves.price_leaf(ZERO32, True), r"^price: must be an integer"),
        (lambda: leaves.order_leaf(b"k", 1), r"^order_key: must be 32 bytes"),
        (lambda: leaves.order_leaf(ZERO32, 2**255), r"^quantity: \d+ is outside int256"),
        (
            lambda: leaves.entry_leaf("0xnot", 0, 0, ZERO32),
            r"^participant: not an address: '0xnot'$",
        ),
        (lambda: leaves.entry_leaf(5, 0, 0, ZERO32), r"^participant: not an address"),  # type: ignore[arg-type]
        (lambda: leaves.entry_leaf(ALICE, 2**255, 0, ZERO32), r"^cash: \d+ is outside int256"),
        (
            lambda: leaves.entry_leaf(ALICE, 0, -1, ZERO32),
            r"^fee: must be an integer in \[0, \d+\], got -1$",
        ),
        (lambda: leaves.entry_leaf(ALICE, 0, 2**256, ZERO32), r"^fee: must be an integer in \[0,"),
        (lambda: leaves.entry_leaf(ALICE, 0, True, ZERO32), r"^fee: must be an integer"),
        (lambda: leaves.entry_leaf(ALICE, 0, 1.0, ZERO32), r"^fee: must be an integer"),  # type: ignore[arg-type]
        (lambda: leaves.entry_leaf(ALICE, 0, 0, b"x"), r"^trades_hash: must be 32 bytes"),
        (lambda: leaves.participant_key("nope"), r"^participant: not an address"),
        (lambda: leaves.settlement_value(2**255, 0, 0, 0), r"^amount: \d+ is outside int256"),
        (lambda: leaves.settlement_value(0, -1, 0, 0), r"^hours: must be an integer in \[0, \d+\]"),
        (
            lambda: leaves.settlement_value(0, 0, 2**256, 0),
            r"^credits_before: must be an integer in \[0,",
        ),
        (
            lambda: leaves.settlement_value(0, 0, 0, True),
            r"^debits_before: must be an integer in \[0,",
        ),
        (lambda: leaves.requirement_value(-1), r"^requirement: must be an integer in \[0,"),
        (lambda: leaves.trades_hash([ZERO32], []), r"^quantities: 0 values for 1 product ids$"),
        (lambda: leaves.trades_hash([b"x"], [1]), r"^product_ids\[0\]: must be 32 bytes"),
        (
            lambda: leaves.trades_hash([ZERO32, ZERO32], [1, 2**255]),
            r"^quantities\[1\]: \d+ is outside int256",
        ),
        (
            lambda: leaves.terms_hash([ZERO32], [True], [0], [1], 0, 0),
            r"^weights\[0\]: must be an integer",
        ),
        (
            lambda: leaves.terms_hash([ZERO32], [1], [0, 1], [1, INT256_MIN - 1], 0, 1),
            r"^curve_prices\[1\]: -\d+ is outside int256",
        ),
        (
            lambda: leaves.terms_hash([ZERO32, "00" * 32], [1, 1], [0], [1], 0, 0),  # type: ignore[list-item]
            r"^products\[1\]: must be 32 bytes",
        ),
    ],
)
def test_an_out_of_range_leaf_field_is_refused_naming_the_field(call: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        call()  # type: ignore[operator]


def test_the_ends_of_every_field_range_are_accepted_and_encoded_as_words() -> None:
    top = (2**255 - 1).to_bytes(32, "big")
    bottom = (2**255).to_bytes(32, "big")  # two's complement of −2^255
    assert leaves.price_leaf(ZERO32, INT256_MAX) == keccak(keccak(ZERO32 + top))
    assert leaves.price_leaf(ZERO32, INT256_MIN) == keccak(keccak(ZERO32 + bottom))
    assert leaves.order_leaf(ZERO32, -1) == keccak(keccak(ZERO32 + b"\xff" * 32))
    fee_max = b"\xff" * 32
    address_word = bytes(12) + bytes.fromhex(ALICE[2:])
    assert leaves.entry_leaf(ALICE.lower(), 0, 2**256 - 1, ZERO32) == keccak(
        keccak(address_word + ZERO32 + fee_max + ZERO32)
    )
    assert leaves.settlement_value(INT256_MIN, 2**256 - 1, 0, 2**256 - 1) == (
        bottom + fee_max + ZERO32 + fee_max
    )
    assert leaves.participant_key(ALICE.lower()) == bytes.fromhex(ALICE[2:])


def sorted_leaf(index: int, key: bytes, value: bytes) -> bytes:
    """keccak256(keccak256(abi.encode(uint256 index, bytes key, bytes value))), the ABI
    words written out here: two offsets, then each bytes as its length and padded data."""

    def word(n: int) -> bytes:
        return n.to_bytes(32, "big")

    def padded(b: bytes) -> bytes:
        return b + bytes(-len(b) % 32)

    key_part = word(len(key)) + padded(key)
    head = word(index) + word(0x60) + word(0x60 + len(key_part))
    return keccak(keccak(head + key_part + word(len(value)) + padded(value)))


def amount_words(amount: int, hours: int, credits_before: int, debits_before: int) -> bytes:
    return b"".join(
        (n % 2**256).to_bytes(32, "big") for n in (amount, hours, credits_before, debits_before)
    )


def test_a_settlement_week_with_fees_builds_its_tree_totals_and_proofs() -> None:
    week = leaves.settlement_week(3, [(ALICE.lower(), -10), (BOB, 9)], fees=1)
    assert (week.week, week.fees) == (3, 1)
    assert week.amounts == {ALICE: -10, BOB: 9}  # checksummed keys
    assert (week.total_debits, week.total_credits) == (10, 9)
    # Bob's address sorts first: his leaf is index 0 with no credits or debits before it;
    # Alice's is index 1 with Bob's 9 wei of credits before it.
    b_leaf = sorted_leaf(0, bytes.fromhex(BOB[2:]), amount_words(9, 0, 0, 0))
    a_leaf = sorted_leaf(1, bytes.fromhex(ALICE[2:]), amount_words(-10, 0, 9, 0))
    # computed once with @openzeppelin/merkle-tree 1.0.8 (StandardMerkleTree.leafHash)
    assert b_leaf.hex() == "dfc5dd7121907d7fb2de31aedd1dc8871446fcf8fdde2a1afaff90dd46010e39"
    assert a_leaf.hex() == "900fce279612d7e3adfaf93250485d3ef0500a5cef1656cf154a1421599a930c"
    assert week.root == keccak(min(a_leaf, b_leaf) + max(a_leaf, b_leaf))
    assert week.root.hex() == "26440c8f5835db891284388359db748f193d658c56d9a98d6eb94989d2530bc7"
    assert week.count == 2
    alice, bob = week.item(ALICE.lower()), week.item(BOB)
    assert (alice.index, alice.leaf, alice.proof) == (1, a_leaf, (b_leaf,))
    assert (bob.index, bob.leaf, bob.proof) == (0, b_leaf, (a_leaf,))
    hours = leaves.settlement_week(0, [(ALICE, 0)], fees=0, hours={ALICE.lower(): 0b101})
    assert hours.root == sorted_leaf(0, bytes.fromhex(ALICE[2:]), amount_words(0, 5, 0, 0))


def test_a_settlement_week_refuses_bad_fees_duplicates_and_sums_naming_them() -> None:
    with pytest.raises(InvalidInput, match=r"^fees: must be >= 0, got -1$"):
        leaves.settlement_week(0, [(ALICE, 1)], fees=-1)
    with pytest.raises(InvalidInput, match=rf"^participant: {ALICE} appears twice in week 2$"):
        leaves.settlement_week(2, [(ALICE, -1), (ALICE.lower(), 1)], fees=0)
    with pytest.raises(
        InvalidInput,
        match=r"^amounts: week 5 sums to -1 wei, must be -fees = -2 \(zero after fees\)$",
    ):
        leaves.settlement_week(5, [(ALICE, -10), (BOB, 9)], fees=2)
    with pytest.raises(InvalidInput, match=r"^participant: not an address"):
        leaves.settlement_week(0, [("0x12", 0)], fees=0)
    with pytest.raises(InvalidInput, match=r"^amount: \d+ is outside int256"):
        leaves.settlement_week(0, [(ALICE, 2**255), (BOB, -(2**255))], fees=0)
    week = leaves.settlement_week(1, [(ALICE, 0)], fees=0)
    with pytest.raises(InvalidInput, match=rf"^participant: {BOB} has no leaf in week 1$"):
        week.item(BOB.lower())


def leaf(i: int) -> bytes:
    return keccak(bytes([i]))


def test_an_empty_tree_has_the_zero_root_no_leaves_and_verifies_nothing() -> None:
    tree = MerkleTree.from_leaves([])
    assert (nodes(tree), tree.leaf_count, tree.root, tree.leaves()) == ((), 0, EMPTY_ROOT, ())
    assert not verify(EMPTY_ROOT, EMPTY_ROOT, [])
    assert process_proof(EMPTY_ROOT, []) == EMPTY_ROOT  # what verify must refuse
    with pytest.raises(InvalidInput, match="is not a leaf of this tree"):
        tree.proof(leaf(0))


def test_one_and_two_leaf_trees() -> None:
    one = MerkleTree.from_leaves([leaf(1)])
    assert (nodes(one), one.leaf_count, one.root) == ((leaf(1),), 1, leaf(1))
    assert one.proof(leaf(1)) == []
    assert verify(one.root, leaf(1), [])
    low, high = sorted([leaf(1), leaf(2)])
    two = MerkleTree.from_leaves([high, low])
    assert nodes(two) == (keccak(low + high), high, low)
    assert two.leaves() == (low, high)
    assert two.proof(low) == [high] and two.proof(high) == [low]
    assert hash_pair(high, low) == hash_pair(low, high) == keccak(low + high)
    assert hash_pair(low, low) == keccak(low + low)


def test_a_five_leaf_tree_has_openzeppelins_layout_and_every_proof_reaches_its_root() -> None:
    ordered = sorted(leaf(i) for i in range(5))
    tree = MerkleTree.from_leaves(reversed(ordered))
    n = nodes(tree)
    assert len(n) == 9 and tree.leaf_count == 5
    assert n[4:] == tuple(reversed(ordered))  # leaves from the end, ascending from the back
    for i in range(3, -1, -1):
        assert n[i] == hash_pair(n[2 * i + 1], n[2 * i + 2])
    assert tree.root == n[0]
    assert tree.leaves() == tuple(ordered)
    index = ProofIndex(tree)
    for position, item in enumerate(ordered):
        proof = tree.proof(item)
        assert proof == index.proof(item)
        node = 8 - position  # its index in `nodes`
        expected = []
        while node > 0:
            expected.append(n[node + 1] if node % 2 == 1 else n[node - 1])
            node = (node - 1) // 2
        assert proof == expected
        assert process_proof(item, proof) == tree.root
        assert verify(tree.root, item, proof)
        assert not verify(tree.root, leaf(9), proof)
        assert not verify(tree.root, item, proof[:-1])
    rows = np.frombuffer(ordered[3] + ordered[0], dtype=np.uint8).reshape(2, 32)
    assert index.proofs(rows) == [tree.proof(ordered[3]), tree.proof(ordered[0])]
    bad = np.frombuffer(ordered[1] + leaf(9), dtype=np.uint8).reshape(2, 32)
    with pytest.raises(InvalidInput, match=rf"^leaves\[1\]: 0x{leaf(9).hex()} is not a leaf"):
        index.proofs(bad)
    with pytest.raises(InvalidInput, match=r"^leaf: 0x[0-9a-f]{64} is not a leaf of this tree$"):
        index.proof(leaf(9))
    with pytest.raises(InvalidInput, match=r"^leaf: 0x[0-9a-f]{64} is not a leaf of this tree$"):
        tree.proof(n[0])  # the root is a node, not a leaf


def test_duplicate_leaves_are_kept_and_bad_leaves_refused_naming_their_index() -> None:
    tree = MerkleTree.from_leaves([leaf(1), leaf(1)])
    assert nodes(tree) == (keccak(leaf(1) + leaf(1)), leaf(1), leaf(1))
    with pytest.raises(InvalidInput, match=r"^leaves\[1\]: must be 32 bytes"):
        MerkleTree.from_leaves([leaf(1), b"short"])


def test_leaves_are_in_byte_order_of_the_address_and_carry_the_debits_before_them() -> None:
    # As checksummed text "0xCc…" sorts before "0xaA…"; as 20 bytes 0xaa… comes first.
    a_address = "0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa"
    c_address = "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
    week = leaves.settlement_week(
        4, [(c_address, 9), (a_address, -10)], fees=1, hours={a_address.lower(): 0b11}
    )
    assert week.hours == {a_address: 0b11, c_address: 0}
    a_leaf = sorted_leaf(0, bytes([0xAA]) * 20, amount_words(-10, 0b11, 0, 0))
    c_leaf = sorted_leaf(1, bytes([0xCC]) * 20, amount_words(9, 0, 0, 10))
    assert week.item(a_address).leaf == a_leaf
    assert week.item(c_address).leaf == c_leaf
    assert week.root == keccak(min(a_leaf, c_leaf) + max(a_leaf, c_leaf))


def test_a_requirements_tree_holds_each_requirement_as_one_word() -> None:
    assert leaves.requirement_value(5) == (5).to_bytes(32, "big")
    assert leaves.requirement_value(2**256 - 1) == b"\xff" * 32
    tree = leaves.requirements_tree({BOB.lower(): 7 * 10**18})
    assert tree.root == sorted_leaf(0, bytes.fromhex(BOB[2:]), (7 * 10**18).to_bytes(32, "big"))
