"""Bad expected-position reports are answered 4xx naming the field and the reason, and
change nothing: no table row, no expected position the oracle would read."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from api_harness import NOW, Market

Body = dict[str, Any]
HEX40 = "0x" + "ab" * 20


@dataclass(frozen=True)
class Case:
    name: str
    field: str
    reason: str
    status: int = 422
    positions: dict[str, Any] = field(default_factory=lambda: {"premium-eu": 2.0})
    signed: dict[str, Any] = field(default_factory=dict)  # nonce / deadline / domain
    mutate: Callable[[Body], Any] | None = None
    raw: bytes | None = None
    headers: dict[str, str] | None = None


def report_field(key: str, value: Any) -> Callable[[Body], Body]:
    def mutate(body: Body) -> Body:
        body["report"][key] = value
        return body

    return mutate


def top_field(key: str, value: Any) -> Callable[[Body], Body]:
    def mutate(body: Body) -> Body:
        body[key] = value
        return body

    return mutate


def raw_report(quantity: str) -> bytes:
    """A body whose quantity is a JSON literal Python's parser accepts (NaN, Infinity)."""
    return (
        b'{"report": {"participant": "'
        + HEX40.encode()
        + b'", "nonce": 9, "deadline": '
        + str(int(NOW) + 600).encode()
        + b', "positions": {"premium-eu": '
        + quantity.encode()
        + b'}}, "chain_id": 31337, "signature": "0x'
        + b"ab" * 65
        + b'"}'
    )


CASES = [
    Case("empty batch", "report.positions", "at least one product", positions={}),
    Case(
        "too many items",
        "report.positions",
        "the limit is 4",
        positions={name: 1.0 for name in ("premium-eu", "regular-eu", "fast-us", "a", "b")},
    ),
    Case(
        "unknown product",
        "report.positions.gold-moon",
        "unknown product",
        positions={"gold-moon": 1.0},
    ),
    Case("NaN quantity", "report.positions.premium-eu", "finite", raw=raw_report("NaN")),
    Case("infinite quantity", "report.positions.premium-eu", "finite", raw=raw_report("Infinity")),
    Case("overflowing literal", "report.positions.premium-eu", "finite", raw=raw_report("1e400")),
    Case(
        "magnitude above the limit",
        "report.positions.premium-eu",
        "exceeds the limit",
        positions={"premium-eu": -2e9},
    ),
    Case(
        "integer beyond the limit",
        "report.positions.premium-eu",
        "exceeds the limit",
        mutate=report_field("positions", {"premium-eu": 10**40}),
    ),
    Case(
        "more than 18 decimals",
        "report.positions.premium-eu",
        "more than 18 decimals",
        mutate=report_field("positions", {"premium-eu": 1e-19}),
    ),
    Case(
        "quantity as string",
        "report.positions.premium-eu",
        "valid",
        mutate=report_field("positions", {"premium-eu": "2"}),
    ),
    Case(
        "quantity as bool",
        "report.positions.premium-eu",
        "valid",
        mutate=report_field("positions", {"premium-eu": True}),
    ),
    Case(
        "positions as list", "report.positions", "dictionary", mutate=report_field("positions", [1])
    ),
    Case("expired", "report.deadline", "expired", signed={"deadline": int(NOW) - 1}),
    Case("deadline now", "report.deadline", "expired", signed={"deadline": int(NOW)}),
    Case(
        "negative deadline", "report.deadline", "greater than", mutate=report_field("deadline", -1)
    ),
    Case("deadline as string", "report.deadline", "integer", mutate=report_field("deadline", "9")),
    Case("replayed nonce", "report.nonce", "already used", status=409, signed={"nonce": 1}),
    Case("negative nonce", "report.nonce", "greater than", mutate=report_field("nonce", -1)),
    Case("nonce beyond int64", "report.nonce", "less than", mutate=report_field("nonce", 2**64)),
    Case(
        "quantities changed after signing",
        "signature",
        "not by participant",
        mutate=report_field("positions", {"premium-eu": 3.0}),
    ),
    Case(
        "another participant",
        "signature",
        "not by participant",
        mutate=report_field("participant", HEX40),
    ),
    Case(
        "bad participant", "report.participant", "hex", mutate=report_field("participant", "0x12")
    ),
    Case("wrong chain id", "chain_id", "not this market", mutate=top_field("chain_id", 1)),
    Case(
        "wrong ledger",
        "verifying_contract",
        "not this market",
        mutate=top_field("verifying_contract", HEX40),
    ),
    Case(
        "short signature", "signature", "130 hex", mutate=top_field("signature", "0x" + "ab" * 64)
    ),
    Case(
        "missing report",
        "report",
        "required",
        mutate=lambda b: {k: b[k] for k in b if k != "report"},
    ),
    Case("extra field", "report.colour", "not permitted", mutate=report_field("colour", "red")),
    Case("not JSON", "body", "not valid JSON", status=400, raw=b'{"report": '),
    Case(
        "long unknown product name",
        "report.positions." + "x" * 64,
        "unknown product",
        positions={"x" * 5000: 1.0},
    ),
    Case(
        "body too large",
        "body",
        "exceeds",
        status=413,
        mutate=report_field("positions", {f"product-{k}": 1.0 for k in range(2000)}),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_malformed_report_is_refused_naming_the_field_and_changes_nothing(
    market: Market, case: Case
) -> None:
    alice = market.wallets[0]
    assert market.report_expected(alice, {"premium-eu": 1.0, "regular-eu": 4.0}).status_code == 200
    mine = market.login(alice)
    expected_before = market.client.get("/v1/me/expected-positions", headers=mine).json()
    before = market.table_counts()
    body = market.expected_body(alice, case.positions, **{"nonce": 2, **case.signed})
    content = (
        case.raw
        if case.raw is not None
        else json.dumps(case.mutate(body) if case.mutate else body).encode()
    )

    response = market.client.post(
        "/v1/expected-positions",
        content=content,
        headers={"content-type": "application/json", **(case.headers or {})},
    )

    assert response.status_code == case.status, response.text
    answer = response.json()
    assert answer["field"].startswith(case.field), answer  # pydantic may add ".float"
    assert case.reason in answer["message"], answer
    assert market.table_counts() == before
    assert market.client.get("/v1/me/expected-positions", headers=mine).json() == expected_before


def test_every_listed_reason_has_a_case() -> None:
    names = {case.name for case in CASES}
    assert {"empty batch", "too many items", "unknown product", "NaN quantity"} <= names
    assert {"magnitude above the limit", "replayed nonce", "expired"} <= names
    assert len(CASES) >= 25
