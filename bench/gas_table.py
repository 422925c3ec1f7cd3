"""Measure the gas of every market operation on a fresh local node and write docs/gas.md.

Usage: .venv/bin/python bench/gas_table.py [--max-products 1000000] [--out docs/gas.md]

Every number in the table is the `gasUsed` of a real transaction receipt (or, for the
view `verifyPrice`, the node's gas estimate of calling it in a transaction), on the
Hardhat node of hardhat-local/, contracts from contracts/ compiled by the project build.
The commit rows use real Merkle trees (built by flowmarket.merkle) over N products
and N cleared orders, to show that commit gas does not depend on N.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_keys.datatypes import PrivateKey

from flowmarket.actions.verify import fill_in_tree
from flowmarket.chain import leaves
from flowmarket.chain.build import ArtifactSet, compile_contracts
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile
from flowmarket.chain.fill_signature import signed_struct_hash
from flowmarket.chain.genesis import TREASURY, Genesis
from flowmarket.chain.leaf_arrays import order_leaves, price_leaves
from flowmarket.chain.node import LocalNode
from flowmarket.chain.portfolio_fill import PortfolioFillTerms, SignedPortfolio
from flowmarket.chain.requirements import requirement_proof
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.config import HARDHAT_DEV_KEYS, load_settings
from flowmarket.hashing import keccak
from flowmarket.merkle import MerkleTree
from flowmarket.oracle.fills_tree import fills_tree
from flowmarket.oracle.holdings import holding_leaves
from flowmarket.oracle.hour_commitment import FillTerms
from flowmarket.oracle.trade_lines import build_tree

TOKEN = 10**18
HOURS_PER_WEEK = 168


class Bench:
    def __init__(self, rpc_url: str, artifacts: ArtifactSet, deployment: Deployment) -> None:
        self.artifacts = artifacts
        self.deployment = deployment
        names = ("deployer", "oracle", "supplier", "alice", "bob", "carol", "dave")
        self.clients = {
            n: ChainClient(rpc_url, k, artifacts=artifacts.values())
            for n, k in zip(names, HARDHAT_DEV_KEYS, strict=False)
        }
        self.w3 = self.clients["deployer"].w3
        self.rows: list[tuple[str, str, int]] = []

    def addr(self, who: str) -> str:
        return self.clients[who].address

    def fn(self, who: str, name: str, function: str, *args: Any) -> Any:
        contract = self.clients[who].contract(self.artifacts[name], self.deployment.addresses[name])
        return getattr(contract.functions, function)(*args)

    def encode(self, name: str, function: str, *args: Any) -> bytes:
        """The ABI-encoded call of `function` (the evidence `challengeBalance` takes)."""
        contract = self.w3.eth.contract(abi=self.artifacts[name].abi)
        return bytes.fromhex(contract.encode_abi(function, args=list(args)).removeprefix("0x"))

    def send(self, who: str, name: str, function: str, *args: Any, label: str = "") -> int:
        receipt = self.clients[who].transact(self.fn(who, name, function, *args))
        gas = int(receipt["gasUsed"])
        if label:
            self.rows.append((name, label, gas))
        return gas

    def advance(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    def mine(self, blocks: int) -> None:
        self.w3.provider.make_request("hardhat_mine", [hex(blocks)])  # type: ignore[arg-type]


def commit_scaling(bench: Bench, sizes: list[int]) -> list[tuple[int, int, int, int, float]]:
    """(products, commit gas, proof length, verifyPrice gas, tree seconds) per size."""
    rng = random.Random(7)
    out = []
    for n in sizes:
        started = time.perf_counter()
        names = [f"premium/r{i % 500}/h{i // 500}" for i in range(n)]
        values = [rng.randint(-(10**17), 10**19) for _ in range(n)]
        price_rows = price_leaves(names, values)  # the oracle's path (chain.leaf_arrays)
        price_tree = MerkleTree.from_array(price_rows)
        order_tree = MerkleTree.from_array(
            order_leaves(
                [f"o{i}" for i in range(n)], [rng.randint(-(10**20), 10**20) for _ in range(n)]
            )
        )
        entry_tree = MerkleTree.from_leaves(
            leaves.entry_leaf(str(Account.create().address), -i, i, bytes(32))
            for i in range(min(n, 1_000))
        )
        lines_tree = build_tree(  # one line per order, in pairs that balance
            {
                leaves.product_id(names[i // 2]) + i.to_bytes(32, "big"): (-1) ** i * TOKEN
                for i in range(n)
            }
        )
        holdings = scaling_holdings(lines_tree)
        fills = fills_tree(  # the commit's gas does not depend on the trees' sizes
            [], ["0x" + (i + 1).to_bytes(20, "big").hex() for i in range(min(n, 1_000))]
        )
        seconds = time.perf_counter() - started
        hour = bench.fn("oracle", "ClearingLedger", "nextHour").call()
        commitment = (
            order_tree.root,
            price_tree.root,
            entry_tree.root,
            10**24,
            10**23,
            10**20,
            10**9,
            10**9,
            lines_tree.root,
            lines_tree.count,
            holdings.root,
            holdings.count,
            fills.root,
            fills.count,
        )
        gas = bench.send("oracle", "ClearingLedger", "commitHour", hour, commitment)
        proof = price_tree.proof(price_rows[n // 2].tobytes())
        middle = (leaves.product_id(names[n // 2]), values[n // 2])
        verify = bench.fn("dave", "ClearingLedger", "verifyPrice", hour, *middle, proof)
        assert verify.call(), "verifyPrice rejected a proof built in Python"
        out.append((n, gas, len(proof), int(verify.estimate_gas()), seconds))
        print(f"  {n:>9} products: commitHour {gas} gas, verifyPrice {out[-1][3]} gas")
    return out


def settlement_ops(bench: Bench) -> None:
    """Week 0: alice pays 100, carol owes 40 but defaults, bob +100, dave +39, fees 1;
    padded with 1 000 zero leaves so proofs have realistic length."""
    while (
        bench.fn("oracle", "ClearingLedger", "nextHour").call()
        < bench.deployment.genesis_hour + HOURS_PER_WEEK
    ):
        hour = bench.fn("oracle", "ClearingLedger", "nextHour").call()
        commitment = (b"\x01" * 32,) * 3 + (1,) * 5 + (b"\x01" * 32, 1, b"\x01" * 32, 0)
        commitment += (b"\x01" * 32, 1)
        bench.send("oracle", "ClearingLedger", "commitHour", hour, commitment)
    for who in ("alice", "bob", "carol", "dave"):
        bench.send(
            "supplier", "CapacityToken", "mint", bench.addr(who), 1_000 * TOKEN, label="mint"
        )
    amounts = [
        (bench.addr("alice"), -100 * TOKEN),
        (bench.addr("carol"), -40 * TOKEN),
        (bench.addr("bob"), 100 * TOKEN),
        (bench.addr("dave"), 39 * TOKEN),
    ]
    amounts += [(str(Account.create().address), 0) for _ in range(1_000)]
    week = leaves.settlement_week(0, amounts, 1 * TOKEN)
    size = bench.fn("oracle", "OracleBond", "size").call()
    bench.send("supplier", "CapacityToken", "mint", bench.addr("oracle"), size, label="mint")
    bond = bench.deployment.addresses["OracleBond"]
    bench.send("oracle", "CapacityToken", "approve", bond, size, label="approve")
    bench.send("oracle", "OracleBond", "stake", size, label="stake (the oracle's bond)")
    bench.send(
        "oracle",
        "WeeklySettlement",
        "postSettlementRoot",
        0,
        week.root,
        week.count,
        week.total_credits,
        week.total_debits,
        week.fees,
        label="postSettlementRoot",
    )
    bench.advance(get_profile("demo").challenge_window_s)
    bench.send(
        "alice",
        "CapacityToken",
        "approve",
        bench.deployment.addresses["WeeklySettlement"],
        100 * TOKEN,
    )
    vault = bench.deployment.addresses["CollateralVault"]
    bench.send("carol", "CapacityToken", "approve", vault, 200 * TOKEN)
    bench.send("carol", "CollateralVault", "deposit", 200 * TOKEN, label="deposit")
    requirements = {str(Account.create().address): TOKEN for _ in range(1_000)}
    requirements[bench.addr("carol")] = 50 * TOKEN
    tree = leaves.requirements_tree(requirements)
    hour = bench.w3.eth.get_block("latest")["timestamp"] // 3600
    bench.send(
        "oracle",
        "CollateralVault",
        "postRequirements",
        hour,
        tree.root,
        tree.count,
        label="postRequirements (any number of participants)",
    )
    proof = [i.as_tuple() for i in requirement_proof(requirements, bench.addr("carol"))]
    bench.send(
        "carol", "CollateralVault", "withdraw", 10 * TOKEN, proof, label="withdraw (1 001 leaves)"
    )

    def settle(who: str, label: str) -> None:
        item = week.item(bench.addr(who)).as_tuple()
        bench.send("dave", "WeeklySettlement", "executeSettlement", 0, item, label=label)

    settle("alice", "executeSettlement: pull a debit (1 004 leaves)")
    settle("bob", "executeSettlement: pay a credit (1 004 leaves)")
    settle("carol", "executeSettlement: failed pull, grace starts")
    bench.advance(get_profile("demo").grace_period_s)
    bench.send(
        "dave", "WeeklySettlement", "seize", 0, bench.addr("carol"), label="seize after grace"
    )
    settle("dave", "executeSettlement: pay a credit (1 004 leaves)")
    bench.send("dave", "WeeklySettlement", "forwardFees", 0, label="forwardFees (deposits revenue)")
    challenge_ops(bench, amounts[4:])


def scaling_holdings(lines: SortedTree) -> SortedTree:
    """The holdings of `lines`: each pair of lines (a buyer and a seller) of its own two
    participants, at 2 tokens per GB, with their running sums."""
    rows = sorted(
        (keccak(i.to_bytes(8, "big"))[:20] + key, int.from_bytes(value[:32], "big", signed=True))
        for i, (key, value) in enumerate(zip(lines.keys, lines.values, strict=True))
    )
    values = [holding_value(a, 2 * TOKEN, 0, 0) for _, a in rows]
    keys = [k for k, _ in rows]
    return SortedTree.from_sorted(keys, values, holding_leaves(keys, values))


def holding_value(amount: int, price: int, position: int, cash: int) -> bytes:
    return b"".join(x.to_bytes(32, "big", signed=True) for x in (amount, price, position, cash))


def entry_hour(alice: str, padding: int) -> tuple[MerkleTree, SortedTree, tuple[Any, ...]]:
    """Hour 14's entries and holdings: alice's entry says −13 tokens for the +5 GB/h of
    premium her one line buys at 2 tokens/GB (−10), among `padding` other participants'
    entries and holdings (each selling 1 GB/h of its own product at 2 tokens/GB)."""
    premium = leaves.product_id("premium")
    others = [str(Account.create().address) for _ in range(padding)]
    entry_rows = [(alice, -13 * TOKEN, [premium], [5 * TOKEN])]
    entry_rows += [(o, 2 * TOKEN, [leaves.product_id(o)], [-TOKEN]) for o in others]
    entry_leaves = [
        leaves.entry_leaf(who, cash, 0, leaves.trades_hash(ps, qs))
        for who, cash, ps, qs in entry_rows
    ]
    entries = MerkleTree.from_leaves(entry_leaves)
    held = {bytes.fromhex(alice[2:]) + premium + leaves.order_key("a"): (5 * TOKEN, 0)}
    for o in others:
        held[bytes.fromhex(o[2:]) + leaves.product_id(o) + leaves.order_key(o)] = (-TOKEN, 0)
    keys = sorted(held)
    values = [holding_value(held[k][0], 2 * TOKEN, 0, 0) for k in keys]
    holdings = SortedTree.from_sorted(keys, values, holding_leaves(keys, values))
    proof = entries.proof(entry_leaves[0])
    entry = (alice, -13 * TOKEN, 0, [premium], [5 * TOKEN], proof)
    return entries, holdings, entry


def challenge_ops(bench: Bench, padding: list[tuple[str, int]]) -> None:
    """Week 1: hour 5 commits alice −10 and bob +10 (among 1 000 other entries). Five times
    the operator restakes the bond, the oracle posts a wrong root for the week (padded
    with the 1 000 zero leaves of `padding`) and dave proves it wrong with the matching
    challenge, which voids the root and pays him the bond."""
    first = bench.deployment.genesis_hour + HOURS_PER_WEEK
    alice, bob = bench.addr("alice"), bench.addr("bob")
    trades = leaves.trades_hash([], [])
    entries = [(alice, -10 * TOKEN), (bob, 10 * TOKEN)]
    entries += [(str(Account.create().address), 0) for _ in padding]
    entry_leaves = [leaves.entry_leaf(who, cash, 0, trades) for who, cash in entries]
    tree = MerkleTree.from_leaves(entry_leaves)
    wrong_fills = {
        first + 6: off_curve_fill(alice, 1, 2),
        first + 7: off_curve_fill(alice, 16, 64),
        first + 8: off_curve_fill(alice, 256, 64),  # the API's limits: the most it can cost
    }
    unbalanced, off_fill = balance_hours(alice, len(padding))
    theft_entries, theft_holdings, theft_entry = entry_hour(alice, len(padding))
    backing = backing_hours(alice, len(padding), first + 17)
    # Fills on orders alice never signed: the oracle's key signs them (a 64-point curve).
    separator = bytes(bench.fn("dave", "ClearingLedger", "domainSeparator").call())
    unsigned_fills = {
        first + 11: forged_fill(alice, 1, separator),
        first + 12: forged_fill(alice, 16, separator),
        first + 13: forged_fill(alice, 256, separator),
    }
    # Portfolio orders alice never signed (the oracle's key signs them): two portfolios of
    # one product and a 2-point curve; 16 of 16 products (the API's 256) and 64 points.
    unsigned_portfolios = {
        first + 14: forged_portfolio_fill(alice, 2, 1, 2, separator),
        first + 15: forged_portfolio_fill(alice, 16, 16, 64, separator),
    }
    others = [leaves.order_leaf(leaves.order_key(f"o-{i}"), i) for i in range(len(padding))]
    portfolio_trees = {
        hour: MerkleTree.from_leaves([fill.leaf, *others])
        for hour, fill in unsigned_portfolios.items()
    }
    for hour in range(first, first + HOURS_PER_WEEK):
        root = tree.root if hour == first + 5 else b"\x01" * 32
        orders_root = prices_root = lines_root = b"\x01" * 32
        lines_count = 1
        entries_root, holdings_root, holdings_count = root, root, 0
        if hour == first + 16:
            entries_root = theft_entries.root
            holdings_root, holdings_count = theft_holdings.root, theft_holdings.count
        orders_root = fills_root = prices_root = lines_root = b"\x01" * 32
        lines_count = fills_count = 1
        if hour in wrong_fills:
            fills_root, fills_count, prices_root = wrong_fills[hour].roots(len(padding))
        if hour == first + 9:
            lines_root, lines_count = unbalanced.root, unbalanced.count
        if hour == first + 10:
            fills_root, fills_count, prices_root = off_fill[0].roots(len(padding))
            lines_root, lines_count = off_fill[1].root, off_fill[1].count
        if hour in unsigned_fills:
            fills_root, fills_count, prices_root = unsigned_fills[hour].roots(len(padding))
        if hour in portfolio_trees:
            orders_root = portfolio_trees[hour].root
        if hour in backing:
            lines_root, lines_count = backing[hour][0].root, backing[hour][0].count
            fills_root, fills_count = backing[hour][1].root, backing[hour][1].count
        bench.send(
            "oracle",
            "ClearingLedger",
            "commitHour",
            hour,
            (orders_root, prices_root, entries_root)
            + (1,) * 5
            + (lines_root, lines_count, holdings_root, holdings_count, fills_root, fills_count),
        )
    entry = (first + 5, -10 * TOKEN, 0, trades, tree.proof(entry_leaves[0]))
    both = {alice: 1 << 5, bob: 1 << 5}
    size = bench.fn("oracle", "OracleBond", "size").call()
    bond = bench.deployment.addresses["OracleBond"]

    def post(week: leaves.SettlementWeek | SortedTree, totals: tuple[int, int]) -> None:
        if int(bench.fn("oracle", "OracleBond", "bonded").call()) < size:
            bench.send("supplier", "CapacityToken", "mint", bench.addr("oracle"), size)
            bench.send("oracle", "CapacityToken", "approve", bond, size)
            bench.send("oracle", "OracleBond", "stake", size, label="stake (restake after a slash)")
        root, count = week.root, week.count
        bench.send("oracle", "WeeklySettlement", "postSettlementRoot", 1, root, count, *totals, 0)

    def challenge(function: str, *args: Any, label: str) -> None:
        bench.send("dave", "WeeklySettlement", function, 1, *args, label=f"{function}: {label}")

    ten = (10 * TOKEN, 10 * TOKEN)
    inflated = [(alice, -100 * TOKEN), (bob, 100 * TOKEN)]
    week = leaves.settlement_week(1, inflated + padding, 0, hours=both)
    post(week, (100 * TOKEN, 100 * TOKEN))
    challenge("challengeLeafSum", week.item(alice).as_tuple(), [entry],
              label="1 hour, 1 002 entries (voids the root, slashes the bond)")  # fmt: skip

    honest = [(alice, -10 * TOKEN), (bob, 10 * TOKEN)]
    week = leaves.settlement_week(1, honest + padding, 0, hours={bob: 1 << 5})
    post(week, ten)
    challenge("challengeLeafHours", week.item(alice).as_tuple(), entry,
              label="an hour left out of a bitmap")  # fmt: skip

    stranger = str(Account.create().address)
    week = leaves.settlement_week(1, [(stranger, -10 * TOKEN), (bob, 10 * TOKEN), *padding], 0)
    post(week, ten)
    absence = [item.as_tuple() for item in week.tree.lookup(leaves.participant_key(alice))]
    challenge("challengeMissingParticipant", alice, entry, absence,
              label="a participant with an entry has no leaf")  # fmt: skip

    correct = leaves.settlement_week(1, honest + padding, 0, hours=both)
    pairs = list(zip(correct.tree.keys, correct.tree.values, strict=True))
    v = leaves.decode_settlement_value(pairs[1][1])
    value = leaves.settlement_value(v.amount, v.hours, v.credits_before + 1, v.debits_before)
    pairs[1] = (pairs[1][0], value)
    broken = SortedTree(pairs)
    post(broken, ten)
    challenge("challengeRunningSums", broken.item(0).as_tuple(), broken.item(1).as_tuple(), True,
              label="two adjacent leaves whose running sums do not continue")  # fmt: skip

    pairs = list(zip(correct.tree.keys, correct.tree.values, strict=True))
    pairs[0] = (pairs[0][0], pairs[0][1][:-1])  # a 127-byte value
    malformed = SortedTree(pairs)
    post(malformed, ten)
    item = malformed.item(0).as_tuple()
    challenge("challengeMalformed", item, item, False, label="a leaf value of the wrong shape")

    # Last: a voided hour changes what the weekly calls above prove.
    for hour, wrong in wrong_fills.items():
        post(correct, ten)
        fill, prices = wrong.evidence()
        shape = f"{len(wrong.names)} product{'s' if len(wrong.names) > 1 else ''}"
        label = (
            f"challengeTrade: {shape}, {len(wrong.curve_q)}-point curve, "
            f"{len(padding) + 1:,} orders (voids the hour and the root, slashes the bond)"
        )
        bench.send("dave", "WeeklySettlement", "challengeTrade", hour, fill, prices, label=label)
    for hour, wrong in unsigned_fills.items():
        post(correct, ten)
        fill, _ = wrong.evidence()
        shape = f"{len(wrong.names)} product{'s' if len(wrong.names) > 1 else ''}"
        label = (
            f"challengeUnsignedFill: {shape}, {len(wrong.curve_q)}-point curve, "
            f"{len(padding) + 1:,} orders (voids the hour and the root, slashes the bond)"
        )
        bench.send("dave", "WeeklySettlement", "challengeUnsignedFill", hour, fill, label=label)
    for hour, forged in unsigned_portfolios.items():
        post(correct, ten)
        proven = forged.as_tuple(portfolio_trees[hour].proof(forged.leaf))
        check = bench.encode("ClearingLedger", "isPortfolioFillUnsigned", hour, proven)
        products = sum(len(p.products) for p in forged.portfolios)
        label = (
            f"challengeBalance: a portfolio order never signed (isPortfolioFillUnsigned), "
            f"{len(forged.portfolios)} portfolios, {products} products, "
            f"{len(forged.curve_quantities)}-point curve, {len(padding) + 1:,} orders"
        )
        bench.send("dave", "WeeklySettlement", "challengeBalance", hour, check, label=label)

    post(correct, ten)
    product = SHAVED_KEY[:32]
    last = max(i for i, key in enumerate(unbalanced.keys) if key[:32] == product)
    pair = last + 1 < unbalanced.count
    a = unbalanced.item(last).as_tuple()
    b = unbalanced.item(last + 1).as_tuple() if pair else a
    check = bench.encode("ClearingLedger", "isUnbalanced", first + 9, a, b, pair)
    label = (
        f"challengeBalance: a product that does not sum to zero, {unbalanced.count:,} lines "
        "(voids the hour and the root, slashes the bond)"
    )
    bench.send("dave", "WeeklySettlement", "challengeBalance", first + 9, check, label=label)
    post(correct, ten)
    wrong_fill, lines = off_fill
    fill, _ = wrong_fill.evidence()
    found = lines.find(leaves.product_id(wrong_fill.names[0]) + leaves.order_key("wrong"))
    assert found is not None
    check = bench.encode("ClearingLedger", "isLineOffFill", first + 10, fill, 0,
                         lines.item(found).as_tuple())  # fmt: skip
    bench.send("dave", "WeeklySettlement", "challengeBalance", first + 10, check,
               label=f"challengeBalance: a trade line that is not its fill, "
               f"{lines.count:,} lines")  # fmt: skip
    post(correct, ten)
    at = theft_holdings.find(bytes.fromhex(alice[2:]) + leaves.product_id("premium")
                             + leaves.order_key("a"))  # fmt: skip
    assert at is not None
    after = [theft_holdings.item(at + 1).as_tuple()] if at + 1 < theft_holdings.count else []
    check = bench.encode("ClearingLedger", "isEntryOffHoldings", first + 16, theft_entry,
                         theft_holdings.item(at).as_tuple(), after)  # fmt: skip
    bench.send("dave", "WeeklySettlement", "challengeBalance", first + 16, check,
               label=f"challengeBalance: an entry's cash that is not its trade lines, "
               f"{theft_holdings.count:,} holdings (isEntryOffHoldings)")  # fmt: skip
    lines, fills = backing[first + 17]
    forged = lines.find(FORGED_KEY)
    assert forged is not None
    bracket = [item.as_tuple() for item in fills.lookup(FORGED_KEY[32:])]
    check = bench.encode("ClearingLedger", "isLineUnbacked", first + 17,
                         lines.item(forged).as_tuple(), bracket)  # fmt: skip
    bench.send("dave", "WeeklySettlement", "challengeBalance", first + 17, check,
               label=f"challengeBalance: a trade line on an order key with no fill, "
               f"{lines.count:,} lines, {fills.count:,} fills (isLineUnbacked)")  # fmt: skip
    post(correct, ten)
    _, fills = backing[first + 18]
    twice = fills.keys.index(leaves.order_key("twice"))
    check = bench.encode("ClearingLedger", "isFillsMalformed", first + 18,
                         fills.item(twice).as_tuple(), fills.item(twice + 1).as_tuple(),
                         True)  # fmt: skip
    bench.send("dave", "WeeklySettlement", "challengeBalance", first + 18, check,
               label=f"challengeBalance: one order with two fill leaves, {fills.count:,} "
               "fills (isFillsMalformed)")  # fmt: skip


SHAVED_KEY = leaves.product_id("shaved") + leaves.order_key("seller")
FORGED_KEY = leaves.product_id("shaved") + leaves.order_key("forged")


def backing_hours(
    participant: str, padding: int, first: int
) -> dict[int, tuple[SortedTree, SortedTree]]:
    """Hour `first`: about `padding` lines in pairs that balance, plus a line on the order
    key "forged" that the fills tree (`padding` unbacked leaves and one fill) lacks. Hour
    `first` + 1: the same lines, and a fills tree that holds the fill "twice" twice."""
    pairs = {
        leaves.product_id(f"p-{i // 2}") + i.to_bytes(32, "big"): (-1) ** i * TOKEN
        for i in range(2 * ((padding - 1) // 2))
    }
    lines = build_tree({**pairs, FORGED_KEY: TOKEN, b"\xff" * 64: -TOKEN})
    others = ["0x" + (i + 1).to_bytes(20, "big").hex() for i in range(padding)]
    one = off_curve_fill(participant, 1, 2).terms
    twice = dataclasses.replace(one, order_id="twice")
    return {
        first: (lines, fills_tree([one], others)),
        first + 1: (lines, fills_tree([one, twice, twice], others, strict=False)),
    }


def balance_hours(
    participant: str, padding: int
) -> tuple[SortedTree, tuple[WrongFill, SortedTree]]:
    """Two trade-lines trees of `padding` + 1 lines: one whose product "shaved" sums to
    +1 GB/h (a buyer's +5 and a seller's −4, among pairs that balance), and one whose line
    of a 1-product fill (−1 GB/h) says −0.9."""
    pairs = {
        leaves.product_id(f"p-{i // 2}") + i.to_bytes(32, "big"): (-1) ** i * TOKEN
        for i in range(2 * ((padding - 1) // 2))
    }
    unbalanced = build_tree(
        {**pairs, leaves.product_id("shaved") + leaves.order_key("buyer"): 5 * TOKEN,
         SHAVED_KEY: -4 * TOKEN}
    )  # fmt: skip
    wrong = off_curve_fill(participant, 1, 2)
    key = leaves.product_id(wrong.names[0]) + leaves.order_key("wrong")
    off = build_tree({**pairs, key: -9 * TOKEN // 10, b"\xff" * 64: 9 * TOKEN // 10})
    return unbalanced, (wrong, off)


@dataclasses.dataclass
class WrongFill:
    """A fill off its curve: every product is priced at 1 token, so the portfolio price is
    1 token per GB, below every point of the curve (2 tokens down to 1 + 1/points), which
    therefore buys its last point's points − 1 GB/h; the committed fill sells 1 GB/h. The
    check walks the whole curve."""

    participant: str
    names: list[str]
    weights: list[int]
    curve_q: list[int]
    curve_p: list[int]
    prices: dict[str, int]
    fills: SortedTree | None = None
    prices_tree: MerkleTree | None = None

    signature: bytes = bytes(65)

    @property
    def terms(self) -> FillTerms:
        return FillTerms("wrong", self.participant, -TOKEN, tuple(self.names),
                         tuple(self.weights), tuple(self.curve_q), tuple(self.curve_p),
                         (self.curve_q[0], self.curve_q[-1]), 7, 0, 2**40, bytes(32),
                         self.signature)  # fmt: skip

    def roots(self, padding: int) -> tuple[bytes, int, bytes]:
        """(fills root, fills count, prices root): the fill among `padding` unbacked leaves."""
        others = ["0x" + (i + 1).to_bytes(20, "big").hex() for i in range(padding)]
        self.fills = fills_tree([self.terms], others)
        self.prices_tree = MerkleTree.from_leaves(
            leaves.price_leaf(leaves.product_id(n), p) for n, p in self.prices.items()
        )
        return self.fills.root, self.fills.count, self.prices_tree.root

    def evidence(self) -> tuple[tuple[Any, ...], list[tuple[int, list[bytes]]]]:
        assert self.fills is not None and self.prices_tree is not None
        fill = fill_in_tree(self.fills, self.terms)
        prices = [
            (p, self.prices_tree.proof(leaves.price_leaf(leaves.product_id(n), p)))
            for n, p in self.prices.items()
        ]
        return fill, prices


def off_curve_fill(participant: str, products: int, points: int) -> WrongFill:
    names = sorted(f"product-{k:02d}" for k in range(products))
    weights = [TOKEN // products] * products  # P = 1 token (to the wei when it divides)
    curve_q = [k * TOKEN for k in range(points)]
    curve_p = [2 * TOKEN - k * TOKEN // points for k in range(points)]
    return WrongFill(participant, names, weights, curve_q, curve_p, dict.fromkeys(names, TOKEN))


def forged_fill(participant: str, products: int, separator: bytes) -> WrongFill:
    """A fill of `participant` on an order signed by another key (the oracle's)."""
    wrong = off_curve_fill(participant, products, 64)
    signed = signed_struct_hash(wrong.terms.signed_fields)
    assert signed is not None
    digest = keccak(b"\x19\x01" + separator + signed)
    v, r, s = PrivateKey(bytes.fromhex(HARDHAT_DEV_KEYS[1][2:])).sign_msg_hash(digest).vrs
    wrong.signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v + 27])
    return wrong


