"""An app served by uvicorn in a thread on a free local port, for tests that need a live
HTTP server (the CLI, a browser, a participant client)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from flowmarket.chain.node import free_port


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
