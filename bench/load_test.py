"""The market under sustained load: signed order batches at a target rate for minutes
while the real oracle clears a short market hour, then every receipt checked.

    .venv/bin/python bench/load_test.py [--minutes 10] [--rate 2000] [--batch-size 100]
        [--replace-every-s 5] [--hour-length-s 60] [--workers 2] [--database-url URL]
        [--keep DIR]
    .venv/bin/python bench/load_test.py --check DIR      # the checks again, on a kept run

The market is real: a local node with the demo deployment and every wallet's collateral
in the vault (bench/chain_market.py), `flowmarket serve --workers N` over SQLite (a file
in the run folder) or --database-url, and `flowmarket oracle run` in its own process
with `--hour-length-s` market hours: hour G (the ledger's genesis) closes one market
hour after the load starts, hour G + k at k + 1 hour lengths. The chain's clock is moved
past the last hour's close first (the ledger accepts an hour only once it has closed on
chain; the API and the oracle read no chain time).

Order pattern (bounded books). W = rate × replace-every-s / batch-size wallets each hold
a standing set of batch-size orders and replace the whole set every replace-every-s
seconds with one signed batch (each new order `replaces` one of the set; the wallets'
sends are spread evenly over the period). A batch sent while market hour h is open bids
for hours h and h + 1. Every hour's book therefore holds about rate × replace-every-s
orders (W × batch-size) whatever the run's length. Everything is signed before the clock
starts (the client's cost); a wallet's next batch waits for the answer to its previous
one (it replaces those orders).

What is checked (exit status 1 when any fails):
- every answer is 2xx (counted by status; 5xx must be 0) and each receipt is the
  operator's signature over exactly the batch's entries (each order accepted, each
  replaced order cancelled), whose Merkle root is recomputed from the planned ids;
- every receipted order is stored, and every replacement is recorded (`replaced_by`);
- for each market hour h that closed during the load, with close time C (wall clock):
  an order is *live at the close* when the answer to its batch came back before C, its
  window covers h, and the batch that replaces it was not sent before C. Every such
  order must be in hour h's journaled snapshot (the oracle's engine document); an
  order whose replacement was answered before C, or whose batch was sent after C, must
  not be. Orders whose batch or replacement was in flight at C may be either (counted);
- every hour that closed during the load was published, each before the next close
  (or within --publish-within-s of its close).
Printed: requests and orders sent, achieved orders/s per minute, request latency
p50/p99/max, answers by status, orders receipted vs stored, each hour's live orders
vs its cleared book, the oracle's seconds per hour (and its steps), load average.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import httpx
from eth_account import Account
from sqlalchemy import select
from web3 import Web3

from chain_market import bench_market
from flowmarket.backend.serve import open_database
from flowmarket.catalogue.hours import SECONDS_PER_HOUR, open_hour
from flowmarket.chain.node import advance_chain_to
from flowmarket.client.bodies import batch_body
from flowmarket.config import HARDHAT_DEV_KEYS, load_settings
from flowmarket.db.batch_tables import OrderBatch
from flowmarket.db.models import Order
from flowmarket.db.oracle_tables import OracleHour, OrderExclusion
from flowmarket.db.results_repo import table_of
from flowmarket.merkle import MerkleTree
from flowmarket.signing import (
    BatchReceiptMessage,
    Domain,
    OrderBatchMessage,
    OrderMessage,
    batch_ids,
    receipt_leaf,
    recover,
)
from flowmarket.states import ReceiptAction
from load_harness import LIMITS, PRODUCTS, free_port, percentile, prepare_database, wait_for
from load_harness import start_server as start_api
from load_harness import wallets as bench_wallets

OPERATOR_KEY = HARDHAT_DEV_KEYS[1]  # the deployment's oracle: commits hours, signs receipts
PATH = "/v1/orders/batch"
RUN_FILE = "run.json"
ORACLE_LOG = "oracle.log"
P99_TARGET_MS = 200.0


@dataclass(frozen=True)
class Planned:
    """One pre-signed batch: sent `at` seconds after the start by wallet `wallet`."""

    at: float
    wallet: int
    batch_hash: str
    ids: list[str]
    replaces: list[str]  # the wallet's previous set (empty for its first batch)
    from_hour: int
    until_hour: int


@dataclass
class Answer:
    """What the client saw for one batch (wall-clock seconds)."""

    sent: float = 0.0
    done: float = 0.0
    status: int = 0
    receipt: dict[str, Any] = field(default_factory=dict)
    entries: list[list[str]] = field(default_factory=list)  # (order id, action) in order
    error: str = ""


@dataclass
class Run:
    """Everything the checks read besides the database (saved as run.json)."""

    database_url: str
    chain_id: int
    ledger: str
    operator: str
    genesis_hour: int
    start: float
    hour_length_s: float
    minutes: float
    rate: float
    batch_size: int
    wallets: int
    publish_within_s: float = 0.0  # 0: one hour length (before the next close)
    end: float = 0.0
    planned: list[Planned] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    load: list[float] = field(default_factory=list)

    @property
    def epoch(self) -> float:
        """Wall time at which hour `genesis_hour` closes."""
        return self.start + self.hour_length_s

    def close(self, hour: int) -> float:
        return self.epoch + (hour - self.genesis_hour) * self.hour_length_s

    def hours(self) -> list[int]:
        """The market hours whose bidding closed while the load ran."""
        count = int((self.start + 60.0 * self.minutes - self.epoch) // self.hour_length_s) + 1
        return [self.genesis_hour + k for k in range(max(count, 0))]

    @property
    def publish_deadline_s(self) -> float:
        return self.publish_within_s or self.hour_length_s

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load_from(cls, path: Path) -> Run:
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["planned"] = [Planned(**p) for p in raw["planned"]]
        raw["answers"] = [Answer(**a) for a in raw["answers"]]
        return cls(**raw)


# --------------------------------------------------------------------------- plan


def order_of(
    wallet: str, nonce: int, j: int, k: int, hour: int, replaces: str | None
) -> OrderMessage:
    """Order k of a wallet's j-th set: a two-product portfolio (buy one, sell half of
    another) with a falling three-point curve that moves a little every set."""
    i = nonce + 7 * k
    shift = ((j * 5 + k) % 9 - 4) * 0.125
    return OrderMessage(
        participant=wallet,
        nonce=nonce,
        from_hour=hour,
        until_hour=hour + 1,
        portfolio={PRODUCTS[i % len(PRODUCTS)]: 1.0, PRODUCTS[(i + 7) % len(PRODUCTS)]: -0.5},
        curve=((-5.0 - k % 3, 12.0 + shift), (0.0, 8.0 + shift), (10.0, 4.0 + shift)),
        replaces=replaces,
    )


def plan(
    domain: Domain,
    *,
    genesis_hour: int,
    seconds: float,
    rate: float,
    batch_size: int,
    period_s: float,
    hour_length_s: float,
) -> tuple[list[Planned], list[bytes], int]:
    """Every batch of the run, signed, in send order; returns (batches, bodies, W)."""
    count = max(1, round(rate * period_s / batch_size))
    accounts = bench_wallets(count)
    rounds = math.ceil(seconds / period_s)
    batches: list[tuple[Planned, bytes]] = []
    for w, account in enumerate(accounts):
        previous: list[str] = []
        for j in range(rounds):
            at = (w / count + j) * period_s
            if at >= seconds:
                break
            hour = genesis_hour + int(at // hour_length_s)
            orders = tuple(
                order_of(
                    account.address,
                    j * batch_size + k,
                    j,
                    k,
                    hour,
                    previous[k] if previous else None,
                )
                for k in range(batch_size)
            )
            message = OrderBatchMessage(account.address, orders, ())
            digest, ids = batch_ids(domain, message)
            body = json.dumps(batch_body(domain, message, account.key.hex())).encode()
            planned = Planned(at, w, "0x" + digest.hex(), ids, previous, hour, hour + 1)
            batches.append((planned, body))
            previous = ids
    batches.sort(key=lambda item: item[0].at)
    return [b[0] for b in batches], [b[1] for b in batches], count


# -------------------------------------------------------------------------- drive


async def drive(run: Run, bodies: Sequence[bytes], base_url: str, connections: int) -> None:
    """Send each batch at its time (open loop), a wallet's batches one after another."""
    run.answers = [Answer() for _ in run.planned]
    previous: dict[int, asyncio.Event] = {}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as client:

        async def send(index: int, wait_for: asyncio.Event | None, done: asyncio.Event) -> None:
            if wait_for is not None:
                await wait_for.wait()
            answer = run.answers[index]
            answer.sent = time.time()
            try:
                response = await client.post(PATH, content=bodies[index], headers=headers)
            except httpx.HTTPError as exc:
                answer.done, answer.error = time.time(), f"{type(exc).__name__}: {exc}"
                done.set()
                return
            answer.done, answer.status = time.time(), response.status_code
            done.set()
            if response.status_code // 100 != 2:
                answer.error = response.text[:300]
                return
            data = response.json()
            answer.receipt = data["receipt"]
            answer.entries = [[e["order_hash"], e["action"]] for e in data["entries"]]

        async def sample_load() -> None:
            while True:
                run.load.append(os.getloadavg()[0])
                await asyncio.sleep(10.0)

        async def collect_young() -> None:
            # The client's full garbage collections of its growing record (every
            # receipt's entries) paused its sends by 0.15-0.48 s in the 10-minute run,
            # counted against the server in the latencies. While the clock runs only
            # the young generations are collected (a few ms, each second): the
            # requests' garbage dies young.
            while True:
                await asyncio.sleep(1.0)
                gc.collect(1)

        gc.freeze()  # the signed set and the plan: never scanned again
        gc.disable()
        collector = asyncio.create_task(collect_young())
        sampler = asyncio.create_task(sample_load())
        tasks = []
        for index, planned in enumerate(run.planned):
            delay = run.start + planned.at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            done = asyncio.Event()
            tasks.append(asyncio.create_task(send(index, previous.get(planned.wallet), done)))
            previous[planned.wallet] = done
        try:
            await asyncio.gather(*tasks)
        finally:
            sampler.cancel()
            collector.cancel()
            gc.enable()
            gc.unfreeze()
    run.end = time.time()


