"""The oracle's hourly cycle on a generated book, step by step, at growing sizes.

    .venv/bin/python bench/oracle_cycle.py --size 1000x10000 --size 10000x100000
        [--participants 1000] [--seed 2026] [--database-url URL]

For each PRODUCTSxORDERS size: a seeded book (`clearing.synthetic.random_book`, local
portfolios w = 50, catalogue names of hourly forwards over many regions) is stored as
standing orders of the next ledger hour, straight into a fresh database (the API's
intake is measured by bench/api_load.py), spread over --participants wallets. Then the
real oracle runs that hour against a local Hardhat node with the demo deployment,
step by step, each step timed (wall and CPU):

- snapshot: read the standing orders, chain state of every participant, collateral
  rules, journal the engine document;
- solve: clear it (the engine's share timed inside), derive the exact amounts and the
  three Merkle trees (timed again on their own: `build_hour_bundle`), store the results;
- commit: `commitHour` on chain, journaled;
- publish: proofs into the database, the publication and order-set files, the
  requirements root.

It prints one row per size and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import insert
from sqlmodel import Session
from web3 import Web3

from flowmarket.backend.serve import open_database
from flowmarket.catalogue import Kind, ProductKey, format_name
from flowmarket.chain.build import ArtifactSet, compile_contracts
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile
from flowmarket.chain.genesis import TREASURY, Genesis
from flowmarket.chain.node import LocalNode
from flowmarket.chain.participant_states import read_one_by_one, read_through_lens
from flowmarket.clearing import ResultDoc, clear_document
from flowmarket.clearing.synthetic import random_book
from flowmarket.config import HARDHAT_DEV_KEYS, Settings, load_settings
from flowmarket.db import orders_repo
from flowmarket.db.models import Order, Product
from flowmarket.db.results_repo import table_of
from flowmarket.money import WAD
from flowmarket.oracle.commit import commit_hour
from flowmarket.oracle.cycle import Oracle, open_oracle
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.journal import require
from flowmarket.oracle.publish import publish_hour
from flowmarket.oracle.snapshot import take_snapshot
from flowmarket.oracle.solve import solve_hour

T = TypeVar("T")
TYPES = ("premium", "regular", "fast")
SIGNATURE = "0x" + "11" * 65
COLLATERAL = 1_000_000 * WAD  # each participant's vault deposit: backs every order it places
SUPPLIER_KEY = HARDHAT_DEV_KEYS[2]  # mints the capacity tokens (genesis supplier)


def product_names(n: int, hour: int) -> list[str]:
    """n hourly forwards: 3 types × regions × the next 720 hours (30 days), in name order."""
    per_region = 3 * 720
    regions = -(-n // per_region)
    names = [
        format_name(ProductKey(Kind.HOURLY, f"r{r:04d}", kind, hour + 1 + h))
        for r in range(regions)
        for kind in TYPES
        for h in range(720)
    ]
    return sorted(names)[:n]


def store_book(
    url: str, hour: int, n_products: int, n_orders: int, participants: list[str], seed: int
) -> None:
    """The seeded book as orders standing for `hour` (accepted 1 s before its close)."""
    book = random_book(n_products, n_orders, seed, locality=50)
    names = product_names(n_products, hour)
    cols = book.portfolios
    rows = []
    close = float(hour * 3600)
    for j in range(book.n_orders):
        start, end = cols.indptr[j], cols.indptr[j + 1]
        a, b = book.curve_ptr[j], book.curve_ptr[j + 1]
        rows.append(
            {
                "order_hash": "0x" + secrets.token_hex(32),
                "participant": participants[j % len(participants)],
                "nonce": j // len(participants),
                "from_hour": hour,
                "until_hour": hour,
                "replaces": None,
                "portfolio": {
                    names[i]: float(w)
                    for i, w in zip(cols.indices[start:end], cols.data[start:end], strict=True)
                },
                "curve": np.stack([book.curve_qty[a:b], book.curve_price[a:b]], axis=1).tolist(),
                "signature": SIGNATURE,
                "accepted_at": close - 1.0,
                "receipt_signature": SIGNATURE,
            }
        )
    engine = open_database(url)
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=n) for n in names])
        connection = session.connection()
        for k in range(0, len(rows), 50_000):
            connection.execute(insert(table_of(Order)), rows[k : k + 50_000])
        session.commit()
    engine.dispose()


class Steps:
    """Wall and CPU seconds of each named step."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def run(self, name: str, fn: Callable[[], T]) -> T:
        wall, cpu = time.perf_counter(), time.process_time()
        value = fn()
        self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu
        return value

    def timed_clear(self, doc: Mapping[str, Any], prior: Mapping[str, Any] | None) -> Any:
        return self.run("engine", lambda: clear_document(doc, prior))


