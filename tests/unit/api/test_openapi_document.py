"""The OpenAPI document says what the server does: the address, hash and signature
patterns it enforces, 400 for a body that is not JSON, the vote-tx 404 and 409, and the
CSV downloads' content type (issue: hostile input, defect 7)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from api_harness import DOMAIN, OPERATOR_KEY, Clock, migrated_engine
from fastapi import FastAPI
from fastapi.testclient import TestClient

from flowmarket.api.app import create_app
from flowmarket.backend.participation import SqlBackend
from flowmarket.web import mount_web

ADDRESS = "^0x[0-9a-fA-F]{40}$"
HASH = "^0x[0-9a-fA-F]{64}$"
SIGNATURE = "^0x[0-9a-fA-F]{130}$"


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    engine = migrated_engine(tmp_path / "doc.sqlite")
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=b"doc",
        clock=Clock(),
    )
    mount_web(app, chain=None)  # as `flowmarket serve` serves it
    return app


def _document(app: FastAPI) -> dict[str, Any]:
    with TestClient(app) as client:
        document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _property(document: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][model]["properties"][name]
    return found


@pytest.mark.parametrize(
    ("model", "name", "pattern"),
    [
        ("OrderIn", "participant", ADDRESS),
        ("OrderIn", "replaces", HASH),
        ("SignedOrderIn", "signature", SIGNATURE),
        ("SignedOrderIn", "verifying_contract", ADDRESS),
        ("CancelIn", "participant", ADDRESS),
        ("CancelIn", "signature", SIGNATURE),
        ("ChallengeIn", "address", ADDRESS),
        ("LoginIn", "signature", SIGNATURE),
        ("ExpectedReportIn", "participant", ADDRESS),
        ("SignedExpectedPositionsIn", "signature", SIGNATURE),
        ("OrderDraftIn", "participant", ADDRESS),
        ("CancelDraftIn", "order_hash", HASH),
    ],
)
def test_every_address_hash_and_signature_field_documents_its_pattern(
    app: FastAPI, model: str, name: str, pattern: str
) -> None:
    assert _property(_document(app), model, name)["pattern"] == pattern


def test_every_path_address_and_hash_documents_its_pattern(app: FastAPI) -> None:
    for path, item in _document(app)["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in ("address", "order_hash"):
                    assert parameter["schema"]["pattern"] in (ADDRESS, HASH), (path, parameter)


def test_every_body_documents_400_and_a_body_that_is_not_json_gets_it(app: FastAPI) -> None:
    document = _document(app)
    with_body = [
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(with_body) >= 10
    with TestClient(app) as client:
        for path, method in with_body:
            responses = document["paths"][path][method]["responses"]
            assert {"400", "413", "422"} <= set(responses), path
            concrete = re.sub(r"\{[^}]+\}", "1", path).replace("/1/", "/0x" + "ab" * 32 + "/")
            answer = client.request(
                method, concrete, content=b'{"oops": ', headers={"content-type": "application/json"}
            )
            assert answer.status_code == 400, (path, answer.text)
            assert answer.json()["error"] == "malformed_json"
            assert answer.json()["field"] == "body"


def test_vote_queue_and_execute_document_the_unknown_and_the_refused_proposal(app: FastAPI) -> None:
    document = _document(app)
    for step in ("vote", "queue", "execute"):
        operation = document["paths"][f"/v1/web/governance/{step}-tx/{{address}}"]["post"]
        assert {"404", "409", "422", "503"} <= set(operation["responses"]), step


def test_every_download_documents_its_csv_content_type(app: FastAPI) -> None:
    downloads = [
        (path, operation)
        for path, item in _document(app)["paths"].items()
        for operation in item.values()
        if any(p["name"] == "format" for p in operation.get("parameters", []))
    ]
    assert len(downloads) >= 8
    for path, operation in downloads:
        content = operation["responses"]["200"]["content"]
        assert {"application/json", "text/csv"} <= set(content), path
