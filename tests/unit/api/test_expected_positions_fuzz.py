"""No request to the expected-positions routes causes a 5xx: schemathesis's generated
requests (signed in, for the private read), and reports that are validly signed over
arbitrary products, quantities (NaN, infinities, huge, tiny), nonces and deadlines —
which get past the signature check and so reach every rule and the storage."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import schemathesis
from api_harness import DOMAIN, NOW, OPERATOR_KEY, PRODUCTS, Clock, Market, migrated_engine
from eth_account import Account
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from flowmarket.api.app import create_app
from flowmarket.api.limits import ApiLimits
from flowmarket.backend.participation import SqlBackend
from flowmarket.signing import ExpectedPositionsMessage, sign

PATHS = ("/v1/expected-positions", "/v1/me/expected-positions")
SETTINGS = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


def fuzz_market(tmp_path: Path) -> Market:
    engine = migrated_engine(tmp_path / "fuzz.sqlite")
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=b"fuzz",
        limits=ApiLimits(max_requests_per_minute=10**6, max_expected_positions=8),
        clock=Clock(),
    )
    wallets = [Account.from_key("0x" + f"{k + 1:064x}") for k in range(2)]
    return Market(client=TestClient(app), engine=engine, clock=Clock(), wallets=wallets)


def test_no_generated_request_to_the_expected_positions_routes_causes_a_server_error(
    tmp_path: Path,
) -> None:
    market = fuzz_market(tmp_path)
    headers = market.login(market.wallets[0])
    schema = schemathesis.openapi.from_asgi("/openapi.json", market.client.app)
    operations = [
        result.ok() for result in schema.get_all_operations() if result.ok().path in PATHS
    ]
    assert len(operations) == 2
    statuses: list[int] = []

    for operation in operations:

        @SETTINGS
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            statuses.append(response.status_code)

        fuzz()
    market.engine.dispose()
    assert len(statuses) >= 100
    assert 422 in statuses and set(statuses) <= {200, 409, 413, 422}


names = st.one_of(st.sampled_from(PRODUCTS), st.text(max_size=80))
quantities = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**31), max_value=10**31),
)
positions = st.dictionaries(names, quantities, max_size=10)
nonces = st.integers(min_value=0, max_value=2**63 - 1)
deadlines = st.one_of(
    st.integers(min_value=0, max_value=2**63 - 1), st.integers(int(NOW) - 5, int(NOW) + 5)
)


def signed(account: Any, report: dict[str, Any], nonce: int, deadline: int) -> bytes | None:
    """The JSON body of a report signed by `account`; None when it cannot be signed."""
    try:
        message = ExpectedPositionsMessage(account.address, nonce, deadline, report)
        signature = sign(DOMAIN, message, account.key.hex())
    except (ValueError, OverflowError):  # FieldError (not fixed-point exact) is a ValueError
        signature = "0x" + "ab" * 65
    body = {
        "report": {
            "participant": account.address,
            "nonce": nonce,
            "deadline": deadline,
            "positions": report,
        },
        "chain_id": DOMAIN.chain_id,
        "signature": signature,
    }
    return json.dumps(body).encode()


def test_validly_signed_reports_of_any_content_answer_4xx_or_apply_exactly(
    tmp_path: Path,
) -> None:
    market = fuzz_market(tmp_path)
    alice = market.wallets[0]
    headers = market.login(alice)
    outcomes: list[int] = []

    @SETTINGS
    @given(report=positions, nonce=nonces, deadline=deadlines)
    @example(report={"premium-eu": 1.5}, nonce=1, deadline=int(NOW) + 60)  # applied
    @example(report={"premium-eu": 2.5}, nonce=1, deadline=int(NOW) + 60)  # nonce used
    @example(report={"premium-eu": math.nan}, nonce=2, deadline=int(NOW) + 60)
    def fuzz(report: dict[str, Any], nonce: int, deadline: int) -> None:
        before = market.client.get("/v1/me/expected-positions", headers=headers).json()
        content = signed(alice, report, nonce, deadline)
        response = market.client.post(
            "/v1/expected-positions",
            content=content,
            headers={"content-type": "application/json"},
        )
        after = market.client.get("/v1/me/expected-positions", headers=headers).json()
        outcomes.append(response.status_code)
        assert response.status_code in (200, 409, 413, 422), response.text
        if response.status_code != 200:
            assert after == before
            return
        assert all(math.isfinite(float(q)) and abs(float(q)) <= 1e9 for q in report.values())
        wanted = {p["product"]: p["quantity"] for p in before["positions"]}
        wanted.update({name: float(q) for name, q in report.items()})
        assert {p["product"]: p["quantity"] for p in after["positions"]} == {
            name: q for name, q in wanted.items() if q != 0.0
        }
        assert after["last_nonce"] == nonce

    fuzz()
    market.engine.dispose()
    assert outcomes[:3] == [200, 409, 422]