def start_oracle(run: Run, state_dir: Path, rpc_url: str, log: Path) -> subprocess.Popen[bytes]:
    """`flowmarket oracle run` until the last hour of the load is published."""
    env = {
        **os.environ,
        "FLOWMARKET_STATE_DIR": str(state_dir),
        "FLOWMARKET_RPC_URL": rpc_url,
        "FLOWMARKET_DATABASE_URL": run.database_url,
        "FLOWMARKET_ORACLE_KEY": OPERATOR_KEY,
        "FLOWMARKET_ORACLE_HOUR_LENGTH_S": repr(run.hour_length_s),
        "FLOWMARKET_ORACLE_EPOCH_S": repr(run.epoch),
        "FLOWMARKET_ORACLE_POLL_S": "0.2",
    }
    command = [sys.executable, "-m", "flowmarket.cli.main", "oracle", "run"]
    command += ["--until-hour", str(run.hours()[-1])]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=out)


def stop(process: subprocess.Popen[bytes], name: str) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"{name}: did not stop within 30 s, killed")
            process.kill()
            process.wait()


def run_market(args: argparse.Namespace, folder: Path) -> Run:
    """Deploy, fund, sign, serve, clear and drive; the run's record is saved in `folder`."""
    url = args.database_url or f"sqlite:///{folder / 'market.sqlite'}"
    seconds = 60.0 * args.minutes
    count = max(1, round(args.rate * args.replace_every_s / args.batch_size))
    genesis = open_hour(time.time())
    base = replace(load_settings(), state_dir=folder / "state")
    with bench_market(base, bench_wallets(count), genesis_hour=genesis) as market:
        deployment = market.deployment
        domain = Domain(deployment.chain_id, deployment.addresses["ClearingLedger"])
        run = Run(
            url,
            deployment.chain_id,
            deployment.addresses["ClearingLedger"],
            str(Account.from_key(OPERATOR_KEY).address),
            genesis,
            0.0,
            args.hour_length_s,
            args.minutes,
            args.rate,
            args.batch_size,
            count,
            args.publish_within_s,
        )
        hours = int(seconds // args.hour_length_s) + 2
        w3 = Web3(Web3.HTTPProvider(market.settings.rpc_url))
        advance_chain_to(w3, (genesis + hours) * SECONDS_PER_HOUR)
        prepare_database(url)
        signing = time.perf_counter()
        run.planned, bodies, _ = plan(
            domain,
            genesis_hour=genesis,
            seconds=seconds,
            rate=args.rate,
            batch_size=args.batch_size,
            period_s=args.replace_every_s,
            hour_length_s=args.hour_length_s,
        )
        orders = sum(len(p.ids) for p in run.planned)
        print(
            f"signed {orders:,} orders in {len(run.planned):,} batches of {count} wallets "
            f"in {time.perf_counter() - signing:.1f} s (before the clock)",
            flush=True,
        )
        port = free_port()
        chain = {
            "FLOWMARKET_RPC_URL": market.settings.rpc_url,
            "FLOWMARKET_ORACLE_KEY": OPERATOR_KEY,
        }
        api = start_api(
            url, port, args.workers, market.settings.state_dir, chain, log=folder / "api.log"
        )
        oracle: subprocess.Popen[bytes] | None = None
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_for(base_url, api)
            run.start = time.time() + 2.0
            oracle = start_oracle(
                run, market.settings.state_dir, market.settings.rpc_url, folder / ORACLE_LOG
            )
            asyncio.run(drive(run, bodies, base_url, args.connections))
            del bodies
            last = run.close(run.hours()[-1])
            timeout = max(0.0, last - time.time()) + args.oracle_grace_s
            try:
                oracle.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(
                    f"oracle: hour {run.hours()[-1]} not published "
                    f"{args.oracle_grace_s:.0f} s after its close"
                )
        finally:
            if oracle is not None:
                stop(oracle, "oracle")
            stop(api, "API")
    run.save(folder / RUN_FILE)
    return run


# -------------------------------------------------------------------------- check


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)

    def check(self, ok: bool, line: str) -> None:
        self.lines.append(("ok    " if ok else "FAIL  ") + line)
        if not ok:
            self.failures.append(line)


