"""Retrying an unreachable or slow JSON-RPC node with exponential back-off.

Only transport failures are retried (connection refused, timeouts, a receipt that did
not come in time); a revert or a bad input is never retried. Every failed attempt is
logged and reported to `on_failure` (the cycle records it as an alert that
`flowmarket status` shows). With `attempts = 0` the call is retried forever: the hour
in progress is never skipped, the oracle just falls behind and says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import requests
from web3.exceptions import TimeExhausted

from flowmarket.errors import ChainUnavailable

T = TypeVar("T")
TRANSIENT: tuple[type[BaseException], ...] = (
    ChainUnavailable,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    TimeExhausted,
    ConnectionError,
    TimeoutError,
)

log = logging.getLogger("flowmarket.oracle")


@dataclass(frozen=True)
class RetryPolicy:
    """Delays base_s, 2·base_s, 4·base_s, … capped at max_s; attempts 0 = forever."""

    base_s: float = 0.5
    max_s: float = 30.0
    attempts: int = 0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_s, self.base_s * 2 ** (attempt - 1)))


def with_retries(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    what: str,
    on_failure: Callable[[int, BaseException, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `fn` until it succeeds; transient failures wait and retry, others propagate.
    After `policy.attempts` failed attempts (when > 0) the last error propagates."""
    attempt = 0
    while True:
        try:
            return fn()
        except TRANSIENT as exc:
            attempt += 1
            if policy.attempts and attempt >= policy.attempts:
                log.error(
                    "rpc failed, giving up",
                    extra={"step": what, "attempt": attempt, "error": str(exc)},
                )
                raise
            delay = policy.delay(attempt)
            log.warning(
                "rpc failed, retrying",
                extra={"step": what, "attempt": attempt, "delay_s": delay, "error": str(exc)},
            )
            if on_failure is not None:
                on_failure(attempt, exc, delay)
            sleep(delay)
