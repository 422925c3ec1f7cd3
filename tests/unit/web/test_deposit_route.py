"""The collateral panel's deposit route parses the amount strictly before the chain."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from flowmarket.api.app import create_app
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import open_database
from flowmarket.signing import Domain
from flowmarket.web import mount_web

ALICE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
DOMAIN = Domain(chain_id=31337, verifying_contract="0x" + "11" * 20)


def client(tmp_path: Path) -> TestClient:
    engine = open_database(f"sqlite:///{tmp_path / 'web.sqlite'}")
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key="0x" + "22" * 32,
        token_secret=b"test-secret",
    )
    mount_web(app, chain=None)
    return TestClient(app)


def test_a_deposit_amount_that_is_not_tokens_is_refused_naming_the_field(tmp_path: Path) -> None:
    with client(tmp_path) as http:
        for amount in ("-1", "1e3", "0.0000000000000000001"):
            response = http.post(f"/v1/web/collateral/{ALICE}/deposit-tx", json={"amount": amount})
            assert response.status_code == 422
            assert response.json()["field"] == "amount"
        extra = http.post(
            f"/v1/web/collateral/{ALICE}/deposit-tx", json={"amount": "1", "spender": ALICE}
        )
        assert extra.status_code == 422


def test_a_deposit_without_a_chain_connection_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    with client(tmp_path) as http:
        response = http.post(f"/v1/web/collateral/{ALICE}/deposit-tx", json={"amount": "1.5"})
    assert response.status_code == 503
    assert response.json()["message"] == "this server was started without a chain connection"
