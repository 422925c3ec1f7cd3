"""Configurable request limits, a per-address rate limiter and the body-size guard."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flowmarket.config import Settings
from flowmarket.errors import RateLimited


@dataclass(frozen=True)
class ApiLimits:
    """Limits on what one request or one participant may do. The configurable ones
    default to the settings' defaults (`config.Settings.api_*`, which `flowmarket serve`
    passes in through `backend.serve.api_limits`)."""

    max_open_orders_per_participant: int = Settings.api_max_open_orders
    max_curve_points: int = Settings.api_max_curve_points
    max_portfolio_products: int = Settings.api_max_portfolio_products
    max_body_bytes: int = Settings.api_max_body_bytes
    max_requests_per_minute: int = Settings.api_rate_per_minute
    max_hours_ahead: int = 5 * 366 * 24
    token_lifetime_s: int = Settings.api_token_lifetime_s
    challenge_lifetime_s: int = 300
    max_expected_positions: int = 512  # products in one expected-positions report
    max_expected_gbh: float = 1e9  # |expected position| per product, GB/h
    max_batch_orders: int = 1000  # orders, and cancels, in one signed batch
    max_batch_body_bytes: int = 1_048_576  # a batch request's body (~350 bytes an order)
    # metered usage (POST /v1/usage): the network operator ("" = metering off), the
    # regions' physical capacity, the settling lag, entries in one report
    usage_operator: str = Settings.realtime_operator
    usage_capacity_gbh: float = Settings.realtime_capacity_gbh
    usage_settle_lag: int = Settings.realtime_settle_lag
    max_usage_entries: int = 4096


class RateLimiter:
    """Sliding one-minute window of request times per key (an address), thread-safe."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count one request for `key`; raise RateLimited beyond the limit."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key.lower(), deque())
            while hits and hits[0] <= now - 60.0:
                hits.popleft()
            if len(hits) >= self._per_minute:
                retry = 60.0 - (now - hits[0])
                raise RateLimited(
                    f"more than {self._per_minute} requests per minute from {key}; "
                    f"retry in {retry:.0f} s"
                )
            hits.append(now)


class BodySizeLimit:
    """ASGI middleware: answer 413 before the app sees a body over `max_bytes`, or over
    `per_path[path]` for the paths listed there (the batch route takes larger bodies)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, per_path: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = per_path or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._reject(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._reject(send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send, limit: int) -> None:
        payload = (
            '{"error":"body_too_large","field":"body","message":"body: request body exceeds '
            f'{limit} bytes","errors":[]}}'
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
