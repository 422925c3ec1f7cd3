"""Load benchmark of the participation API: signed orders per second, single and batch.

    .venv/bin/python bench/api_load.py [--route single|batch] [--orders 20000]
        [--batch-size 100] [--concurrency N] [--workers 1] [--database-url URL]

Starts a local node with the market deployed and each benchmark wallet's collateral in
the vault (bench/chain_market.py): the API checks every order against the chain's
governed limits and the participant's collateral, as in production. Then starts
`flowmarket serve` in a child process on a free port over a fresh database (a
temporary SQLite file unless --database-url is given; the tables are emptied first),
pre-signs the orders (signing is the client's cost, kept off the clock), warms up, then
submits them over keep-alive HTTP/1.1 connections from an asyncio client and reports
orders per second, latency percentiles per request, CPU per order of the server process
tree and of the client, and whether every order is stored (the database is counted
afterwards: nothing lost). `--route single` sends one order per request (POST
/v1/orders), `--route batch` one wallet's `--batch-size` orders per signed batch (POST
/v1/orders/batch). A second, in-process pass times each stage of a submission.
Client and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import text

from api_stages import stage_times
from chain_market import BenchMarket, bench_market
from flowmarket.backend.serve import open_database
from flowmarket.config import load_settings
from flowmarket.signing import Domain
from load_harness import (
    LIMITS,
    batch_bodies,
    free_port,
    percentile,
    prepare_database,
    process_cpu_seconds,
    single_bodies,
    start_server,
    stored_orders,
    submit_all,
    wait_for,
    wallets,
)

PATHS = {"single": "/v1/orders", "batch": "/v1/orders/batch"}


def bodies_for(
    route: str, n: int, wallets: int, size: int, nonce_offset: int, domain: Domain
) -> list[bytes]:
    if route == "single":
        return single_bodies(n, wallets, nonce_offset, domain)
    return batch_bodies(n, wallets, size, nonce_offset, domain)


def empty_tables(url: str) -> None:
    """A given database is reused: start from no orders (SQLite files are fresh)."""
    engine = open_database(url)
    with engine.begin() as connection:
        for table in ("order_batches", "orders", "participants", "nonce_invalidations"):
            connection.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


def load_test(args: argparse.Namespace, url: str, market: BenchMarket) -> dict[str, Any]:
    prepare_database(url)
    empty_tables(url)
    size = args.batch_size
    domain = Domain(market.deployment.chain_id, market.deployment.addresses["ClearingLedger"])
    warm_n = min(2000 if args.route == "batch" else 200, args.orders // 10)
    warm = bodies_for(args.route, warm_n, args.wallets, size, 0, domain)
    bodies = bodies_for(args.route, args.orders, args.wallets, size, 10**6, domain)
    port = free_port()
    chain = {"FLOWMARKET_RPC_URL": market.settings.rpc_url}
    process = start_server(url, port, args.workers, market.settings.state_dir, chain)
    base = f"http://127.0.0.1:{port}"
    path = PATHS[args.route]
    try:
        wait_for(base, process)
        asyncio.run(submit_all(base, path, warm, args.concurrency))
        load = os.getloadavg()[0]
        mine = process_cpu_seconds(os.getpid())  # the node is a child of this process
        before, client_cpu = process_cpu_seconds(process.pid), time.process_time()
        start = time.perf_counter()
        sent = asyncio.run(submit_all(base, path, bodies, args.concurrency))
        elapsed = time.perf_counter() - start
        after = process_cpu_seconds(process.pid)
        mine_after = process_cpu_seconds(os.getpid())
        node_cpu = sum(
            mine_after[p] - mine.get(p, 0.0)
            for p in mine_after
            if p not in after and p != os.getpid()
        )
        per_process = sorted(
            (after[p] - before.get(p, 0.0) for p in after if p != process.pid), reverse=True
        )
        server_cpu = sum(after.values()) - sum(before.values())
        client_cpu = time.process_time() - client_cpu
    finally:
        process.terminate()
        process.wait(timeout=30)
    if sent.errors:
        raise RuntimeError(f"answers other than 200: {sent.statuses}: {sent.errors}")
    latencies = sent.latencies
    return {
        "load": load,
        "requests": len(latencies),
        "orders": args.orders,
        "stored": stored_orders(url) - warm_n,
        "seconds": elapsed,
        "orders_per_s": args.orders / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * max(latencies),
        "server_cpu_ms": 1000 * server_cpu / args.orders,
        "client_cpu_ms": 1000 * client_cpu / args.orders,
        "worker_cores": [cpu / elapsed for cpu in per_process],
        "node_cores": node_cpu / elapsed,
    }


def report(args: argparse.Namespace, url: str, result: dict[str, Any]) -> None:
    shape = f"batches of {args.batch_size}" if args.route == "batch" else "one order a request"
    print(
        f"route {args.route} ({shape}), database {url.split(':', 1)[0]}, workers "
        f"{args.workers}, concurrency {args.concurrency}, load average {result['load']:.1f}"
    )
    print(
        f"{result['orders']:.0f} signed orders in {result['requests']:.0f} requests, "
        f"{result['seconds']:.2f} s: {result['orders_per_s']:.0f} orders/s; per request p50 "
        f"{result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms"
    )
    print(
        f"stored afterwards: {result['stored']:.0f} of {result['orders']:.0f} "
        f"({'nothing lost' if result['stored'] == result['orders'] else 'ORDERS LOST'})"
    )
    print(
        f"CPU per order: server {result['server_cpu_ms']:.3f} ms, "
        f"client (httpx, same machine) {result['client_cpu_ms']:.3f} ms"
    )
    cores = ", ".join(f"{c:.2f}" for c in result["worker_cores"])
    print(
        f"CPU during the run, in cores: server processes {cores}; local node "
        f"{result['node_cores']:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--route", choices=sorted(PATHS), default="batch")
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, help="default: 16 single, 4 batch")
    parser.add_argument("--wallets", type=int, default=50)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--stage-orders", type=int, default=2000, help="0 skips the breakdown")
    parser.add_argument("--workers", type=int, default=1, help="API worker processes")
    args = parser.parse_args()
    if args.concurrency is None:
        args.concurrency = 16 if args.route == "single" else 4
    if args.batch_size > LIMITS.max_batch_orders:
        parser.error(f"--batch-size: at most {LIMITS.max_batch_orders}")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        base = replace(load_settings(), state_dir=Path(tmp) / "state")
        with bench_market(base, wallets(args.wallets)) as market:
            result = load_test(args, url, market)
        report(args, url, result)
        if args.stage_orders:
            stages = stage_times(url, args.route, args.stage_orders, args.batch_size)
            total = sum(stages.values())
            print(f"server CPU per order by stage (in-process, sequential), total {total:.3f} ms:")
            for stage, ms in sorted(stages.items(), key=lambda item: -item[1]):
                print(f"  {stage:<44} {ms:7.3f} ms  {100 * ms / total:5.1f} %")
            overhead = result["server_cpu_ms"] - total
            print(f"  HTTP + ASGI + FastAPI + JSON (server CPU minus stages) {overhead:.3f} ms")
    return 0 if result["stored"] == result["orders"] else 1


if __name__ == "__main__":
    sys.exit(main())
