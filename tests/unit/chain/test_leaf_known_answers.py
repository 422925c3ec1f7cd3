"""Leaves, trades hash and a small Merkle tree, byte for byte, against values written here.

Every expected hash below was computed once with OpenZeppelin's JavaScript
`StandardMerkleTree.leafHash` / `.root` / `.getProof` (@openzeppelin/merkle-tree 1.0.8)
and ethers' `defaultAbiCoder` with ethereum-cryptography's keccak256, never with the
code under test. The ABI words of the preimages are written out by hand (32-byte
big-endian words; negative integers in two's complement) and hashed in the test with
`eth_hash`'s keccak256, a second computation that does not go through the encoders.
"""

from __future__ import annotations

from eth_hash.auto import keccak

from flowmarket.chain import leaves
from flowmarket.merkle import MerkleTree, ProofIndex, hash_pair, process_proof, verify


def nodes(tree: MerkleTree) -> tuple[bytes, ...]:
    """The tree's node array as 32-byte strings, root first."""
    return tuple(row.tobytes() for row in tree.nodes)


ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"

# keccak256("premium/eu/h1"), keccak256("regular/eu/h1"), keccak256("premium/us/h1")
PREMIUM_EU = bytes.fromhex("1bc80c43cbb846bdbe5c8adc170ad97128ac2265ae3c512454cd5cb1a60f315a")
REGULAR_EU = bytes.fromhex("62f4c8a423bb9fb12c82faa1ff5d5e6620011ebc87144c0a3fd7568378d89ee2")
ORDER_1 = bytes.fromhex("1c9e2e3076787f0e967b0efcdee9de6d66cb1c57913677a142848630eda0ed09")


def word(hex_digits: str) -> bytes:
    """One 32-byte ABI word from its 64 hex digits (spaces allowed for reading)."""
    raw = bytes.fromhex(hex_digits.replace(" ", ""))
    assert len(raw) == 32
    return raw


def test_product_and_order_ids_are_keccak_of_the_utf8_names() -> None:
    assert leaves.product_id("premium/eu/h1") == PREMIUM_EU
    assert leaves.product_id("regular/eu/h1") == REGULAR_EU
    assert leaves.order_key("order-1") == ORDER_1


def test_price_leaf_of_a_negative_price_byte_for_byte() -> None:
    # (bytes32 productId, int256 price = −0.5 token = −5·10^17 wei)
    preimage = PREMIUM_EU + word("ff" * 24 + "f90fa4a62c4e0000")  # −5·10^17 = −0x06f05b59d3b20000
    expected = bytes.fromhex("3243d5d43d00d2d475396584e880d451e7f86de844c6cd61ef8092e722dd0609")
    assert keccak(keccak(preimage)) == expected  # the double hash, computed here
    assert leaves.price_leaf(PREMIUM_EU, -5 * 10**17) == expected


def test_entry_leaf_byte_for_byte_with_cash_fee_and_trades_in_their_places() -> None:
    # (address alice, int256 cash = −12 tokens, uint256 fee = 0.03 token, bytes32 trades)
    trades = bytes([0xAB]) * 32
    preimage = (
        word("00" * 12 + "70997970c51812dc3a010c7d01b50e0d17dc79c8")
        + word("ff" * 24 + "59776f9427500000")  # −12·10^18 = −0xa688906bd8b00000
        + word("00" * 24 + "006a94d74f430000")  # 3·10^16
        + trades
    )
    expected = bytes.fromhex("f86d1404a0db7896960bcd147938535a79a5eeb01bb37e1f106fa94d1190cebf")
    assert keccak(keccak(preimage)) == expected
    assert leaves.entry_leaf(ALICE, -12 * 10**18, 3 * 10**16, trades) == expected
    # the same numbers in the other field, or hashed once, are other leaves
    assert leaves.entry_leaf(ALICE, 3 * 10**16, 12 * 10**18, trades) != expected
    assert keccak(preimage) != expected