def one_hour(oracle: Oracle, hour: int, people: list[str]) -> tuple[Steps, ResultDoc]:
    """Take `hour` through the oracle's four steps, each timed; then the trees alone, and
    every participant's chain state read through the lens and one by one at one block
    (they must be equal). Returns the steps and the hour's RESULT document."""
    ctx, steps = oracle.ctx, Steps()
    steps.run("snapshot", lambda: take_snapshot(ctx, hour=hour))

    def solve() -> tuple[ResultDoc, int]:
        with ctx.session() as session:
            row = require(session, hour)
            result = solve_hour(session, row, clear_fn=steps.timed_clear, bundles=ctx.bundles)
            return result, row.fee_bps

    result, fee_bps = steps.run("solve", solve)
    steps.run("commit", lambda: commit_hour(ctx, hour))
    steps.run("publish", lambda: publish_hour(ctx, hour))
    steps.run("trees", lambda: build_hour_bundle(result, hour=hour, fee_bps=fee_bps))
    w3 = ctx.market.client.w3
    block = int(w3.eth.block_number)
    lens = steps.run(
        "lens", lambda: read_through_lens(w3, ctx.contract("MarketLens"), people, block=block)
    )
    vault, settlement, registry = (
        ctx.contract(n) for n in ("CollateralVault", "WeeklySettlement", "OrderRegistry")
    )
    each = steps.run(
        "each", lambda: read_one_by_one(w3, vault, settlement, registry, people, block=block)
    )
    if lens != each or sum(s.collateral for s in lens.values()) != COLLATERAL * len(people):
        raise SystemExit("participant states: the lens and the per-participant reads differ")
    return steps, result


