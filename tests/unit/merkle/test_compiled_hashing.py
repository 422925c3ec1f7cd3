"""The compiled keccak256 and the linear-time Merkle tree against eth-hash, the previous
pure-Python tree and roots recorded before the change."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from typing import Any

import numba
import numpy as np
import pytest
from eth_hash.auto import keccak

from flowmarket.chain import leaves
from flowmarket.chain.leaf_arrays import int256_words, order_leaves, price_leaves
from flowmarket.errors import InvalidInput
from flowmarket.merkle import MerkleTree, ProofIndex, hash_pair, verify
from flowmarket.merkle.keccak import CHUNK, PARALLEL_FROM, keccak_many, keccak_ragged, keccak_rows
from flowmarket.merkle.rows import digests

# Roots built by the pure-Python tree this module replaced (commit d26fc52), recorded.
ORDERS_ROOT_BEFORE = "edc67e3deaf8ee2399d8aa36d3a5f3b0c5856207eb4a369685a76a4c32e97dfe"
PRICES_ROOT_BEFORE = "64b0873bd10bdc5b4bfc1c7652813ee122c0b62aa9d43b8bcb705a1c076407d5"


def reference_nodes(items: list[bytes]) -> list[bytes]:
    """The StandardMerkleTree layout written out node by node (the previous code)."""
    ordered = sorted(items)
    n = len(ordered)
    nodes = [b""] * (2 * n - 1)
    for i, leaf in enumerate(ordered):
        nodes[len(nodes) - 1 - i] = leaf
    for i in range(len(nodes) - 1 - n, -1, -1):
        nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
    return nodes


def test_keccak_of_every_length_up_to_three_blocks_equals_eth_hash() -> None:
    rng = random.Random(1)
    messages = [rng.randbytes(length) for length in range(0, 300)]
    hashed = keccak_many(messages)
    assert [row.tobytes() for row in hashed] == [keccak(m) for m in messages]
    assert keccak_many([]).shape == (0, 32)


@pytest.mark.parametrize("width", [1, 32, 64, 135, 136, 137, 272])
def test_keccak_of_equal_width_rows_equals_eth_hash(width: int) -> None:
    rows = np.random.default_rng(width).integers(0, 256, (50, width), dtype=np.uint8)
    assert [r.tobytes() for r in keccak_rows(rows)] == [keccak(r.tobytes()) for r in rows]


@pytest.mark.parametrize("count", [PARALLEL_FROM, PARALLEL_FROM + CHUNK + 7])
def test_batches_on_threads_in_chunks_equal_eth_hash(count: int) -> None:
    # Batches from PARALLEL_FROM on run on numba's threads, CHUNK messages at a time: a
    # last, partial chunk and every length of three blocks included.
    rng = random.Random(count)
    messages = [rng.randbytes(i % 300) for i in range(count)]
    assert digests(keccak_many(messages)) == [keccak(m) for m in messages]
    rows = np.random.default_rng(count).integers(0, 256, (count, 200), dtype=np.uint8)
    assert digests(keccak_rows(rows)) == [keccak(r.tobytes()) for r in rows]


def test_ragged_messages_laid_out_by_the_caller_and_bad_offsets_refused() -> None:
    messages = [b"", b"abc", b"", bytes(range(200))]
    data = np.frombuffer(b"".join(messages), dtype=np.uint8)
    offsets = np.array([0, 0, 3, 3, 203], dtype=np.int64)
    assert digests(keccak_ragged(data, offsets)) == [keccak(m) for m in messages]
    assert keccak_ragged(np.empty(0, dtype=np.uint8), np.zeros(1, dtype=np.int64)).shape == (0, 32)
    assert digests(keccak_ragged(data[:0], np.zeros(3, dtype=np.int64))) == [keccak(b"")] * 2
    for bad in ([1, 3, 203], [0, 3, 202], [0, 4, 3, 203], []):
        with pytest.raises(InvalidInput, match="offset"):
            keccak_ragged(data, np.array(bad, dtype=np.int64))


def test_digests_are_the_rows_as_bytes_in_order() -> None:
    rows = np.arange(4 * 32, dtype=np.uint8).reshape(4, 32)
    assert digests(rows) == [bytes(range(k * 32, k * 32 + 32)) for k in range(4)]
    assert digests(rows[::2]) == [bytes(range(0, 32)), bytes(range(64, 96))]  # a strided view
    assert digests(np.empty((0, 32), dtype=np.uint8)) == []


def test_keccak_of_the_empty_string_is_the_known_constant() -> None:
    assert keccak_many([b""])[0].tobytes().hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )


@pytest.mark.parametrize("count", [*range(1, 34), 100, 257, 1025, 4095, 4096, 4097, 9000])
def test_tree_equals_the_node_by_node_reference_with_ties_and_duplicates(count: int) -> None:
    rng = random.Random(count)
    items = [rng.randbytes(32) for _ in range(count)]
    if count > 3:
        items[2] = items[1][:8] + rng.randbytes(24)  # equal first 8 bytes
    if count > 5:
        items[4] = items[3]  # a duplicate leaf is kept, like the JavaScript library
    tree = MerkleTree.from_leaves(items)
    assert [row.tobytes() for row in tree.nodes] == reference_nodes(items)
    for leaf in items:
        assert verify(tree.root, leaf, tree.proof(leaf))
    foreign = rng.randbytes(32)
    assert tree.leaf_indices(np.frombuffer(foreign, np.uint8).reshape(1, 32)).tolist() == [-1]


def test_tree_bytes_do_not_depend_on_the_thread_count() -> None:
    rows = np.random.default_rng(5).integers(0, 256, (20_000, 32), dtype=np.uint8)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = MerkleTree.from_array(rows).nodes.copy()
    finally:
        numba.set_num_threads(threads)
    assert np.array_equal(MerkleTree.from_array(rows).nodes, one)


def test_roots_equal_the_ones_recorded_before_compiled_hashing() -> None:
    ids = [f"o{i}" for i in range(1000)]
    quantities = [i * 10**15 - 7 * 10**20 for i in range(1000)]
    assert MerkleTree.from_array(order_leaves(ids, quantities)).root.hex() == ORDERS_ROOT_BEFORE
    names = [f"premium-r{i}-h{500000 + i}" for i in range(97)]
    prices = [(-1) ** i * i * 10**17 for i in range(97)]
    assert MerkleTree.from_array(price_leaves(names, prices)).root.hex() == PRICES_ROOT_BEFORE


def test_leaf_arrays_equal_the_scalar_encoders_at_the_int256_extremes() -> None:
    rng = random.Random(9)
    values = [
        leaves.INT256_MIN,
        leaves.INT256_MAX,
        0,
        -1,
        1,
        *(rng.getrandbits(200) for _ in range(20)),
    ]
    names = [f"0x{rng.getrandbits(256):064x}" for _ in values]
    names[0] = "ünïcode-product"
    got = order_leaves(names, values)
    assert [r.tobytes() for r in got] == [
        leaves.order_leaf(leaves.order_key(n), v) for n, v in zip(names, values, strict=True)
    ]
    got = price_leaves(names, values)
    assert [r.tobytes() for r in got] == [
        leaves.price_leaf(leaves.product_id(n), v) for n, v in zip(names, values, strict=True)
    ]


def test_leaf_arrays_reject_a_value_outside_int256_naming_its_index() -> None:
    with pytest.raises(InvalidInput, match=r"quantities\[1\]"):
        int256_words("quantities", [0, 2**255])
    with pytest.raises(InvalidInput, match="3 values for 2 orders"):
        order_leaves(["a", "b"], [1, 2, 3])


def test_proof_index_proves_many_leaves_and_names_a_foreign_one() -> None:
    rows = np.random.default_rng(2).integers(0, 256, (300, 32), dtype=np.uint8)
    tree = MerkleTree.from_array(rows)
    proofs = ProofIndex(tree).proofs(rows)
    assert all(verify(tree.root, r.tobytes(), p) for r, p in zip(rows, proofs, strict=True))
    with pytest.raises(InvalidInput, match=r"leaves\[1\]"):
        ProofIndex(tree).proofs(np.stack([rows[0], np.zeros(32, np.uint8)]))


def test_the_single_message_keccak_equals_eth_hash() -> None:
    from flowmarket.hashing import keccak as fast_keccak
    from flowmarket.hashing import keccak_text

    rng = random.Random(4)
    for length in range(0, 300, 7):
        message = rng.randbytes(length)
        assert fast_keccak(message) == keccak(message)
    assert keccak_text("Ünïcode") == keccak("Ünïcode".encode())


CACHE_PROBE = """
import json, sys
import numpy as np
from flowmarket.merkle import keccak
keccak.keccak_rows(np.zeros((int(sys.argv[1]), 40), dtype=np.uint8))
print(json.dumps([list(map(sum, (k.stats.cache_hits.values(), k.stats.cache_misses.values())))
                  for k in keccak._HASH_ROWS]))
