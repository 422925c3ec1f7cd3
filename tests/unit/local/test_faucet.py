"""The faucet: refused with one line on a chain that is not local (before any
transaction), its address and amount checked; its API route answers 404 on an API
without a faucet, 403 when the faucet refuses the chain, and what the faucet sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from flowmarket.api.app import create_app
from flowmarket.backend.participation import SqlBackend
from flowmarket.cli.main import main
from flowmarket.db.engine import make_engine, upgrade
from flowmarket.errors import ActionRefused, FieldError
from flowmarket.local.faucet import check_local_chain, recipient
from flowmarket.signing import Domain

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


class ChainIdOne(BaseHTTPRequestHandler):
    """A JSON-RPC node of chain id 1 (mainnet's) that records every method asked."""

    methods: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.methods.append(request["method"])
        answers = {"eth_chainId": "0x1", "net_version": "1", "web3_clientVersion": "stub"}
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
        if request["method"] in answers:
            body["result"] = answers[request["method"]]
        else:
            body["error"] = {"code": -32601, "message": "not served"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def mainnet_like() -> Iterator[str]:
    ChainIdOne.methods = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChainIdOne)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_faucet_refuses_a_chain_that_is_not_local_before_sending_anything(
    mainnet_like: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("FLOWMARKET_RPC_URL", mainnet_like)
    assert main(["faucet", ALICE]) != 0
    err = capsys.readouterr().err
    assert err == (
        "flowmarket faucet: error: chain id 1 is not a local chain (31337 or 1337): the "
        "faucet gives test ETH and capacity tokens on a local market only\n"
    )
    assert "eth_sendRawTransaction" not in ChainIdOne.methods
    assert set(ChainIdOne.methods) <= {"eth_chainId", "net_version", "web3_clientVersion"}


@pytest.mark.parametrize("chain_id", [31337, 1337])
def test_local_chain_ids_pass_the_check(chain_id: int) -> None:
    check_local_chain(chain_id)


@pytest.mark.parametrize("chain_id", [1, 10, 8453, 11155111])
def test_public_chain_ids_are_refused(chain_id: int) -> None:
    with pytest.raises(ActionRefused, match=f"^chain id {chain_id} is not a local chain"):
        check_local_chain(chain_id)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("0x12", "not a 0x address of 20 bytes"),
        ("alice", "not a 0x address of 20 bytes"),
        ("0x" + "0" * 40, "the zero address cannot hold tokens"),
    ],
)
def test_the_faucet_refuses_what_is_not_an_address(address: str, reason: str) -> None:
    with pytest.raises(FieldError, match=reason) as caught:
        recipient(address)
    assert caught.value.field == "address"


def test_the_cli_refuses_a_bad_token_amount_naming_the_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["faucet", ALICE, "--tokens", "-3"]) != 0
    assert capsys.readouterr().err.startswith("flowmarket faucet: error: --tokens: expected")


@dataclass(frozen=True)
class Sent:
    address: str
    eth_wei: int
    tokens_wei: int
    chain_id: int


@dataclass
class FakeFaucet:
    """Records what it was asked; refuses when `refuse` is set."""

    refuse: bool = False
    asked: list[tuple[str, int]] = field(default_factory=list)

    def give(self, address: str, tokens_wei: int) -> Sent:
        if self.refuse:
            raise ActionRefused("chain id 1 is not a local chain (31337 or 1337)")
        self.asked.append((address, tokens_wei))
        return Sent(address, 10 * 10**18, tokens_wei, 31337)


def client(tmp_path: Path, faucet: FakeFaucet | None) -> TestClient:
    engine = make_engine(f"sqlite:///{tmp_path / 'api.sqlite'}")
    upgrade(engine)
    app = create_app(
        backend=SqlBackend(engine),
        domain=Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3"),
        operator_key="0x" + "0b" * 32,
        token_secret=b"faucet",
        faucet=faucet,
    )
    return TestClient(app)


def test_the_faucet_route_gives_what_the_faucet_sent_in_wei(tmp_path: Path) -> None:
    faucet = FakeFaucet()
    with client(tmp_path, faucet) as api:
        answer = api.post("/v1/faucet", json={"address": ALICE, "tokens": "2.5"})
    assert answer.status_code == 200
    assert answer.json() == {
        "address": ALICE,
        "eth_wei": "10000000000000000000",
        "tokens_wei": "2500000000000000000",
        "chain_id": 31337,
    }
    assert faucet.asked == [(ALICE, 2_500_000_000_000_000_000)]


def test_the_faucet_route_mints_ten_thousand_tokens_by_default(tmp_path: Path) -> None:
    faucet = FakeFaucet()
    with client(tmp_path, faucet) as api:
        assert api.post("/v1/faucet", json={"address": ALICE}).status_code == 200
    assert faucet.asked == [(ALICE, 10_000 * 10**18)]


def test_an_api_without_a_faucet_answers_404(tmp_path: Path) -> None:
    with client(tmp_path, None) as api:
        answer = api.post("/v1/faucet", json={"address": ALICE})
    assert answer.status_code == 404
    assert "no faucet" in answer.json()["message"]


def test_a_faucet_that_refuses_the_chain_answers_403(tmp_path: Path) -> None:
    with client(tmp_path, FakeFaucet(refuse=True)) as api:
        answer = api.post("/v1/faucet", json={"address": ALICE})
    assert answer.status_code == 403
    assert "not a local chain" in answer.text


@pytest.mark.parametrize(
    ("body", "field_name"),
    [
        ({"address": "0x12"}, "address"),
        ({"address": ALICE, "tokens": "many"}, "tokens"),
        ({"address": ALICE, "tokens": "1", "eth": "5"}, "eth"),
    ],
)
def test_the_faucet_route_refuses_bad_bodies_naming_the_field(
    tmp_path: Path, body: dict[str, str], field_name: str
) -> None:
    faucet = FakeFaucet()
    with client(tmp_path, faucet) as api:
        answer = api.post("/v1/faucet", json=body)
    assert answer.status_code == 422
    assert field_name in json.dumps(answer.json())
    assert faucet.asked == []
