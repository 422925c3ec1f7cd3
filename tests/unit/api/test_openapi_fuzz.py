"""Schemathesis fuzzes every documented endpoint: no generated request causes a 5xx.

Runs schemathesis's strategies under plain hypothesis (its pytest plugin does not
support pytest 9 yet), one operation after another over a fresh migrated database.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from api_harness import DOMAIN, OPERATOR_KEY, Clock, migrated_engine
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from flowmarket.api.app import create_app
from flowmarket.api.limits import ApiLimits
from flowmarket.backend.participation import SqlBackend


def test_no_generated_request_causes_a_server_error(tmp_path: Path) -> None:
    engine = migrated_engine(tmp_path / "fuzz.sqlite")
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=b"fuzz",
        limits=ApiLimits(max_requests_per_minute=10**6),
        clock=Clock(),
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    statuses: list[int] = []

    for operation in operations:

        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call_and_validate(checks=[not_a_server_error])
            statuses.append(response.status_code)

        fuzz()
    engine.dispose()
    assert len(statuses) >= 5 * len(operations)
    assert {200, 404, 422} <= set(statuses)
