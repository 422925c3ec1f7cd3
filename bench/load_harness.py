"""What the API benchmarks share: signed request bodies made ahead of time, a fresh
database, `flowmarket serve` in a child process, an asyncio HTTP client, CPU accounting.

Signing is the client's cost and is done before the clock starts. Orders have
two-product portfolios and three-point curves over PRODUCTS; wallet k is the key k + 1.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select
from sqlmodel import Session

from flowmarket.api.limits import ApiLimits
from flowmarket.backend.serve import open_database
from flowmarket.catalogue.hours import open_hour
from flowmarket.client.bodies import batch_body, order_body
from flowmarket.db import orders_repo
from flowmarket.db.models import Order, Product
from flowmarket.signing import Domain, OrderBatchMessage, OrderMessage

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
OPERATOR_KEY = "0x" + "0b" * 32
PRODUCTS = [f"{kind}-r{region}" for kind in ("premium", "regular", "fast") for region in range(8)]
LIMITS = ApiLimits(max_open_orders_per_participant=10**6, max_requests_per_minute=10**9)


def wallets(count: int) -> list[LocalAccount]:
    return [Account.from_key("0x" + f"{k + 1:064x}") for k in range(count)]


def order_message(account: LocalAccount, i: int, nonce: int, hours: int = 24) -> OrderMessage:
    """The i-th order of the benchmark's pattern, valid from the open hour for `hours`."""
    first = open_hour(time.time())
    return OrderMessage(
        participant=account.address,
        nonce=nonce,
        from_hour=first,
        until_hour=first + hours,
        portfolio={PRODUCTS[i % len(PRODUCTS)]: 1.0, PRODUCTS[(i + 7) % len(PRODUCTS)]: -0.5},
        curve=((-5.0 - i % 3, 12.0 + (i % 5) * 0.25), (0.0, 8.0), (10.0, 4.0)),
    )


def single_bodies(
    n: int, count: int, nonce_offset: int = 0, domain: Domain = DOMAIN
) -> list[bytes]:
    """`n` POST /v1/orders bodies, round-robin over `count` wallets (JSON bytes)."""
    accounts = wallets(count)
    out = []
    for i in range(n):
        account = accounts[i % count]
        message = order_message(account, i, nonce_offset + i // count)
        out.append(json.dumps(order_body(domain, message, account.key.hex())).encode())
    return out


def batch_bodies(
    n: int, count: int, size: int, nonce_offset: int = 0, domain: Domain = DOMAIN
) -> list[bytes]:
    """POST /v1/orders/batch bodies of `size` orders each, `n` orders in all, wallets in
    turn (each batch is one wallet's)."""
    accounts = wallets(count)
    nonces = [nonce_offset] * count
    out, i, k = [], 0, 0
    while i < n:
        account = accounts[k % count]
        take = min(size, n - i)
        orders = []
        for j in range(take):
            orders.append(order_message(account, i + j, nonces[k % count]))
            nonces[k % count] += 1
        message = OrderBatchMessage(account.address, tuple(orders), ())
        out.append(json.dumps(batch_body(domain, message, account.key.hex())).encode())
        i, k = i + take, k + 1
    return out


def prepare_database(url: str) -> None:
    engine = open_database(url)
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=n) for n in PRODUCTS])
    engine.dispose()


def stored_orders(url: str) -> int:
    engine = open_database(url)
    with engine.connect() as connection:
        count = int(connection.execute(select(func.count()).select_from(Order)).scalar_one())
    engine.dispose()
    return count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    url: str,
    port: int,
    workers: int,
    state_dir: Path,
    extra_env: dict[str, str] | None = None,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """`flowmarket serve --dev` in a child process, configured the production way (env);
    its log (uvicorn's: a worker that died and was replaced, a connection it dropped) to
    `log` when given."""
    env = {
        **os.environ,
        "FLOWMARKET_STATE_DIR": str(state_dir),
        "FLOWMARKET_DATABASE_URL": url,
        "FLOWMARKET_API_PORT": str(port),
        "FLOWMARKET_ORACLE_KEY": OPERATOR_KEY,
        "FLOWMARKET_API_MAX_OPEN_ORDERS": str(LIMITS.max_open_orders_per_participant),
        "FLOWMARKET_API_RATE_PER_MINUTE": str(LIMITS.max_requests_per_minute),
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "flowmarket.cli.main", "serve", "--workers", str(workers)]
    command.append("--dev")  # the operator key is a throwaway one, not a Hardhat key
    if log is None:
        quiet = subprocess.DEVNULL
        return subprocess.Popen(command, env=env, stdout=quiet, stderr=quiet)
    with log.open("ab") as out:  # the child keeps its own copy of the file
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the API process exited during start-up")
        try:
            if httpx.get(f"{url}/v1/domain", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"the API did not start within {timeout:.0f} s")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its descendants so far (Linux /proc)."""
    return sum(process_cpu_seconds(pid).values())


def process_cpu_seconds(pid: int) -> dict[int, float]:
    """User + system CPU seconds so far of `pid` and of each of its descendants, by pid
    (Linux /proc): how the work is shared between a server's worker processes."""
    out: dict[int, float] = {}
    stack = [pid]
    ticks = os.sysconf("SC_CLK_TCK")
    while stack:
        current = stack.pop()
        proc = Path(f"/proc/{current}")
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            out[current] = (int(fields[11]) + int(fields[12])) / ticks
            for task in (proc / "task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


@dataclass
class Sent:
    """What a submission run saw: per-request latency (s) and answers by status."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


async def submit_all(
    url: str, path: str, bodies: Sequence[bytes], concurrency: int, sent: Sent | None = None
) -> Sent:
    """POST every body over `concurrency` keep-alive connections; every answer must be 200."""
    sent = sent or Sent()
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def worker() -> None:
            while not queue.empty():
                payload = queue.get_nowait()
                start = time.perf_counter()
                response = await client.post(path, content=payload, headers=headers)
                sent.latencies.append(time.perf_counter() - start)
                sent.statuses[response.status_code] = sent.statuses.get(response.status_code, 0) + 1
                if response.status_code != 200 and len(sent.errors) < 5:
                    sent.errors.append(f"{response.status_code} {response.text[:300]}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sent


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
