"""The web's wallet routes (withdraw, pay or collect a week, revenue, propose, vote, queue,
execute, delegate) parse their bodies strictly (unknown keys, amounts that are not
tokens, bad addresses or proposal ids: 422 naming the field) before the chain, and
without a chain connection answer 503, not a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from flowmarket.api.app import create_app
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import open_database
from flowmarket.backend.wallet_view import changes_of
from flowmarket.errors import FieldError
from flowmarket.signing import Domain
from flowmarket.web import mount_web
from flowmarket.web.schemas import ProposalIn

ALICE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
DOMAIN = Domain(chain_id=31337, verifying_contract="0x" + "11" * 20)
PROPOSE = f"/v1/web/governance/propose-tx/{ALICE}"


@pytest.fixture
def http(tmp_path: Path) -> Any:
    engine = open_database(f"sqlite:///{tmp_path / 'web.sqlite'}")
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key="0x" + "22" * 32,
        token_secret=b"test-secret",
    )
    mount_web(app, chain=None)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "x", "fee_bps": 25, "calldata": "0x00"}, "calldata"),
        ({"description": "x", "fee_bps": 10_001}, "fee_bps"),
        ({"description": "x", "oracle": "0x1234"}, "oracle"),
        ({"description": "", "fee_bps": 1}, "description"),
        ({"description": "x", "treasury_transfers": [{"to": ALICE, "amount": 5}]}, "amount"),
        ({"description": "x", "treasury_transfers": [{"to": "bob", "amount": "5"}]}, "to"),
    ],
)
def test_a_proposal_body_that_is_not_typed_changes_is_refused_naming_the_field(
    http: Any, body: dict[str, Any], field: str
) -> None:
    response = http.post(PROPOSE, json=body)
    assert response.status_code == 422, response.text
    assert field in str(response.json()["field"]), response.json()


def test_a_week_that_is_not_a_week_is_refused(http: Any) -> None:
    for body in ({"week": -1}, {"week": "0"}, {"week": 0, "amount": "1"}, {}):
        response = http.post(f"/v1/web/settlement/{ALICE}/pay-tx", json=body)
        assert response.status_code == 422, (body, response.text)


PID = "3" * 77


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"/v1/web/collateral/{ALICE}/withdraw-tx", {"amount": "1", "to": ALICE}, "to"),
        (f"/v1/web/collateral/{ALICE}/withdraw-tx", {"amount": 5}, "amount"),
        (f"/v1/web/collateral/{ALICE}/withdraw-tx", {"amount": "1.0000000000000000001"}, "amount"),
        (f"/v1/web/collateral/{ALICE}/withdraw-tx", {"amount": "-1"}, "amount"),
        (f"/v1/web/settlement/{ALICE}/collect-tx", {"week": "0"}, "week"),
        (f"/v1/web/settlement/{ALICE}/collect-tx", {"week": 0, "amount": "1"}, "amount"),
        (f"/v1/web/governance/vote-tx/{ALICE}", {"proposal_id": PID, "support": 3}, "support"),
        (
            f"/v1/web/governance/vote-tx/{ALICE}",
            {"proposal_id": "0x12", "support": 1},
            "proposal_id",
        ),
        (
            f"/v1/web/governance/vote-tx/{ALICE}",
            {"proposal_id": PID, "support": 1, "reason": "r" * 1_001},
            "reason",
        ),
        (
            f"/v1/web/governance/vote-tx/{ALICE}",
            {"proposal_id": PID, "support": 1, "params": "0x"},
            "params",
        ),
        (f"/v1/web/governance/queue-tx/{ALICE}", {"proposal_id": PID, "eta": 1}, "eta"),
        (f"/v1/web/governance/queue-tx/{ALICE}", {}, "proposal_id"),
        (f"/v1/web/governance/execute-tx/{ALICE}", {"proposal_id": 12}, "proposal_id"),
        (f"/v1/web/governance/delegate-tx/{ALICE}", {"delegatee": "bob"}, "delegatee"),
        (f"/v1/web/governance/delegate-tx/{ALICE}", {"to": ALICE}, "to"),
    ],
)
def test_a_wallet_action_body_with_an_unknown_key_or_a_bad_value_is_refused_naming_it(
    http: Any, path: str, body: dict[str, Any], field: str
) -> None:
    response = http.post(path, json=body)
    assert response.status_code == 422, response.text
    assert field in str(response.json()["field"]), response.json()


def test_without_a_chain_connection_every_wallet_route_is_unavailable(http: Any) -> None:
    for method, path, body in (
        ("POST", f"/v1/web/collateral/{ALICE}/withdraw-tx", {"amount": "1.5"}),
        ("POST", f"/v1/web/settlement/{ALICE}/collect-tx", {"week": 0}),
        ("POST", f"/v1/web/governance/vote-tx/{ALICE}", {"proposal_id": PID, "support": 1}),
        (
            "POST",
            f"/v1/web/governance/vote-tx/{ALICE}",
            {"proposal_id": PID, "support": 0, "reason": "too high"},
        ),
        ("POST", f"/v1/web/governance/queue-tx/{ALICE}", {"proposal_id": PID}),
        ("POST", f"/v1/web/governance/execute-tx/{ALICE}", {"proposal_id": PID}),
        ("POST", f"/v1/web/governance/delegate-tx/{ALICE}", None),
        ("POST", f"/v1/web/governance/delegate-tx/{ALICE}", {"delegatee": ALICE}),
        ("GET", f"/v1/web/settlement/{ALICE}", None),
        ("POST", f"/v1/web/settlement/{ALICE}/pay-tx", {"week": 0}),
        ("GET", f"/v1/web/revenue/{ALICE}", None),
        ("POST", f"/v1/web/revenue/{ALICE}/claim-tx", None),
        ("POST", f"/v1/web/revenue/{ALICE}/close-tx", None),
        ("POST", PROPOSE, {"description": "Fee 25 bps", "fee_bps": 25}),
    ):
        response = http.request(method, path, json=body)
        assert response.status_code == 503, (path, response.text)
        assert response.json()["message"] == "this server was started without a chain connection"


def test_the_forms_fields_become_the_clis_typed_changes_with_exact_amounts() -> None:
    proposal = ProposalIn(
        description="d",
        fee_bps=25,
        deviation_margin_bps=1_500,
        warning_buffer_bps=2_500,
        treasury_transfers=[{"to": ALICE, "amount": "0.000000000000000001"}],  # type: ignore[list-item]
    )
    changes = changes_of(proposal)
    assert changes.fee_bps == 25
    assert dict(changes.collateral) == {"deviation": 1_500, "warning": 2_500}
    assert changes.holder_share_bps is None and changes.oracle is None
    assert changes.treasury_transfers == ((ALICE, 1),)
    with pytest.raises(FieldError) as refused:
        changes_of(ProposalIn(description="d", treasury_transfers=[{"to": ALICE, "amount": "1e3"}]))  # type: ignore[list-item]
    assert refused.value.field == "treasury_transfers[0].amount"


def test_the_forms_clearing_interval_in_minutes_is_the_clis_change_in_seconds() -> None:
    changes = changes_of(ProposalIn(description="d", clearing_interval_minutes=15))
    assert changes.clearing_interval_s == 900 and changes.fee_bps is None
    assert changes_of(ProposalIn(description="d")).clearing_interval_s is None
    with pytest.raises(ValidationError, match="45 minutes does not divide an hour"):
        ProposalIn(description="d", clearing_interval_minutes=45)
    with pytest.raises(ValidationError, match="clearing_interval_minutes"):
        ProposalIn(description="d", clearing_interval_minutes=120)