def forged_portfolio_fill(
    participant: str, portfolios: int, products: int, points: int, separator: bytes
) -> PortfolioFillTerms:
    """A portfolio order's fill of `participant` signed by another key (the oracle's)."""
    named = tuple(
        SignedPortfolio(
            f"portfolio-{j:02d}",
            TOKEN,
            tuple(sorted(f"product-{j:02d}-{k:02d}" for k in range(products))),
            (TOKEN // products,) * products,
        )
        for j in range(portfolios)
    )
    unsigned = PortfolioFillTerms(
        order_id="portfolio-wrong",
        participant=participant,
        quantity=TOKEN,
        rates=(TOKEN // portfolios,) * portfolios,
        portfolios=named,
        curve_quantities=tuple(k * TOKEN for k in range(points)),
        curve_prices=tuple(2 * TOKEN - k * TOKEN // points for k in range(points)),
        nonce=7,
        from_hour=0,
        until_hour=2**40,
        replaces=bytes(32),
        signature=bytes(65),
    )
    digest = keccak(b"\x19\x01" + separator + unsigned.struct_hash)
    v, r, s = PrivateKey(bytes.fromhex(HARDHAT_DEV_KEYS[1][2:])).sign_msg_hash(digest).vrs
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v + 27])
    return dataclasses.replace(unsigned, signature=signature)


def revenue_and_governance_ops(bench: Bench) -> None:
    supply = bench.fn("alice", "GovernanceToken", "totalSupply").call()
    bench.send(
        "alice",
        "GovernanceToken",
        "transfer",
        bench.addr("bob"),
        supply // 10,
        label="transfer (votes and holding-time checkpoints)",
    )
    bench.advance(get_profile("demo").revenue_epoch_s)
    bench.send("dave", "RevenueDistributor", "closeEpoch", label="closeEpoch")
    bench.send("alice", "RevenueDistributor", "claim", 0, label="claim")
    bench.send("bob", "OrderRegistry", "invalidateOrders", 10, label="invalidateOrders")
    params = bench.clients["deployer"].contract(
        bench.artifacts["MarketParameters"], bench.deployment.addresses["MarketParameters"]
    )
    action = ([params.address], [0], [params.encode_abi("setFeeBps", args=[20])])
    description = "fee to 20 bps"
    digest = bench.w3.keccak(text=description)
    bench.send("alice", "MarketGovernor", "propose", *action, description, label="propose")
    proposal = bench.fn("alice", "MarketGovernor", "hashProposal", *action, digest).call()
    bench.mine(2)
    bench.send("alice", "MarketGovernor", "castVote", proposal, 1, label="castVote")
    bench.mine(get_profile("demo").voting_period_blocks)
    bench.send("alice", "MarketGovernor", "queue", *action, digest, label="queue")
    bench.advance(get_profile("demo").timelock_delay_s)
    bench.send("alice", "MarketGovernor", "execute", *action, digest, label="execute (setFeeBps)")
    assert params.functions.feeBps().call() == 20


def render(
    deployment: Deployment,
    scaling: list[tuple[int, int, int, int, float]],
    rows: list[tuple[str, str, int]],
) -> str:
    commit = [g for _, g, _, _, _ in scaling]
    lines = [
        "# Gas table",
        "",
        "Generated by `.venv/bin/python bench/gas_table.py` (do not edit by hand): every figure",
        "is the `gasUsed` of a real transaction on the local Hardhat node (cancun), contracts",
        "compiled with solc 0.8.28, optimizer on (200 runs). `verifyPrice` is a view; its",
        "figure is the node's estimate for calling it in a transaction.",
        "",
        "## Deployment (demo profile)",
        "",
        "| contract | gas |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {gas:,} |" for name, gas in deployment.gas_used.items()]
    lines += [f"| **total** | **{sum(deployment.gas_used.values()):,}** |", ""]
    lines += [
        "## Hourly commitment against the number of products",
        "",
        "Real trees: N products (prices), N cleared orders, min(N, 1000) participant entries,",
        "N trade lines and their N holdings.",
        f"Commit gas spread over all sizes: {max(commit) - min(commit)} gas "
        f"({min(commit):,} to {max(commit):,}); only calldata bytes of the roots differ.",
        "",
        "| products N | commitHour gas | proof length | verifyPrice gas | trees built (s) |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {n:,} | {g:,} | {p} | {v:,} | {s:.1f} |" for n, g, p, v, s in scaling]
    challenges = [r for r in rows if r[1].startswith("challenge") or r[0] == "OracleBond"]
    lines += ["", "## Operations", "", "| contract | operation | gas |", "|---|---|---:|"]
    lines += _table([r for r in rows if r not in challenges])
    lines += [
        "",
        "## Challenges and the oracle's bond",
        "",
        "Week 1's hour 5 commits alice −10 and bob +10 tokens among 1 002 entries; five times",
        "the oracle posts a wrong root for the week (1 002 leaves) and a third party proves it",
        "wrong with the matching call, which deletes the root and pays it the bond; the",
        "operator restakes after each. A challenge of a root that is right reverts",
        "(`SettlementNotAFault`) and costs its sender only the gas up to the failing check.",
        "Then hours 6, 7 and 8 each commit a fill off its order's curve (among 1 001 order",
        "leaves); with a root posted for the week, `challengeTrade` proves it, voids the hour,",
        "deletes the root and pays the bond. Its gas grows with the portfolio (one price",
        "proof per product) and the curve (walked point by point): the API's limits, 256",
        "products and 64 points, bound it. Hours 9 and 10 commit a trade-lines tree of about",
        "1 000 lines that is wrong: a product whose lines sum to +1 GB/h, and a fill's line",
        "that is not its quantity × weight; `challengeBalance` proves each with the ledger view",
        'it names (docs/settlement.md, "Balance of an hour"), voids the hour and pays the',
        "bond. Its gas is that of one or two line proofs (and a fill proof): it does not grow",
        "with the products of the hour; a line checked against its fill also reads the",
        "hour's governed clearing interval (an interval's line is what the fill delivered).",
        "Hours 11, 12 and 13 each commit a fill of alice on",
        "an order she never signed (signed with another key, 64-point curve);",
        "`challengeUnsignedFill` proves it (the order's EIP-712 digest rebuilt from the leaf,",
        "one `ecrecover`) with the same outcome. Its gas grows with the portfolio and curve",
        "only through hashing them. Hours 14 and 15 do the same with a portfolio order",
        "(docs/portfolios.md), two portfolios of one product and 16 of 16 products (the",
        "API's 256): `challengeBalance` with `isPortfolioFillUnsigned` rebuilds its",
        "`PortfolioOrder` digest from the fill, one `ecrecover`. Hour 16 commits alice's entry",
        "at −13 tokens where her one",
        "trade line (+5 GB/h at 2 tokens/GB) gives −10, among 1 000 other entries and",
        "holdings; `challengeBalance` with `isEntryOffHoldings` proves it (docs/settlement.md,",
        '"Entries bound to the trade lines"): one entry proof, two holding proofs, and a loop',
        "over the entry's products.",
        "`PortfolioOrder` digest from the fill, one `ecrecover`. Hours 17 and 18 commit a",
        "fills tree of about 1 000 leaves that does not back the lines (docs/settlement.md,",
        '"Backing of a trade line"): a line on an order key with no fill (a line proof and',
        "one or two fills-tree proofs), and one order with two fill leaves (two adjacent",
        "proofs); `challengeBalance` proves each.",
        "",
        "| contract | operation | gas |",
        "|---|---|---:|",
    ]
    lines += _table(challenges)
    return "\n".join(lines) + "\n"


def _table(rows: list[tuple[str, str, int]]) -> list[str]:
    """One line per label (its first measurement)."""
    seen: set[str] = set()
    lines = []
    for name, label, gas in rows:
        if label in seen:
            continue
        seen.add(label)
        lines.append(f"| {name} | {label} | {gas:,} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-products", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("docs/gas.md"))
    args = parser.parse_args()
    settings = dataclasses.replace(load_settings(), state_dir=Path(tempfile.mkdtemp(prefix="gas-")))
    artifacts = compile_contracts(settings).artifacts
    sizes = [n for n in (10, 100, 1_000, 10_000, 100_000, 1_000_000) if n <= args.max_products]
    with LocalNode(settings) as node:
        keys = {"alice": HARDHAT_DEV_KEYS[3], "supplier": HARDHAT_DEV_KEYS[2]}
        holders = {w: str(Account.from_key(k).address) for w, k in keys.items()}
        genesis = Genesis(
            {holders["alice"]: 400_000 * TOKEN, TREASURY: 600_000 * TOKEN},
            suppliers=(holders["supplier"],),
        )
        deployment = deploy_market(
            settings,
            artifacts,
            rpc_url=node.rpc_url,
            profile=get_profile("demo"),
            genesis=genesis,
            # Hours are committed only once closed on chain: start far enough back that
            # the scaling hours, week 0 and week 1 (the challenges) have all closed.
            genesis_hour=int(time.time()) // 3600 - 3 * HOURS_PER_WEEK,
            write=False,
        )
        bench = Bench(node.rpc_url, artifacts, deployment)
        print("commitHour against the number of products:")
        scaling = commit_scaling(bench, sizes)
        settlement_ops(bench)
        revenue_and_governance_ops(bench)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(deployment, scaling, bench.rows), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
