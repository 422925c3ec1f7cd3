"""Python leaf encoders and Merkle proofs against their Solidity twins, byte for byte."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from web3.contract import Contract

from flowmarket.chain import leaves
from flowmarket.chain.sorted_tree import leaf_hash
from flowmarket.merkle import MerkleTree

INT256 = st.integers(min_value=-(2**255), max_value=2**255 - 1)
UINT256 = st.integers(min_value=0, max_value=2**256 - 1)
BYTES32 = st.binary(min_size=32, max_size=32)
ADDRESS = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
CHEAP = hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@given(product=BYTES32, price=INT256, key=BYTES32, quantity=INT256)
@CHEAP
def test_price_and_order_leaves_equal_solidity(
    leaves_harness: Contract, product: bytes, price: int, key: bytes, quantity: int
) -> None:
    functions = leaves_harness.functions
    assert functions.priceLeaf(product, price).call() == leaves.price_leaf(product, price)
    assert functions.orderLeaf(key, quantity).call() == leaves.order_leaf(key, quantity)


@given(participant=ADDRESS, cash=INT256, fee=UINT256, trades=BYTES32, hours=UINT256)
@CHEAP
def test_entry_settlement_and_requirement_encodings_equal_solidity(
    leaves_harness: Contract, participant: str, cash: int, fee: int, trades: bytes, hours: int
) -> None:
    functions = leaves_harness.functions
    address = leaves_harness.w3.to_checksum_address(participant)
    assert functions.entryLeaf(address, cash, fee, trades).call() == leaves.entry_leaf(
        address, cash, fee, trades
    )
    key = leaves.participant_key(address)
    assert functions.participantKey(address).call() == key
    value = leaves.settlement_value(cash, hours, fee, fee // 2)
    assert functions.settlementValue(cash, hours, fee, fee // 2).call() == value
    assert functions.requirementValue(fee).call() == leaves.requirement_value(fee)
    assert functions.sortedLeaf(hours, key, value).call() == leaf_hash(hours, key, value)


@given(a=st.binary(max_size=90), b=st.binary(max_size=90))
@CHEAP
def test_key_order_equals_solidity(leaves_harness: Contract, a: bytes, b: bytes) -> None:
    python = (a > b) - (a < b)
    assert leaves_harness.functions.compareKeys(a, b).call() == python


@given(names=st.lists(st.text(min_size=1, max_size=12), max_size=6, unique=True), data=st.data())
@CHEAP
def test_trades_hash_equals_solidity(
    leaves_harness: Contract, names: list[str], data: st.DataObject
) -> None:
    ids = [leaves.product_id(n) for n in names]
    quantities = data.draw(st.lists(INT256, min_size=len(ids), max_size=len(ids)))
    assert leaves_harness.functions.hashTrades(ids, quantities).call() == leaves.trades_hash(
        ids, quantities
    )


def test_product_id_is_keccak_of_the_name_bytes(leaves_harness: Contract) -> None:
    w3 = leaves_harness.w3
    assert leaves.product_id("premium/eu-west/2026-01-01T00") == w3.keccak(
        text="premium/eu-west/2026-01-01T00"
    )


@given(count=st.integers(min_value=1, max_value=40), data=st.data())
@CHEAP
def test_openzeppelin_merkle_proof_reaches_the_python_root(
    leaves_harness: Contract, count: int, data: st.DataObject
) -> None:
    prices = data.draw(st.lists(INT256, min_size=count, max_size=count))
    hashed = [leaves.price_leaf(leaves.product_id(f"p{i}"), p) for i, p in enumerate(prices)]
    tree = MerkleTree.from_leaves(hashed)
    leaf = hashed[data.draw(st.integers(0, count - 1))]
    assert leaves_harness.functions.processProof(tree.proof(leaf), leaf).call() == tree.root