def receipt_problem(run: Run, domain: Domain, planned: Planned, answer: Answer) -> str:
    """'' when the answer is the operator's receipt for exactly this batch."""
    wanted = [[i, ReceiptAction.ACCEPTED.value] for i in planned.ids]
    wanted += [[i, ReceiptAction.CANCELLED.value] for i in planned.replaces]
    receipt = answer.receipt
    if receipt.get("batch_hash") != planned.batch_hash or answer.entries != wanted:
        return "its entries are not the batch's orders and replacements"
    leaves = [receipt_leaf(i, ReceiptAction(a)) for i, a in wanted]
    root = "0x" + MerkleTree.from_leaves(leaves).root.hex()
    if receipt["entries_root"] != root or receipt["entries"] != len(wanted):
        return "its entries root is not the root of the batch's entries"
    message = BatchReceiptMessage(
        planned.batch_hash, receipt["participant"], root, len(wanted), receipt["recorded_at"]
    )
    signer = recover(domain, message, bytes.fromhex(receipt["signature"][2:]))
    if signer.lower() != run.operator.lower():
        return f"signed by {signer}, not the operator"
    return ""


def oracle_hours_log(path: Path) -> dict[int, dict[str, Any]]:
    """The oracle's "hour done" log records by hour (seconds, steps, time)."""
    out: dict[int, dict[str, Any]] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("msg") == "hour done":
            out[int(record["hour"])] = record
    return out