def test_order_and_settlement_leaves_byte_for_byte() -> None:
    order = bytes.fromhex("545b5f42e0d6e5612fe6f7361af820539a5953716eb78fc6022c8430d70b9ad8")
    assert keccak(keccak(ORDER_1 + word("ff" * 24 + "dd4e373edd860000"))) == order  # −2.5·10^18
    assert leaves.order_leaf(ORDER_1, -25 * 10**17) == order

    # A week's only settlement leaf: abi.encode(uint256 index 0, bytes key = Bob's 20
    # address bytes, bytes value = (int256 −3·10^18, uint256 hours 0b101, 0 credits before,
    # 0 debits before)).
    settlement = bytes.fromhex("d13ab9c6c97aee532fdac2e7449d41a363a4d5522f2b5f3f89582d9dcde1f825")
    value = (
        word("ff" * 24 + "d65ddbe509d40000")  # −3·10^18
        + word("00" * 31 + "05")
        + word("00" * 32)
        + word("00" * 32)
    )
    preimage = (
        word("00" * 32)
        + word("00" * 31 + "60")  # offset of the key
        + word("00" * 31 + "a0")  # offset of the value: 0x60 + 32 + 32
        + word("00" * 31 + "14")  # 20 key bytes, padded to a word
        + bytes.fromhex("3c44cdddb6a900fa2b585dd299e03d12fa4293bc" + "00" * 12)
        + word("00" * 31 + "80")  # 128 value bytes
        + value
    )
    assert keccak(keccak(preimage)) == settlement
    assert leaves.settlement_value(-3 * 10**18, 5, 0, 0) == value
    week = leaves.settlement_week(
        7, [(BOB.lower(), -3 * 10**18), (ALICE, 3 * 10**18 - 1)], fees=1, hours={BOB: 5}
    )
    assert week.item(BOB).leaf == settlement  # Bob's address sorts before Alice's


def test_trades_hash_byte_for_byte() -> None:
    # abi.encode(bytes32[] [premium/eu/h1, regular/eu/h1], int256[] [1.5 GB, −2 GB])
    encoded = (
        word("00" * 31 + "40")  # offset of the first array
        + word("00" * 31 + "a0")  # offset of the second: 0x40 + 32 + 2·32
        + word("00" * 31 + "02")
        + PREMIUM_EU
        + REGULAR_EU
        + word("00" * 31 + "02")
        + word("00" * 24 + "14d1120d7b160000")  # 1.5·10^18
        + word("ff" * 24 + "e43e9298b1380000")  # −2·10^18
    )
    expected = bytes.fromhex("ea07b9ee5749b1699f4faa567dc7c1623ac13d12d268de9d0ce9c62ae33391ef")
    assert keccak(encoded) == expected
    got = leaves.trades_hash([PREMIUM_EU, REGULAR_EU], [15 * 10**17, -2 * 10**18])
    assert got == expected


# Three price leaves: (premium/eu/h1, 6 tokens), (regular/eu/h1, −1.5), (premium/us/h1, 0).
LEAF = {
    "premium-eu": bytes.fromhex("f6f3518137220bd551976de93328f89a2ced6f6cd875d0d4028fe273935363a0"),
    "regular-eu": bytes.fromhex("c50ebe2b6a2c157cbdbf65ae158225b9a88e92b64e2a00988ab71e30cace1a45"),
    "premium-us": bytes.fromhex("d61717fe0b5ca0b6e00531b4dad091b0ad51d292cb4c1bba81f17d9a6474813e"),
}
INNER = bytes.fromhex("269bae90000203acf946275e59a4d1561e39a6e9248096331f08faa333e41937")
ROOT = bytes.fromhex("e904f2fb8cc5576669b060af16a8cb2bc9f784e80d50b72027ae9fe90165b174")


def test_a_three_leaf_tree_has_openzeppelins_root_nodes_and_proofs() -> None:
    premium_us = leaves.product_id("premium/us/h1")
    built = [
        leaves.price_leaf(PREMIUM_EU, 6 * 10**18),
        leaves.price_leaf(REGULAR_EU, -15 * 10**17),
        leaves.price_leaf(premium_us, 0),
    ]
    assert built == [LEAF["premium-eu"], LEAF["regular-eu"], LEAF["premium-us"]]
    tree = MerkleTree.from_leaves(built)
    # JS layout: [root, inner, largest leaf, then the two smallest leaves, descending]
    assert nodes(tree) == (ROOT, INNER, LEAF["premium-eu"], LEAF["premium-us"], LEAF["regular-eu"])
    assert tree.leaf_count == 3
    assert tree.root == ROOT
    assert tree.leaves() == (LEAF["regular-eu"], LEAF["premium-us"], LEAF["premium-eu"])
    # the inner node and the root, hashed here in ascending byte order
    assert keccak(LEAF["regular-eu"] + LEAF["premium-us"]) == INNER
    assert keccak(INNER + LEAF["premium-eu"]) == ROOT
    assert hash_pair(LEAF["premium-us"], LEAF["regular-eu"]) == INNER
    assert tree.proof(LEAF["premium-eu"]) == [INNER]
    assert tree.proof(LEAF["regular-eu"]) == [LEAF["premium-us"], LEAF["premium-eu"]]
    assert tree.proof(LEAF["premium-us"]) == [LEAF["regular-eu"], LEAF["premium-eu"]]
    index = ProofIndex(tree)
    for leaf in LEAF.values():
        assert index.proof(leaf) == tree.proof(leaf)
        assert process_proof(leaf, tree.proof(leaf)) == ROOT
        assert verify(ROOT, leaf, tree.proof(leaf))
    assert not verify(ROOT, LEAF["premium-eu"], [LEAF["premium-us"]])
