"""RPC back-off: transport failures are retried with growing delays and reported;
reverts and bad input are not retried."""

from __future__ import annotations

import pytest
import requests

from flowmarket.errors import ChainUnavailable, TransactionReverted
from flowmarket.oracle.retry import RetryPolicy, with_retries


def flaky(failures: list[BaseException]) -> tuple[list[int], object]:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "ok"

    return calls, call


def test_an_unreachable_node_is_retried_with_exponential_back_off_and_reported() -> None:
    calls, call = flaky(
        [
            requests.exceptions.ConnectionError("refused"),
            ChainUnavailable("down"),
            TimeoutError("slow"),
        ]
    )
    slept: list[float] = []
    reported: list[tuple[int, str]] = []

    result = with_retries(
        call,  # type: ignore[arg-type]
        policy=RetryPolicy(base_s=0.5, max_s=1.5, attempts=0),
        what="commit",
        on_failure=lambda attempt, exc, delay: reported.append((attempt, type(exc).__name__)),
        sleep=slept.append,
    )

    assert result == "ok" and len(calls) == 4
    assert slept == [0.5, 1.0, 1.5]
    assert reported == [(1, "ConnectionError"), (2, "ChainUnavailable"), (3, "TimeoutError")]


def test_a_revert_is_not_retried() -> None:
    calls, call = flaky([TransactionReverted("commitHour: LedgerWrongHour(5, 4)")])
    with pytest.raises(TransactionReverted):
        with_retries(call, policy=RetryPolicy(), what="commit", sleep=lambda _: None)  # type: ignore[arg-type]
    assert len(calls) == 1


def test_a_bounded_policy_gives_up_with_the_last_error() -> None:
    calls, call = flaky([ChainUnavailable("down")] * 5)
    with pytest.raises(ChainUnavailable):
        with_retries(call, policy=RetryPolicy(attempts=3), what="read", sleep=lambda _: None)  # type: ignore[arg-type]
    assert len(calls) == 3
