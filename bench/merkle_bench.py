"""The hour's Merkle trees at growing sizes: compiled (the oracle's path) against the
node-by-node reference, wall and CPU seconds, roots compared.

    .venv/bin/python bench/merkle_bench.py [--sizes 100000 1000000 10000000]
        [--reference-up-to 1000000] [--seed 7]

For each N, the trees `docs/gas.md` times: N product prices, N cleared orders and
min(N, 1,000) participant entries, seeded values like bench/gas_table.py's. Compiled:
`chain.leaf_arrays` (names hashed as one ragged batch, words packed, double hash in two
batch calls) and `MerkleTree.from_array` (inner nodes layer by layer, numba). Reference
(sizes up to --reference-up-to): one keccak call per hash from Python (the scalar leaf
encoders of `chain.leaves`, each inner node `hash_pair`), the way trees were built
before the compiled path; both must give the same roots, or the bench fails.

Then the hour's trade-lines tree (`oracle.trade_lines`, docs/settlement.md) over N lines
(one per order, in pairs that balance): the oracle's `build_tree` (one sort, one pass for
the running sums, the 320-byte leaf encodings hashed in two batch calls) against
`SortedTree` over the same (key, value) pairs, one Python keccak per leaf; same roots.

Then the hour's fills tree (`oracle.fills_tree`, docs/settlement.md "Backing of a trade
line") over N fills (one product each, a 2-point curve whose prices differ from fill to
fill, as signed orders' do) and 1,000 unbacked leaves: the oracle's `fills_tree` (keys,
terms and signature hashes in batch calls, `oracle.fill_hashes`; one sort; the leaf
encodings hashed in two batch calls per value size) against `SortedTree` over the same
(key, value) pairs, one Python keccak per hash; same roots.

CPU seconds count both cores (numba's threads); wall seconds depend on the machine's load,
printed with each row.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from eth_abi.abi import encode
from eth_account import Account
from eth_hash.auto import keccak

from flowmarket.chain import leaves
from flowmarket.chain.leaf_arrays import order_leaves, price_leaves
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.merkle import MerkleTree, hash_pair
from flowmarket.oracle.fills_tree import fills_tree
from flowmarket.oracle.hour_commitment import FillTerms
from flowmarket.oracle.trade_lines import build_tree, line_value, unbacked_source

T = TypeVar("T")
ENTRIES = 1_000
ENTRY_ADDRESSES = [str(Account.create().address) for _ in range(ENTRIES)]


@dataclass(frozen=True)
class Inputs:
    """Seeded values: product names and prices (wei/GB), order ids and quantities."""

    products: list[str]
    prices: list[int]
    orders: list[str]
    quantities: list[int]
    entries: list[bytes]


def inputs(n: int, seed: int) -> Inputs:
    rng = random.Random(seed)
    return Inputs(
        products=[f"premium/r{i % 500}/h{i // 500}" for i in range(n)],
        prices=[rng.randint(-(10**17), 10**19) for _ in range(n)],
        orders=[f"o{i}" for i in range(n)],
        quantities=[rng.randint(-(10**20), 10**20) for _ in range(n)],
        entries=[
            leaves.entry_leaf(ENTRY_ADDRESSES[i], -i, i, bytes(32)) for i in range(min(n, ENTRIES))
        ],
    )


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def compiled(x: Inputs) -> tuple[bytes, bytes, bytes]:
    prices = MerkleTree.from_array(price_leaves(x.products, x.prices))
    orders = MerkleTree.from_array(order_leaves(x.orders, x.quantities))
    entries = MerkleTree.from_leaves(x.entries)
    return prices.root, orders.root, entries.root


def reference_root(items: list[bytes]) -> bytes:
    """StandardMerkleTree's root node by node: sorted leaves stored from the end in
    reverse, node i = hash_pair(node 2i+1, node 2i+2)."""
    n = len(items)
    tree: list[bytes] = [b""] * (n - 1) + sorted(items, reverse=True)
    for i in range(n - 2, -1, -1):
        tree[i] = hash_pair(tree[2 * i + 1], tree[2 * i + 2])
    return tree[0]


def reference(x: Inputs) -> tuple[bytes, bytes, bytes]:
    prices = [
        leaves.price_leaf(leaves.product_id(p), v)
        for p, v in zip(x.products, x.prices, strict=True)
    ]
    orders = [
        leaves.order_leaf(leaves.order_key(o), q)
        for o, q in zip(x.orders, x.quantities, strict=True)
    ]
    return reference_root(prices), reference_root(orders), reference_root(x.entries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reference-up-to", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    compiled(inputs(5_000, args.seed))  # numba's kernels loaded (or compiled) once
    print(
        "| N products + N orders | load | compiled wall s | compiled CPU s | "
        "reference wall s | reference CPU s | roots equal | peak RSS GB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|---:|")
    for n in args.sizes:
        x = inputs(n, args.seed)
        load = os.getloadavg()[0]
        roots, wall, cpu = timed(partial(compiled, x))
        ref = "— | —"
        same = "not run"
        if n <= args.reference_up_to:
            expected, ref_wall, ref_cpu = timed(partial(reference, x))
            if expected != roots:
                print(f"N={n}: the compiled roots differ from the reference", file=sys.stderr)
                return 1
            ref, same = f"{ref_wall:.1f} | {ref_cpu:.1f}", "yes"
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(
            f"| {n:,} | {load:.1f} | {wall:.2f} | {cpu:.2f} | {ref} | {same} | {rss:.1f} |",
            flush=True,
        )
    print()
    print("| N trade lines | load | build_tree wall s | per-leaf reference wall s | roots equal |")
    print("|---:|---:|---:|---:|---|")
    for n in args.sizes:
        amounts = lines_input(n)
        load = os.getloadavg()[0]
        tree, wall, _ = timed(partial(build_tree, amounts))
        ref, same = "—", "not run"
        if n <= args.reference_up_to:
            expected, ref_wall, _ = timed(partial(reference_lines, amounts))
            if expected != tree.root:
                print(f"N={n}: the trade-lines roots differ", file=sys.stderr)
                return 1
            ref, same = f"{ref_wall:.1f}", "yes"
        print(f"| {n:,} | {load:.1f} | {wall:.2f} | {ref} | {same} |", flush=True)
    print()
    print("| N fills | load | fills_tree wall s | per-leaf reference wall s | roots equal |")
    print("|---:|---:|---:|---:|---|")
    for n in args.sizes:
        fills = fills_input(n)
        load = os.getloadavg()[0]
        built, wall, _ = timed(partial(fills_tree, fills, ENTRY_ADDRESSES))
        ref, same = "—", "not run"
        if n <= args.reference_up_to:
            expected, ref_wall, _ = timed(partial(reference_fills, fills))
            if expected != built.root:
                print(f"N={n}: the fills roots differ", file=sys.stderr)
                return 1
            ref, same = f"{ref_wall:.1f}", "yes"
        print(f"| {n:,} | {load:.1f} | {wall:.2f} | {ref} | {same} |", flush=True)
    return 0


def fills_input(n: int) -> list[FillTerms]:
    """N fills of one product each (500 products), a 2-point curve, ±1 GB/h; no two
    fills' terms alike (a price differs by 10^-9 token from one fill to the next)."""
    who, one = ENTRY_ADDRESSES, 10**18
    return [
        FillTerms(
            order_id=f"order-{i}",
            participant=who[i % len(who)],
            quantity=(-1) ** i * one,
            products=(f"premium/r{(i // 2) % 500}",),
            weights=(one,),
            curve_quantities=(-one, one),
            curve_prices=(2 * one + 10**9 * i, one),
            window=(-one, one),
            nonce=i,
            from_hour=0,
            until_hour=2**40,
            replaces=bytes(32),
            signature=bytes(65),
        )
        for i in range(n)
    ]