def check_run(run: Run, folder: Path) -> Report:
    report = Report()
    domain = Domain(run.chain_id, run.ledger)
    answers, planned = run.answers, run.planned
    orders_sent = sum(len(p.ids) for p in planned)
    seconds = run.end - run.start
    report.say(
        f"load: {run.minutes:g} min at {run.rate:g} orders/s target, {run.wallets} wallets "
        f"replacing {run.batch_size} orders each; market hour {run.hour_length_s:g} s"
    )
    report.say(
        f"sent {len(answers):,} requests, {orders_sent:,} orders in {seconds:.1f} s: "
        f"{orders_sent / seconds:.0f} orders/s"
    )
    per_minute: dict[int, int] = defaultdict(int)
    for p, a in zip(planned, answers, strict=True):
        if a.status // 100 == 2:
            per_minute[int((a.done - run.start) // 60)] += len(p.ids)
    minutes = " ".join(f"{per_minute[m] / 60:.0f}" for m in sorted(per_minute))
    report.say(f"orders/s answered per minute: {minutes}")
    latencies = [a.done - a.sent for a in answers if a.sent]
    lags = [a.sent - (run.start + p.at) for p, a in zip(planned, answers, strict=True)]
    p99 = 1000 * percentile(latencies, 0.99)
    report.say(
        f"latency per request: p50 {1000 * statistics.median(latencies):.1f} ms, p99 "
        f"{p99:.1f} ms (target < {P99_TARGET_MS:.0f}: "
        f"{'met' if p99 < P99_TARGET_MS else 'NOT met'}), max {1000 * max(latencies):.1f} ms; "
        f"sends behind schedule: max {max(lags):.2f} s"
    )
    statuses: dict[str, int] = defaultdict(int)
    for a in answers:
        statuses[str(a.status) if a.status else "no answer"] += 1
    others = {s: n for s, n in statuses.items() if not s.startswith("2")}
    errors = [a.error for a in answers if a.error][:3]
    report.check(
        not any(s.startswith("5") for s in others),
        f"answers by status {dict(sorted(statuses.items()))}: 5xx "
        f"{sum(n for s, n in others.items() if s.startswith('5'))}",
    )
    report.check(not others, f"answers other than 2xx: {sum(others.values())} {errors}")
    bad = [
        (k, problem)
        for k, (p, a) in enumerate(zip(planned, answers, strict=True))
        if a.status // 100 == 2 and (problem := receipt_problem(run, domain, p, a))
    ]
    receipted = [(p, a) for p, a in zip(planned, answers, strict=True) if a.status // 100 == 2]
    report.check(
        not bad, f"receipts checked (operator signature, entries, root): {len(bad)} wrong {bad[:2]}"
    )
    engine = open_database(run.database_url)
    t = table_of(Order).c
    with engine.connect() as connection:
        stored = dict(connection.execute(select(t.order_hash, t.replaced_by)).all())
    ids = [i for p, _ in receipted for i in p.ids]
    lost = [i for i in ids if i not in stored]
    report.check(
        not lost,
        f"orders receipted {len(ids):,}, stored {len(ids) - len(lost):,}, lost {len(lost)} "
        f"{lost[:3]}",
    )
    unrecorded = [
        old
        for p, _ in receipted
        for old, new in zip(p.replaces, p.ids, strict=False)
        if stored.get(old) != new
    ]
    report.check(not unrecorded, f"replacements not recorded: {len(unrecorded)} {unrecorded[:3]}")
    check_hours(run, folder, engine, report)
    latency_tail(run, folder, engine, report)
    engine.dispose()
    if run.load:
        report.say(
            f"load average (1 min) during the run: mean {statistics.fmean(run.load):.1f}, "
            f"max {max(run.load):.1f}"
        )
    return report


def oracle_events(path: Path) -> list[tuple[float, str]]:
    """(time, "message hour") of every oracle log line, in order."""
    events = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "ts" in record:
                events.append(
                    (float(record["ts"]), f"{record.get('msg')} {record.get('hour', '')}")
                )
    return events


def latency_tail(run: Run, folder: Path, engine: Any, report: Report) -> None:
    """Where the slow requests are: by seconds after the latest hour close (the oracle
    snapshots, solves and commits then), and split at the route's start (the batch's
    `recorded_at`, the server's clock when the route began): before it is the client's
    and the HTTP server's queue, after it the route's own work and its waits (the
    database's write lock, the node)."""
    t = table_of(OrderBatch).c
    with engine.connect() as connection:
        began = dict(connection.execute(select(t.batch_hash, t.recorded_at)).all())
    timed = [
        (a.sent, a.done, began.get(p.batch_hash))
        for p, a in zip(run.planned, run.answers, strict=True)
        if a.sent and a.status // 100 == 2
    ]
    if not timed:
        return
    windows: dict[str, list[float]] = defaultdict(list)
    for sent, done, _ in timed:
        since_close = (sent - run.epoch) % run.hour_length_s if sent >= run.epoch else -1.0
        name = "0-10 s after a close" if 0 <= since_close < 10 else "the rest of the hour"
        windows[name].append(1000 * (done - sent))
    for name, values in sorted(windows.items()):
        report.say(
            f"latency, requests sent {name}: {len(values):,} requests, p50 "
            f"{statistics.median(values):.1f} ms, p99 {percentile(values, 0.99):.1f} ms, "
            f"max {max(values):.1f} ms"
        )
    slowest = sorted(timed, key=lambda x: x[1] - x[0], reverse=True)
    tail = [x for x in slowest[: max(1, len(slowest) // 100)] if x[2] is not None]
    if tail:
        before = statistics.fmean(1000 * (cast(float, r) - s) for s, _, r in tail)
        inside = statistics.fmean(1000 * (d - cast(float, r)) for _, d, r in tail)
        report.say(
            f"slowest 1 % of requests: mean {before:.0f} ms before the route began, "
            f"{inside:.0f} ms from the route's start to the answer"
        )
    events = oracle_events(folder / ORACLE_LOG)
    for sent, done, _ in slowest[:5]:
        prior = [e for e in events if e[0] <= sent]
        after = [e for e in events if e[0] >= done - 1.0][:1]
        parts = [f"'{prior[-1][1]}' {sent - prior[-1][0]:.2f} s before it"] if prior else []
        if after:
            parts.append(f"'{after[0][1]}' at {after[0][0] - done:+.2f} s from its answer")
        context = "oracle: " + ", ".join(parts) if parts else ""
        report.say(
            f"  {1000 * (done - sent):,.0f} ms, sent {sent - run.start:.2f} s after the start; "
            f"{context}"
        )


def check_hours(run: Run, folder: Path, engine: Any, report: Report) -> None:
    """Each closed hour's book against the orders live at its close (module docstring)."""
    successor: dict[int, int] = {}  # batch index -> index of the wallet's next batch
    last: dict[int, int] = {}
    for k, p in enumerate(run.planned):
        if p.wallet in last:
            successor[last[p.wallet]] = k
        last[p.wallet] = k
    logged = oracle_hours_log(folder / ORACLE_LOG)
    with engine.connect() as connection:
        rows = {
            row.hour: row
            for row in connection.execute(
                select(OracleHour.hour, OracleHour.step, OracleHour.engine_doc).where(
                    OracleHour.hour.in_(run.hours())  # type: ignore[attr-defined]
                )
            )
        }
        excluded = defaultdict(dict)
        for hour, order_hash, reason in connection.execute(
            select(OrderExclusion.hour, OrderExclusion.order_hash, OrderExclusion.reason)
        ):
            excluded[hour][order_hash] = reason
    report.say(
        "hour | close (s after start) | live at close | in book | missing | stale | "
        "in flight | published (s after close) | oracle steps s"
    )
    for hour in run.hours():
        close = run.close(hour)
        must, must_not, either = set(), set(), 0
        for k, (p, a) in enumerate(zip(run.planned, run.answers, strict=True)):
            if not (p.from_hour <= hour <= p.until_hour) or a.status // 100 != 2:
                continue
            if a.sent >= close:
                must_not.update(p.ids)
                continue
            nxt = successor.get(k)
            after = run.answers[nxt] if nxt is not None else None
            replaced_ok = after is not None and after.status // 100 == 2
            if replaced_ok and after is not None and after.done < close:
                must_not.update(p.ids)
            elif a.done < close and (
                after is None or not after.sent or after.sent >= close or not replaced_ok
            ):
                must.update(p.ids)
            else:
                either += len(p.ids)
        row = rows.get(hour)
        book = {o["id"] for o in row.engine_doc["orders"]} if row is not None else set()
        missing = must - book
        stale = book & must_not
        record = logged.get(hour)
        published = f"{record['ts'] - close:.1f}" if record else "never"
        steps = record.get("steps_s", {}) if record else {}
        report.say(
            f"{hour} | {close - run.start:.0f} | {len(must):,} | {len(book):,} | "
            f"{len(missing)} | {len(stale)} | {either:,} | {published} | {steps}"
        )
        report.check(
            row is not None, f"hour {hour}: snapshot journaled (step {row.step if row else None})"
        )
        reasons = sorted({excluded[hour][i] for i in missing if i in excluded[hour]})
        report.check(
            not missing,
            f"hour {hour}: {len(missing)} live orders missing from the book {sorted(missing)[:2]}"
            + (f" (left out: {reasons[:2]})" if reasons else ""),
        )
        report.check(not stale, f"hour {hour}: {len(stale)} replaced orders in the book")
        report.check(
            record is not None and record["ts"] < close + run.publish_deadline_s,
            f"hour {hour}: published within {run.publish_deadline_s:g} s of its close "
            f"({published} s after its close)",
        )


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=2000.0, help="orders per second")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--replace-every-s", type=float, default=5.0)
    parser.add_argument("--hour-length-s", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    parser.add_argument("--connections", type=int, default=64, help="client connections")
    parser.add_argument("--database-url", help="default: a SQLite file in the run folder")
    parser.add_argument(
        "--publish-within-s", type=float, default=0.0, help="default: one market hour"
    )
    parser.add_argument("--oracle-grace-s", type=float, default=120.0)
    parser.add_argument("--keep", type=Path, help="keep the run (database, record, log) here")
    parser.add_argument("--check", type=Path, help="only check the run kept in this folder")
    args = parser.parse_args()
    if args.check is not None:
        folder = args.check
        run = Run.load_from(folder / RUN_FILE)
    else:
        if args.batch_size > LIMITS.max_batch_orders or args.batch_size < 1:
            parser.error(f"--batch-size: between 1 and {LIMITS.max_batch_orders}")
        if args.minutes * 60 < args.hour_length_s:
            parser.error("--minutes: the load must last at least one market hour")
        if args.keep is None:
            with tempfile.TemporaryDirectory(prefix="load-test-") as tmp:
                return finish(run_market(args, Path(tmp)), Path(tmp))
        if args.keep.exists() and any(args.keep.iterdir()):
            # A kept run's database would be reused: its nonces refuse every batch and
            # its oracle's clock refuses the new one.
            parser.error(f"--keep: {args.keep} is not empty; give a new or empty folder")
        args.keep.mkdir(parents=True, exist_ok=True)
        folder = args.keep
        run = run_market(args, folder)
    return finish(run, folder)


def finish(run: Run, folder: Path) -> int:
    report = check_run(run, folder)
    print("\n".join(report.lines))
    if report.failures:
        print(f"{len(report.failures)} checks failed")
        return 1
    print("every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