"""


def test_the_threads_kernel_is_cached_apart_from_the_calling_threads(tmp_path: Any) -> None:
    # numba keys its disk cache by name and bytecode, not by `parallel`: when both kernels
    # shared one entry, a process that found the calling thread's kernel cached (the API's
    # small batches) ran every large batch on one thread.
    def probe(rows: int) -> list[list[int]]:
        env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
        done = subprocess.run(
            [sys.executable, "-c", CACHE_PROBE, str(rows)],
            env=env, capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    # [hits, misses] of the calling thread's kernel, then of the threads' kernel
    assert probe(PARALLEL_FROM - 1) == [[0, 1], [0, 0]]  # compiled and cached
    assert probe(PARALLEL_FROM) == [[0, 0], [0, 1]]  # compiled, not the one cached
    assert probe(PARALLEL_FROM) == [[0, 0], [1, 0]]  # its own entry


def test_sorted_leaves_across_blocks_equal_the_scalar_leaf_hash() -> None:
    # Two blocks and a few rows of a third: every row at a block's edge against
    # `sorted_tree.leaf_hash`, which encodes with eth_abi.
    from flowmarket.chain.leaf_arrays import LEAF_BLOCK, sorted_leaf_hashes
    from flowmarket.chain.sorted_tree import leaf_hash

    n = 2 * LEAF_BLOCK + 3
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 256, (n, 84), dtype=np.uint8)
    values = rng.integers(0, 256, (n, 128), dtype=np.uint8)
    index = np.arange(n, dtype=np.int64) * 7 + 11
    got = sorted_leaf_hashes(index, keys, values)
    edges = [0, 1, LEAF_BLOCK - 1, LEAF_BLOCK, LEAF_BLOCK + 1, 2 * LEAF_BLOCK, n - 1]
    for i in edges:
        expected = leaf_hash(int(index[i]), keys[i].tobytes(), values[i].tobytes())
        assert got[i].tobytes() == expected, i