def reference_fills(fills: list[FillTerms]) -> bytes:
    """Every hash from eth_abi's encoding, one keccak call each (not the oracle's encoders)."""
    types = ["address", "int256", "bytes32", "bytes32"]
    pairs = [
        (
            keccak(f.order_id.encode()),
            encode(types, [f.participant, f.quantity, reference_terms(f), reference_signed(f)]),
        )
        for f in fills
    ]
    pairs += [(unbacked_source(p), encode(["address"], [p])) for p in ENTRY_ADDRESSES]
    return SortedTree(pairs).root


def reference_terms(f: FillTerms) -> bytes:
    types = ["bytes32[]", "int256[]", "int256[]", "int256[]", "int256", "int256"]
    ids = [keccak(p.encode()) for p in f.products]
    arrays = [list(f.weights), list(f.curve_quantities), list(f.curve_prices)]
    return keccak(encode(types, [ids, *arrays, *f.window]))


def reference_signed(f: FillTerms) -> bytes:
    types = ["uint256", "uint64", "uint64", "bytes32", "bytes32", "bytes32", "bytes32"]
    values = [f.nonce, f.from_hour, f.until_hour, f.replaces, keccak(f.signature)]
    members = keccak(b"".join(f.batch_orders))
    return keccak(encode(types, [*values, members, f.batch_cancels]))


def lines_input(n: int) -> dict[bytes, int]:
    """N lines keyed (product, order), 500 products, amounts ±1 GB/h in pairs."""
    return {
        leaves.product_id(f"premium/r{(i // 2) % 500}") + i.to_bytes(32, "big"): (-1) ** i * 10**18
        for i in range(n)
    }


def reference_lines(amounts: dict[bytes, int]) -> bytes:
    pairs, sums = [], {}
    for key in sorted(amounts):
        total, gross = sums.get(key[:32], (0, 0))
        pairs.append((key, line_value(amounts[key], total, gross)))
        sums[key[:32]] = (total + amounts[key], gross + abs(amounts[key]))
    return SortedTree(pairs).root


if __name__ == "__main__":
    sys.exit(main())