def deposit_collateral(
    w3: Web3, artifacts: ArtifactSet, deployment: Deployment, wallets: list[LocalAccount]
) -> None:
    """Each wallet gets ETH (the node's `hardhat_setBalance`), `COLLATERAL` capacity tokens
    minted by the genesis supplier, and deposits them in the vault: the snapshot's
    collateral rule then keeps the orders. Transactions go in JSON-RPC batches, one stage
    at a time (mint, approve, deposit), and the vault's total is checked at the end."""
    addresses = deployment.addresses
    token = w3.eth.contract(
        Web3.to_checksum_address(addresses["CapacityToken"]), abi=artifacts["CapacityToken"].abi
    )
    vault = w3.eth.contract(
        Web3.to_checksum_address(addresses["CollateralVault"]), abi=artifacts["CollateralVault"].abi
    )
    supplier = Account.from_key(SUPPLIER_KEY)
    w3.provider.make_batch_request(  # type: ignore[attr-defined]
        [("hardhat_setBalance", [w.address, hex(10**21)]) for w in wallets]
    )
    chain_id, gas_price = w3.eth.chain_id, 2 * w3.eth.gas_price
    first = w3.eth.get_transaction_count(supplier.address)

    def send(stage: list[tuple[LocalAccount, Any, int]]) -> None:
        raw = []
        for who, call, nonce in stage:
            tx = call.build_transaction(
                {
                    "from": who.address,
                    "nonce": nonce,
                    "gas": 200_000,
                    "gasPrice": gas_price,
                    "chainId": chain_id,
                }
            )
            raw.append(
                ("eth_sendRawTransaction", [who.sign_transaction(tx).raw_transaction.to_0x_hex()])
            )
        # The node takes the stage's transactions into its pool (a batch's requests arrive
        # in any order, which automining refuses), then mines blocks until all are in.
        batch = w3.provider.make_batch_request  # type: ignore[attr-defined]
        w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
        hashes: list[str] = []
        for k in range(0, len(raw), 200):
            answers = batch(raw[k : k + 200])
            failed = [a["error"] for a in answers if "error" in a]
            if failed:
                raise SystemExit(f"collateral: the node refused a transaction: {failed[0]}")
            hashes += [str(a["result"]) for a in answers]
        while hashes:
            w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
            answers = batch([("eth_getTransactionReceipt", [h]) for h in hashes])
            if any(a["result"] and int(a["result"]["status"], 16) != 1 for a in answers):
                raise SystemExit("collateral: a mint, approve or deposit transaction reverted")
            hashes = [h for h, a in zip(hashes, answers, strict=True) if not a["result"]]
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]

    send(
        [
            (supplier, token.functions.mint(w.address, COLLATERAL), first + k)
            for k, w in enumerate(wallets)
        ]
    )
    send([(w, token.functions.approve(vault.address, COLLATERAL), 0) for w in wallets])
    send([(w, vault.functions.deposit(COLLATERAL), 1) for w in wallets])
    total = int(vault.functions.totalCollateral().call())
    if total != COLLATERAL * len(wallets):
        raise SystemExit(f"collateral: the vault holds {total} wei, not {COLLATERAL} per wallet")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", help="PRODUCTSxORDERS (repeatable)")
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="default: a fresh SQLite file per size")
    args = parser.parse_args()
    sizes = [tuple(int(x) for x in s.split("x")) for s in (args.size or ["1000x10000"])]
    base = dataclasses.replace(load_settings(), state_dir=Path(tempfile.mkdtemp(prefix="cycle-")))
    artifacts = compile_contracts(base).artifacts
    wallets = [Account.create() for _ in range(args.participants)]
    people = [str(w.address) for w in wallets]
    supplier = Account.from_key(SUPPLIER_KEY)
    with LocalNode(base) as node:
        settings = dataclasses.replace(base, rpc_url=node.rpc_url)
        past = int(time.time() // 3600) - 100  # hours the ledger sees as closed
        deployment = deploy_market(
            settings,
            artifacts,
            rpc_url=node.rpc_url,
            profile=get_profile("demo"),
            genesis=Genesis({TREASURY: 1_000_000 * WAD}, suppliers=(str(supplier.address),)),
            genesis_hour=past,
        )
        deposit_collateral(Web3(Web3.HTTPProvider(node.rpc_url)), artifacts, deployment, wallets)
        hour = deployment.genesis_hour
        print_header()
        for k, (n_products, n_orders) in enumerate(sizes):
            run_size(settings, args, people, hour + k, n_products, n_orders)
    return 0


def print_header() -> None:
    print(
        "| products x orders | participants | load | snapshot s | solve s (engine) | trees s | "
        "commit s | publish s | total s | CPU s | filled orders | max imbalance | peak RSS GB | "
        "participant reads s: lens (one by one) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def run_size(
    base: Settings,
    args: argparse.Namespace,
    people: list[str],
    hour: int,
    n_products: int,
    n_orders: int,
) -> None:
    state = Path(tempfile.mkdtemp(prefix=f"cycle-{n_orders}-"))
    for name in ("deployment.json",):
        (state / name).write_bytes((base.state_dir / name).read_bytes())
    url = args.database_url or f"sqlite:///{state / 'oracle.sqlite'}"
    settings = dataclasses.replace(base, state_dir=state, database_url=url)
    engine = open_database(url)
    store_book(url, hour, n_products, n_orders, people, args.seed)
    load = os.getloadavg()[0]
    oracle = open_oracle(settings, engine)
    steps, result = one_hour(oracle, hour, people)
    wall, cpu = steps.wall, steps.cpu
    filled = sum(1 for o in result["orders"].values() if o["quantity"] != 0.0)
    total = sum(wall[s] for s in ("snapshot", "solve", "commit", "publish"))
    total_cpu = sum(cpu[s] for s in ("snapshot", "solve", "commit", "publish"))
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        f"| {n_products:,} x {n_orders:,} | {len(people):,} | {load:.1f} | "
        f"{wall['snapshot']:.2f} | {wall['solve']:.2f} ({wall['engine']:.2f}) | "
        f"{wall['trees']:.2f} | {wall['commit']:.2f} | {wall['publish']:.2f} | "
        f"{total:.1f} | {total_cpu:.1f} | {filled:,} of {len(result['orders']):,} | "
        f"{result['certificate']['max_imbalance']:.1e} | {rss_gb:.1f} | "
        f"{wall['lens']:.2f} ({wall['each']:.2f}) |",
        flush=True,
    )
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
