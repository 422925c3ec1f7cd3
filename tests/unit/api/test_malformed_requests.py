"""Bad input is answered 4xx with a message naming the field, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from api_harness import OPEN_HOUR, Market

Body = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    field: str
    status: int = 422
    mutate: Callable[[Body], Any] | None = None
    raw: bytes | None = None
    method: str = "POST"
    path: str = "/v1/orders"
    headers: dict[str, str] | None = None
    signed: dict[str, Any] | None = None


def order_field(key: str, value: Any) -> Callable[[Body], Body]:
    def mutate(body: Body) -> Body:
        body["order"][key] = value
        return body

    return mutate


def top_field(key: str, value: Any) -> Callable[[Body], Body]:
    def mutate(body: Body) -> Body:
        body[key] = value
        return body

    return mutate


def tamper_after_signing(body: Body) -> Body:
    body["order"]["curve"] = [[-5.0, 13.0], [10.0, 4.0]]
    return body


def drop(key: str) -> Callable[[Body], Body]:
    def mutate(body: Body) -> Body:
        del body[key]
        return body

    return mutate


HEX40 = "0x" + "ab" * 20
CASES = [
    Case("nonce as string", "order.nonce", mutate=order_field("nonce", "1")),
    Case("negative nonce", "order.nonce", mutate=order_field("nonce", -1)),
    Case("nonce beyond int64", "order.nonce", mutate=order_field("nonce", 2**64)),
    Case("fractional hour", "order.from_hour", mutate=order_field("from_hour", 1.5)),
    Case("until before from", "order.until_hour", mutate=order_field("until_hour", OPEN_HOUR - 1)),
    Case(
        "hour far in the future",
        "order.until_hour",
        mutate=order_field("until_hour", OPEN_HOUR + 10**6),
    ),
    Case(
        "past validity window",
        "order.until_hour",
        mutate=lambda b: order_field("until_hour", 10)(order_field("from_hour", 5)(b)),
    ),
    Case("negative hour", "order.from_hour", mutate=order_field("from_hour", -3)),
    Case("empty portfolio", "order.portfolio", mutate=order_field("portfolio", {})),
    Case(
        "too many products",
        "order.portfolio",
        mutate=order_field("portfolio", {f"p{k}": 1.0 for k in range(4)}),
    ),
    Case(
        "huge portfolio",
        "body",
        status=413,
        mutate=order_field("portfolio", {f"product-{k}": 1.0 for k in range(5000)}),
    ),
    Case(
        "unknown product",
        "order.portfolio.gold-moon",
        mutate=order_field("portfolio", {"gold-moon": 1.0}),
    ),
    Case(
        "zero weight",
        "order.portfolio.premium-eu",
        mutate=order_field("portfolio", {"premium-eu": 0.0}),
    ),
    Case(
        "weight as string",
        "order.portfolio.premium-eu",
        mutate=order_field("portfolio", {"premium-eu": "1"}),
    ),
    Case(
        "weight as bool",
        "order.portfolio.premium-eu",
        mutate=order_field("portfolio", {"premium-eu": True}),
    ),
    Case(
        "single point curve away from 0",
        "order.curve",
        mutate=order_field("curve", [[1.0, 1.0]]),
    ),
    Case("empty curve", "order.curve", mutate=order_field("curve", [])),
    Case(
        "too many points",
        "order.curve",
        mutate=order_field("curve", [[k - 4.0, 20.0 - k] for k in range(9)]),
    ),
    Case(
        "rising prices",
        "order.curve[1][1]",
        mutate=order_field("curve", [[-1.0, 2.0], [1.0, 3.0]]),
    ),
    Case(
        "quantities not increasing",
        "order.curve[1][0]",
        mutate=order_field("curve", [[1.0, 5.0], [-1.0, 4.0]]),
    ),
    Case(
        "curve without zero", "order.curve", mutate=order_field("curve", [[1.0, 5.0], [2.0, 4.0]])
    ),
    Case("three-number point", "order.curve.0", mutate=order_field("curve", [[0, 1, 2], [1, 0]])),
    Case("curve as string", "order.curve", mutate=order_field("curve", "0:1,1:0")),
    Case(
        "more than 18 decimals",
        "order.curve[0][1]",
        mutate=order_field("curve", [[-1.0, 1e-19], [1.0, -1.0]]),
    ),
    Case(
        "beyond int256",
        "order.curve[0][1]",
        mutate=order_field("curve", [[-1.0, 1e300], [1.0, 1.0]]),
    ),
    Case(
        "integer beyond float range",
        "order.portfolio.premium-eu",
        mutate=order_field("portfolio", {"premium-eu": 10**400}),
    ),
    Case(
        "non-hex participant",
        "order.participant",
        mutate=order_field("participant", "0x" + "zz" * 20),
    ),
    Case("short participant", "order.participant", mutate=order_field("participant", "0x1234")),
    Case("signature too short", "signature", mutate=top_field("signature", "0x" + "ab" * 64)),
    Case("signature not hex", "signature", mutate=top_field("signature", "0x" + "gg" * 65)),
    Case("signature without 0x", "signature", mutate=top_field("signature", "ab" * 65)),
    Case("signature as number", "signature", mutate=top_field("signature", 12345)),
    Case("signature over other data", "signature", mutate=tamper_after_signing),
    Case("wrong chain id", "chain_id", mutate=top_field("chain_id", 1)),
    Case("zero chain id", "chain_id", mutate=top_field("chain_id", 0)),
    Case("wrong ledger", "verifying_contract", mutate=top_field("verifying_contract", HEX40)),
    Case("replaces bad hex", "order.replaces", mutate=order_field("replaces", "0x1234")),
    Case("replaces unknown order", "order.replaces", signed={"replaces": "0x" + "cd" * 32}),
    Case("extra field", "order.colour", mutate=order_field("colour", "red")),
    Case("missing signature", "signature", mutate=drop("signature")),
    Case("not JSON", "body", status=400, raw=b'{"order": '),
    Case("JSON array", "body", raw=b"[1, 2, 3]"),
    Case(
        "NaN price",
        "order.curve[0]",
        raw=b'{"order": {"participant": "' + HEX40.encode() + b'", "nonce": 9, '
        b'"from_hour": 500001, "until_hour": 500001, "portfolio": {"premium-eu": 1}, '
        b'"curve": [[-1, NaN], [1, 1]]}, "chain_id": 31337, "signature": "0x' + b"ab" * 65 + b'"}',
    ),
    Case(
        "declared body too large",
        "body",
        status=413,
        raw=b"{}",
        headers={"content-length": "100000000"},
    ),
    Case("cancel with bad hash", "order_hash", path="/v1/orders/0x12/cancel", mutate=lambda b: {}),
    Case("negative hour read", "hour", method="GET", path="/v1/hours/-1"),
    Case("non-numeric hour read", "hour", method="GET", path="/v1/hours/abc"),
    Case("uncleared future hour", "hour", status=404, method="GET", path="/v1/hours/9999999"),
    Case("bad address read", "address", method="GET", path="/v1/nonces/0x123"),
    Case("bad download format", "format", method="GET", path="/v1/products?format=xml"),
    Case(
        "private read without token",
        "authorization",
        status=401,
        method="GET",
        path="/v1/me/positions",
    ),
    Case(
        "forged token",
        "authorization",
        status=401,
        method="GET",
        path="/v1/me/positions",
        headers={"authorization": "Bearer 0xabc.9999999999.00ff"},
    ),
    Case(
        "garbage login message",
        "message",
        path="/v1/auth/login",
        mutate=lambda b: {"message": "hello", "signature": "0x" + "ab" * 65},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_malformed_request_is_refused_naming_the_field_and_stores_nothing(
    market: Market, case: Case
) -> None:
    alice = market.wallets[0]
    assert market.submit(alice, nonce=1).status_code == 200
    before = market.table_counts()
    body = market.body(alice, market.order(alice, nonce=2, **(case.signed or {})))
    headers = {"content-type": "application/json", **(case.headers or {})}
    if case.raw is not None:
        content = case.raw
    else:
        content = json.dumps(case.mutate(body) if case.mutate else body).encode()
    if case.method == "GET":
        response = market.client.get(case.path, headers=case.headers)
    else:
        response = market.client.post(case.path, content=content, headers=headers)
    assert response.status_code == case.status, response.text
    answer = response.json()
    assert case.field in f"{answer['field']} {answer['message']}", answer
    assert market.table_counts() == before


def test_table_has_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30
