"""Sorted, indexed trees: leaf bytes by hand, lookups that prove presence and absence."""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

from flowmarket.chain.sorted_tree import SortedTree, leaf_hash, verify_item
from flowmarket.errors import InvalidInput
from flowmarket.merkle import verify


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def test_leaf_hash_is_the_double_hash_of_the_abi_encoding_written_out_by_hand() -> None:
    # abi.encode(uint256 7, bytes 0xaa, bytes 0xbbcc): head (index, two offsets), then
    # each bytes as its length and its right-padded data.
    encoded = (
        word(7)
        + word(0x60)
        + word(0xA0)
        + word(1)
        + b"\xaa" + bytes(31)
        + word(2)
        + b"\xbb\xcc" + bytes(30)
    )  # fmt: skip
    assert leaf_hash(7, b"\xaa", b"\xbb\xcc") == keccak(keccak(encoded))


def test_keys_are_sorted_and_indexed_and_every_item_proves_against_the_root() -> None:
    tree = SortedTree([(b"\x03", b"c"), (b"\x01", b"a"), (b"\x02", b"b")])
    assert tree.keys == [b"\x01", b"\x02", b"\x03"] and tree.count == 3
    for index in range(3):
        item = tree.item(index)
        assert item.index == index and verify_item(tree.root, tree.count, item)
        assert not verify_item(tree.root, index, item)  # an index at or past count
    assert tree.find(b"\x02") == 1 and tree.find(b"\x04") is None


def test_lookup_returns_the_leaf_or_the_leaves_that_bracket_an_absent_key() -> None:
    tree = SortedTree([(b"\x10", b""), (b"\x20", b""), (b"\x30", b"")])
    assert [i.key for i in tree.lookup(b"\x20")] == [b"\x20"]
    assert [i.key for i in tree.lookup(b"\x05")] == [b"\x10"]  # before the first leaf
    assert [i.key for i in tree.lookup(b"\x25")] == [b"\x20", b"\x30"]  # adjacent pair
    assert [i.key for i in tree.lookup(b"\x40")] == [b"\x30"]  # after the last leaf
    assert SortedTree([]).lookup(b"\x01") == []
    assert SortedTree([]).root == bytes(32)


def test_a_single_leaf_is_its_own_root() -> None:
    tree = SortedTree([(b"k", b"v")])
    assert tree.root == leaf_hash(0, b"k", b"v")
    assert verify(tree.root, tree.item(0).leaf, [])


def test_rejects_a_key_twice() -> None:
    with pytest.raises(InvalidInput, match="twice"):
        SortedTree([(b"k", b"1"), (b"k", b"2")])


def rows_tree(keys: list[bytes], *, strict: bool = True) -> SortedTree:
    import numpy as np

    values = [b"v%d" % i for i in range(len(keys))]
    leaves = [leaf_hash(i, k, v) for i, (k, v) in enumerate(zip(keys, values, strict=True))]
    return SortedTree.from_rows(
        np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), len(keys[0])),
        values,
        np.frombuffer(b"".join(leaves), dtype=np.uint8).reshape(len(keys), 32),
        strict=strict,
    )


def test_from_rows_is_the_tree_of_its_pairs() -> None:
    keys = [b"\x00\x01\xff", b"\x00\x02\x00", b"\x01\x00\x00", b"\xff\xff\xfe"]
    tree = rows_tree(keys)
    expected = SortedTree((k, b"v%d" % i) for i, k in enumerate(keys))
    assert (tree.keys, tree.values, tree.leaves, tree.root) == (
        expected.keys,
        expected.values,
        expected.leaves,
        expected.root,
    )
    assert verify_item(tree.root, tree.count, tree.item(2))


def test_from_rows_refuses_keys_out_of_byte_order() -> None:
    # The third key is below the second in its last byte only; the second pair is equal.
    with pytest.raises(InvalidInput, match=r"^key: 0x000100 is not above the key before it$"):
        rows_tree([b"\x00\x00\x09", b"\x00\x01\x01", b"\x00\x01\x00"])
    with pytest.raises(InvalidInput, match=r"^key: 0x0101 is not above the key before it$"):
        rows_tree([b"\x00\xff", b"\x01\x01", b"\x01\x01"])
    assert rows_tree([b"\x00\xff", b"\x01\x01", b"\x01\x01"], strict=False).count == 3
    with pytest.raises(InvalidInput, match=r"^key: 0x0001 is not above"):
        rows_tree([b"\x00\xff", b"\x00\x01"], strict=False)
    with pytest.raises(InvalidInput, match=r"^key: 0x01 is not above"):
        rows_tree([b"\x02", b"\x01", b"\x00"])  # the first of two faults is named


def test_a_tree_of_rows_keeps_its_arrays_and_makes_the_lists_the_pairs_would() -> None:
    import numpy as np

    keys = [b"\x00\x01", b"\x00\x02", b"\x07\x00"]
    values = [b"\xaa\xbb\xcc", b"\x00\x00\x01", b"\xff\x00\xff"]
    key_rows = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(3, 2)
    value_rows = np.frombuffer(b"".join(values), dtype=np.uint8).reshape(3, 3)
    leaves = [leaf_hash(i, k, v) for i, (k, v) in enumerate(zip(keys, values, strict=True))]
    tree = SortedTree.from_rows(
        key_rows, value_rows, np.frombuffer(b"".join(leaves), dtype=np.uint8).reshape(3, 32)
    )
    assert tree.key_rows() is key_rows and tree.value_rows() is value_rows
    expected = SortedTree(zip(keys, values, strict=True))
    assert (tree.count, tree.keys, tree.values, tree.leaves, tree.root) == (
        3,
        keys,
        values,
        leaves,
        expected.root,
    )
    assert tree.lookup(b"\x00\x03") == expected.lookup(b"\x00\x03")
    assert [i.key for i in tree.lookup(b"\x00\x03")] == [b"\x00\x02", b"\x07\x00"]
    # A tree of pairs gives its rows as arrays too, when they are of one width.
    assert expected.key_rows().tolist() == [[0, 1], [0, 2], [7, 0]]
    assert expected.value_rows().tolist() == [[0xAA, 0xBB, 0xCC], [0, 0, 1], [0xFF, 0, 0xFF]]
    assert SortedTree([]).key_rows().shape[0] == 0 and SortedTree([]).count == 0
    ragged = SortedTree([(b"\x01", b"\x00"), (b"\x02", b"\x00\x00")])
    with pytest.raises(
        InvalidInput, match=r"^value: the tree's values are not all 1 bytes like the first$"
    ):
        ragged.value_rows()
