"""Load benchmark of the participation API: signed-order submissions per second.

    .venv/bin/python bench/api_load.py [--orders 3000] [--concurrency 16]
        [--database-url URL] [--workers 1]

Starts `uvicorn` in a child process on a free port over a fresh database (a temporary
SQLite file unless --database-url is given), pre-signs the orders (signing is the
client's cost, kept off the clock), then submits them over keep-alive HTTP/1.1
connections from an asyncio client and reports throughput and latency percentiles.
A second, in-process pass times each stage of one submission to show where the
server's time goes. Client and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from sqlmodel import Session

from flowmarket.api.context import ApiContext
from flowmarket.api.intake import check_with_engine, verify_order
from flowmarket.api.limits import ApiLimits
from flowmarket.api.schemas import SignedOrderIn
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import open_database
from flowmarket.catalogue.hours import open_hour
from flowmarket.chain.deploy import Deployment
from flowmarket.client.bodies import order_body
from flowmarket.db import orders_repo
from flowmarket.db.models import Product
from flowmarket.signing import Domain, OrderMessage, digest, recover

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
OPERATOR_KEY = "0x" + "0b" * 32
PRODUCTS = [f"{kind}-r{region}" for kind in ("premium", "regular", "fast") for region in range(8)]
LIMITS = ApiLimits(max_open_orders_per_participant=10**6, max_requests_per_minute=10**9)


def prepare_database(url: str) -> None:
    engine = open_database(url)
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=n) for n in PRODUCTS])
    engine.dispose()


def signed_orders(n: int, wallets: int, nonce_offset: int = 0) -> list[dict[str, Any]]:
    accounts = [Account.from_key("0x" + f"{k + 1:064x}") for k in range(wallets)]
    first = open_hour(time.time())
    bodies = []
    for i in range(n):
        account = accounts[i % wallets]
        order = OrderMessage(
            participant=account.address,
            nonce=nonce_offset + i // wallets,
            from_hour=first,
            until_hour=first + 24,
            portfolio={PRODUCTS[i % len(PRODUCTS)]: 1.0, PRODUCTS[(i + 7) % len(PRODUCTS)]: -0.5},
            curve=((-5.0 - i % 3, 12.0 + (i % 5) * 0.25), (0.0, 8.0), (10.0, 4.0)),
        )
        bodies.append(order_body(DOMAIN, order, account.key.hex()))
    return bodies


async def submit_all(url: str, bodies: list[dict[str, Any]], concurrency: int) -> list[float]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(json.dumps(body).encode())
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            while not queue.empty():
                payload = queue.get_nowait()
                start = time.perf_counter()
                response = await client.post("/v1/orders", content=payload, headers=headers)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"submission failed: {response.status_code} {response.text}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the API process exited during start-up")
        try:
            if httpx.get(f"{url}/v1/domain", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the API did not start within 30 s")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its descendants so far (Linux /proc)."""
    total, stack = 0.0, [pid]
    ticks = os.sysconf("SC_CLK_TCK")
    while stack:
        current = stack.pop()
        proc = Path(f"/proc/{current}")
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in (proc / "task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_server(url: str, port: int, workers: int, state_dir: Path) -> subprocess.Popen[bytes]:
    """`flowmarket serve` in a child process, configured the production way (env)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    operator = Account.from_key(OPERATOR_KEY).address
    deployment = Deployment(  # no chain: the API only needs the domain it names
        chain_id=DOMAIN.chain_id,
        block_number=0,
        addresses={"ClearingLedger": DOMAIN.verifying_contract},
        deployer=operator,
        oracle=operator,
        guardian=operator,
        genesis_hour=0,
        profile="demo",
        governance={},
    )
    (state_dir / "deployment.json").write_text(deployment.to_json(), encoding="utf-8")
    env = {
        **os.environ,
        "FLOWMARKET_STATE_DIR": str(state_dir),
        "FLOWMARKET_DATABASE_URL": url,
        "FLOWMARKET_API_PORT": str(port),
        "FLOWMARKET_ORACLE_KEY": OPERATOR_KEY,
        "FLOWMARKET_API_MAX_OPEN_ORDERS": str(LIMITS.max_open_orders_per_participant),
        "FLOWMARKET_API_RATE_PER_MINUTE": str(LIMITS.max_requests_per_minute),
    }
    command = [sys.executable, "-m", "flowmarket.cli.main", "serve", "--workers", str(workers)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def load_test(
    url: str, n: int, concurrency: int, wallets: int, workers: int, state_dir: Path
) -> dict[str, float]:
    prepare_database(url)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    bodies = signed_orders(n, wallets)
    process = start_server(url, port, workers, state_dir)
    base = f"http://127.0.0.1:{port}"
    warm = min(200, n // 10)
    try:
        wait_for(base, process)
        asyncio.run(submit_all(base, bodies[:warm], concurrency))
        server_cpu, client_cpu = tree_cpu_seconds(process.pid), time.process_time()
        start = time.perf_counter()
        latencies = asyncio.run(submit_all(base, bodies[warm:], concurrency))
        elapsed = time.perf_counter() - start
        server_cpu = tree_cpu_seconds(process.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    finally:
        process.terminate()
        process.wait(timeout=20)
    return {
        "orders": len(latencies),
        "seconds": elapsed,
        "orders_per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * max(latencies),
        "server_cpu_ms": 1000 * server_cpu / len(latencies),
        "client_cpu_ms": 1000 * client_cpu / len(latencies),
    }


def stage_times(url: str, n: int) -> dict[str, float]:
    """Mean CPU ms per submission of each server stage, run in-process on `url`."""
    engine = open_database(url)
    backend = SqlBackend(engine)
    context = ApiContext.build(
        backend=backend,
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        limits=LIMITS,
        clock=time.time,
        token_secret=b"x",
        login_domain="bench",
    )
    raw = [json.dumps(b).encode() for b in signed_orders(n, 7, nonce_offset=10**6)]
    totals: dict[str, float] = {}
    for payload in raw:
        _time_one(payload, backend, context, totals)
    engine.dispose()
    return {stage: 1000 * total / n for stage, total in totals.items()}


def _time_one(
    payload: bytes, backend: SqlBackend, context: ApiContext, totals: dict[str, float]
) -> None:
    def timed(stage: str, fn: Callable[[], Any]) -> Any:
        start = time.process_time()
        value = fn()
        totals[stage] = totals.get(stage, 0.0) + time.process_time() - start
        return value

    request = timed("parse + pydantic", lambda: SignedOrderIn.model_validate_json(payload))
    names = timed("catalogue query", backend.product_names)
    portfolio = {k: float(v) for k, v in request.order.portfolio.items()}
    curve = [(float(q), float(p)) for q, p in request.order.curve]
    timed("engine validation", lambda: check_with_engine(portfolio, curve))
    message = OrderMessage(
        participant=request.order.participant,
        nonce=request.order.nonce,
        from_hour=request.order.from_hour,
        until_hour=request.order.until_hour,
        portfolio=portfolio,
        curve=tuple(curve),
    )
    timed("EIP-712 digest", lambda: digest(DOMAIN, message))
    signature = bytes.fromhex(request.signature[2:])
    timed("ecrecover (EIP-712 encode + recover)", lambda: recover(DOMAIN, message, signature))
    order = verify_order(request, domain=DOMAIN, known=names, limits=LIMITS, now=time.time())
    hour = open_hour(time.time())
    timed(
        "intake reads (dup, nonce, limit)",
        lambda: backend.intake_state(order.participant, order.order_hash, hour),
    )
    receipt = timed(
        "receipt signature",
        lambda: context.receipt(
            order_hash=order.order_hash,
            participant=order.participant,
            nonce=order.nonce,
            action="accepted",
            recorded_at=int(time.time()),
        ),
    )
    timed(
        "insert + commit",
        lambda: backend.store_order(
            order,
            accepted_at=time.time(),
            receipt_signature=receipt.signature,
            cancel_receipt_signature=None,
            open_hour=hour,
        ),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--wallets", type=int, default=50)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--stage-orders", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1, help="API worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        result = load_test(
            url, args.orders, args.concurrency, args.wallets, args.workers, Path(tmp) / "state"
        )
        print(
            f"database: {url.split(':', 1)[0]}, workers {args.workers}, "
            f"concurrency {args.concurrency}, load average before: {os.getloadavg()[0]:.1f}"
        )
        print(
            f"{result['orders']:.0f} signed orders in {result['seconds']:.2f} s: "
            f"{result['orders_per_s']:.0f} orders/s, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms"
        )
        print(
            f"CPU per order: server {result['server_cpu_ms']:.2f} ms, "
            f"client (httpx, same machine) {result['client_cpu_ms']:.2f} ms"
        )
        stages = stage_times(url, args.stage_orders)
        total = sum(stages.values())
        print(f"server CPU per order by stage (in-process, sequential), total {total:.2f} ms:")
        for stage, ms in sorted(stages.items(), key=lambda item: -item[1]):
            print(f"  {stage:<36} {ms:6.3f} ms  {100 * ms / total:5.1f} %")
        overhead = result["server_cpu_ms"] - total
        print(f"  HTTP + ASGI + FastAPI (server CPU minus stages) {overhead:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
