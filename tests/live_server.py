"""An app served by uvicorn in a thread on a free local port, for tests that need a live
HTTP server (the CLI, a browser, a participant client)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import uvicorn

from flowmarket.chain.node import free_port
from flowmarket.config import Settings


@contextmanager
def serve(app: Any, port: int | None = None, *, start_s: float = 20.0) -> Iterator[str]:
    """`app` served on `port` (default: a free one) until the block ends; yields its URL."""
    port = free_port() if port is None else port
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_s
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def local_market_settings(base: Settings, state: Path, rpc_url: str, oracle_key: str) -> Settings:
    """`base` for a test market on the local node: SQLite in `state`, Hardhat's development
    keys allowed, a free API port, and 3600-second hours from the epoch (hour h closes at
    h · 3600, as the API's windows do) with no crash injected."""
    return replace(
        base,
        state_dir=state,
        rpc_url=rpc_url,
        database_url=f"sqlite:///{state / 'market.sqlite'}",
        oracle_key=oracle_key,
        allow_dev_keys=True,
        api_port=free_port(),
        oracle_hour_length_s=3600.0,
        oracle_epoch_s=0.0,
        oracle_retry_attempts=3,
        oracle_crash_at="",
    )
