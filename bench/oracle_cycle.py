"""The oracle's hourly cycle on a generated book, step by step, at growing sizes.

    .venv/bin/python bench/oracle_cycle.py --size 1000x10000 --size 10000x100000
        [--participants 1000] [--seed 2026] [--database-url URL]
        [--batch-size 100 [--batches-without-hashes]] [--hours 2] [--keep-state DIR]

For each PRODUCTSxORDERS size: a seeded book (`clearing.synthetic.random_book`, local
portfolios w = 50, catalogue names of hourly forwards over many regions) is stored as
standing orders of the next ledger hour, straight into a fresh database (the API's
intake is measured by bench/api_load.py), spread over --participants wallets (with
--batch-size, each wallet's orders signed in batches of that many, stored as the API's
batch route stores them: with the members' struct hashes, or with
--batches-without-hashes as a batch stored before they were kept, whose members the
snapshot hashes from their orders). With --hours N the book stands for N hours (the
oracle's steady state: most of a book stands from hour to hour) and each is cleared in
turn, a row each, in one oracle process. Then the
real oracle runs that hour against a local Hardhat node with the demo deployment,
step by step, each step timed (wall and CPU):

- snapshot: read the standing orders, chain state of every participant, collateral
  rules, journal the engine document;
- solve: clear it (the engine's share timed inside), derive the exact amounts and the
  three Merkle trees (timed again on their own: `build_hour_bundle`), store the results;
- commit: `commitHour` on chain, journaled;
- publish: proofs into the database, the publication and order-set files, the
  requirements root.

As in the oracle's process (`flowmarket oracle`): the collector is settled for serving
once the oracle has opened (`collector.settle_for_serving`), and each hour's four steps
run with the cyclic collector off, which collects once after the publication
(`collector.deferred_collection`): its seconds are the last column, outside the hour.

It prints one row per size with the peak resident memory of the process (the bench's
own book and tree rebuild included) and the hour's own peak: the most the process held
from the snapshot to the publication (Linux's VmHWM, reset before the hour; "—" where
the system cannot reset it). The bench reads the hour's order set again for its tree
rebuild once the hour is published, so it holds nothing of the hour meanwhile. The state
folders (node deployment, database, publications) are removed at the end unless
--keep-state names where to keep them.
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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from eth_account import Account
from sqlalchemy import insert
from sqlmodel import Session

from chain_market import COLLATERAL, bench_market
from flowmarket.backend.serve import open_database
from flowmarket.catalogue import Kind, ProductKey, format_name
from flowmarket.chain.participant_states import read_one_by_one, read_through_lens
from flowmarket.clearing import ResultDoc, clear_document
from flowmarket.clearing.synthetic import random_book
from flowmarket.collector import deferred_collection, settle_for_serving
from flowmarket.config import Settings, load_settings
from flowmarket.db import orders_repo
from flowmarket.db.batch_tables import OrderBatch
from flowmarket.db.models import Order, Product
from flowmarket.db.results_repo import table_of
from flowmarket.oracle.commit import commit_hour
from flowmarket.oracle.cycle import Oracle, open_oracle
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.journal import require
from flowmarket.oracle.publish import publish_hour
from flowmarket.oracle.snapshot import take_snapshot
from flowmarket.oracle.solve import solve_hour
from flowmarket.orders import order_message
from flowmarket.signing import order_struct_hash
from peak_memory import peak_rss_gb, reset_peak_rss

T = TypeVar("T")
TYPES = ("premium", "regular", "fast")
SIGNATURE = "0x" + "11" * 65


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
    url: str,
    hour: int,
    n_products: int,
    n_orders: int,
    participants: list[str],
    seed: int,
    batching: Batching | None = None,
    hours: int = 1,
) -> None:
    """The seeded book as orders standing from `hour` for `hours` hours (accepted 1 s
    before the first close), with `batching` signed in batches."""
    book = random_book(n_products, n_orders, seed, locality=50)
    names = product_names(n_products, hour + hours - 1)  # every one ahead of the last hour
    cols = book.portfolios
    # Signed orders carry at most 18 decimals (the fill leaf commits them in fixed point):
    # round the generator's floats to 9, as a wallet's client would.
    curve = np.round(np.stack([book.curve_qty, book.curve_price], axis=1), 9)
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
                "until_hour": hour + hours - 1,
                "replaces": None,
                "portfolio": {
                    names[i]: round(float(w), 9)
                    for i, w in zip(cols.indices[start:end], cols.data[start:end], strict=True)
                },
                "curve": curve[a:b].tolist(),
                "signature": SIGNATURE,
                "accepted_at": close - 1.0,
                "receipt_signature": SIGNATURE,
            }
        )
    batches = batched(rows, batching, close - 1.0) if batching is not None else []
    engine = open_database(url)
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=n) for n in names])
        connection = session.connection()
        for k in range(0, len(batches), 5_000):
            connection.execute(insert(table_of(OrderBatch)), batches[k : k + 5_000])
        for k in range(0, len(rows), 50_000):
            connection.execute(insert(table_of(Order)), rows[k : k + 50_000])
        session.commit()
    engine.dispose()


@dataclasses.dataclass(frozen=True)
class Batching:
    """Orders signed in batches of `size` per wallet; `hashes`: stored with the members'
    struct hashes (as the API stores a batch) or without (a batch stored before)."""

    size: int
    hashes: bool


def batched(rows: list[dict[str, Any]], batching: Batching, at: float) -> list[dict[str, Any]]:
    """Each wallet's rows in batches of `batching.size` (sets each row's `batch_hash`);
    returns the batch rows."""
    by_wallet: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_wallet.setdefault(row["participant"], []).append(row)
    out = []
    for wallet, mine in by_wallet.items():
        for k in range(0, len(mine), batching.size):
            members = mine[k : k + batching.size]
            batch_hash = "0x" + secrets.token_hex(32)
            for row in members:
                row["batch_hash"] = batch_hash
            out.append(
                {
                    "batch_hash": batch_hash,
                    "participant": wallet,
                    "signature": SIGNATURE,
                    "recorded_at": at,
                    "entries_root": "0x" + "33" * 32,
                    "receipt_signature": SIGNATURE,
                    "entries": [
                        [r["order_hash"], "accepted", i, False] for i, r in enumerate(members)
                    ],
                }
            )
            if batching.hashes:  # left out otherwise: NULL, and a checkout before 0015 runs
                out[-1]["order_struct_hashes"] = [
                    "0x" + order_struct_hash(order_message(Order(**r))).hex() for r in members
                ]
    return out


class Steps:
    """Wall and CPU seconds of each named step."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.hour_peak_gb: float | None = None

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

    def solve() -> ResultDoc:
        with ctx.session() as session:
            row = require(session, hour)
            return solve_hour(session, row, clear_fn=steps.timed_clear, bundles=ctx.bundles)

    # As `Oracle.tick` runs an hour: the collector off until it is published.
    reset = reset_peak_rss()
    with deferred_collection() as collection:
        steps.run("snapshot", lambda: take_snapshot(ctx, hour=hour))
        result = steps.run("solve", solve)
        steps.run("commit", lambda: commit_hour(ctx, hour))
        steps.run("publish", lambda: publish_hour(ctx, hour))
    steps.hour_peak_gb = peak_rss_gb() if reset else None
    steps.wall["collect"] = collection.seconds
    with ctx.session() as session:  # as a verifier would: from the journal
        row = require(session, hour)
        fee_bps, doc = row.fee_bps, row.engine_doc
    steps.run(
        "trees",
        lambda: build_hour_bundle(
            result, hour=hour, fee_bps=fee_bps, orders=doc["orders"], batches=doc.get("batches")
        ),
    )
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", help="PRODUCTSxORDERS (repeatable)")
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="default: a fresh SQLite file per size")
    parser.add_argument("--batch-size", type=int, help="orders per signed batch (default: none)")
    parser.add_argument("--hours", type=int, default=1, help="hours the book stands (default 1)")
    parser.add_argument(
        "--keep-state",
        type=Path,
        help="keep each size's state folder (database, publications) under this folder for "
        "later study; by default every state folder is removed at the end (10^6 orders "
        "leave 6 GB)",
    )
    parser.add_argument(
        "--batches-without-hashes",
        action="store_true",
        help="store the batches without their members' struct hashes (as before 0015)",
    )
    args = parser.parse_args()
    if not 1 <= args.hours <= 24:
        parser.error("--hours: between 1 and 24 (every hour cleared must have closed)")
    sizes = [tuple(int(x) for x in s.split("x")) for s in (args.size or ["1000x10000"])]
    wallets = [Account.create() for _ in range(args.participants)]
    people = [str(w.address) for w in wallets]
    past = int(time.time() // 3600) - 100  # hours the ledger sees as closed
    with scratch_folder(args.keep_state) as scratch:
        base = dataclasses.replace(
            load_settings(), state_dir=Path(tempfile.mkdtemp(prefix="cycle-", dir=scratch))
        )
        with bench_market(base, wallets, genesis_hour=past) as market:
            settings = market.settings
            hour = market.deployment.genesis_hour
            print_header()
            for k, (n_products, n_orders) in enumerate(sizes):
                run_size(settings, args, people, hour + k * args.hours, n_products, n_orders)
    return 0


@contextmanager
def scratch_folder(keep: Path | None) -> Iterator[Path]:
    """Where the state folders go: `keep` (made if missing, left in place), else a
    temporary folder removed on exit, however the run ends."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="oracle-cycle-") as scratch:
        yield Path(scratch)


def print_header() -> None:
    print(
        "| products x orders | participants | load | snapshot s | solve s (engine) | trees s | "
        "commit s | publish s | total s | CPU s | filled orders | max imbalance | peak RSS GB | "
        "participant reads s: lens (one by one) | collected after s | the hour's peak RSS GB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def run_size(
    base: Settings,
    args: argparse.Namespace,
    people: list[str],
    hour: int,
    n_products: int,
    n_orders: int,
) -> None:
    state = Path(tempfile.mkdtemp(prefix=f"cycle-{n_orders}-", dir=base.state_dir.parent))
    for name in ("deployment.json",):
        (state / name).write_bytes((base.state_dir / name).read_bytes())
    url = args.database_url or f"sqlite:///{state / 'oracle.sqlite'}"
    settings = dataclasses.replace(base, state_dir=state, database_url=url)
    engine = open_database(url)
    batching = (
        Batching(args.batch_size, hashes=not args.batches_without_hashes)
        if args.batch_size
        else None
    )
    store_book(url, hour, n_products, n_orders, people, args.seed, batching, args.hours)
    oracle = open_oracle(settings, engine)
    settle_for_serving()  # as the oracle's command does once it has started
    for k in range(args.hours):
        load = os.getloadavg()[0]
        steps, result = one_hour(oracle, hour + k, people)
        label = f"{n_products:,} x {n_orders:,}" + (f", hour {k + 1}" if args.hours > 1 else "")
        print_row(label, len(people), load, steps, result)
    engine.dispose()


def print_row(label: str, participants: int, load: float, steps: Steps, result: ResultDoc) -> None:
    wall, cpu = steps.wall, steps.cpu
    filled = sum(1 for o in result["orders"].values() if o["quantity"] != 0.0)
    total = sum(wall[s] for s in ("snapshot", "solve", "commit", "publish"))
    total_cpu = sum(cpu[s] for s in ("snapshot", "solve", "commit", "publish"))
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    hour_gb = "—" if steps.hour_peak_gb is None else f"{steps.hour_peak_gb:.1f}"
    print(
        f"| {label} | {participants:,} | {load:.1f} | "
        f"{wall['snapshot']:.2f} | {wall['solve']:.2f} ({wall['engine']:.2f}) | "
        f"{wall['trees']:.2f} | {wall['commit']:.2f} | {wall['publish']:.2f} | "
        f"{total:.1f} | {total_cpu:.1f} | {filled:,} of {len(result['orders']):,} | "
        f"{result['certificate']['max_imbalance']:.1e} | {rss_gb:.1f} | "
        f"{wall['lens']:.2f} ({wall['each']:.2f}) | {wall['collect']:.2f} | {hour_gb} |",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
