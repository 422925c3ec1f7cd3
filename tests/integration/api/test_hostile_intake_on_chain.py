"""Order bounds from the chain's economics, at intake and again at the oracle's snapshot:
the governed limits of MarketParameters and the collateral in the vault, through the
API, the CLI and the real oracle on the session node (issue: hostile input, item 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hostile_harness import TOKEN, LiveMarket, address, live_market
from sqlmodel import Session
from web3 import Web3

from flowmarket.backend.chain_rules import ChainRules
from flowmarket.backend.governance_view import ChainMarketView
from flowmarket.chain.build import ArtifactSet
from flowmarket.cli.main import main
from flowmarket.config import Settings
from flowmarket.db import oracle_repo
from flowmarket.errors import ChainUnavailable
from flowmarket.oracle.status import oracle_status
from live_server import serve

GIANT = [(-1e30, 12.0), (1e30, 4.0)]  # the curve a hostile participant sent on main


@pytest.fixture
def market(
    settings: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    tmp_path: Path,
    chain_snapshot: str,
) -> Iterator[LiveMarket]:
    with live_market(settings, compiled, rpc_url, w3, tmp_path / "state") as live:
        yield live


def test_a_wallet_without_collateral_gets_nothing_through_and_collateral_lets_it_in(
    market: LiveMarket,
) -> None:
    giant = market.submit("mallory", {"premium": 1.0}, GIANT)
    assert giant.status_code == 422, giant.text
    assert giant.json()["field"] == "order.curve"
    assert "the governed limit is 100000 GB/h per order" in giant.json()["message"]
    small = [(0.0, 10.0), (2.0, 5.0)]  # worst case: 2 GB/h at 10 tokens = 20 tokens × 30 %
    unbacked = market.submit("mallory", {"premium": 1.0}, small)
    assert unbacked.status_code == 422, unbacked.text
    assert "cannot back the worst case" in unbacked.json()["message"]
    market.fund("mallory", 6 * TOKEN)
    backed = market.submit("mallory", {"premium": 1.0}, small)
    assert backed.status_code == 200, backed.text


def test_intake_reads_each_wallets_collateral_exactly_as_the_vault_holds_it(
    market: LiveMarket,
) -> None:
    """The one raw `eth_call` behind intake's collateral check: the amount to the wei,
    a wallet that never deposited reads 0, and an address that is not the vault is the
    node's fault (503), never an amount."""
    market.fund("buyer", 6 * TOKEN + 1)
    rules = ChainRules(
        lambda: ChainMarketView.connect(market.settings.rpc_url, market.deployment, market.compiled)
    )
    assert rules.collateral_of(address("buyer")) == 6_000_000_000_000_000_001
    assert rules.collateral_of(address("buyer").lower(), fresh=True) == 6_000_000_000_000_000_001
    assert rules.collateral_of(address("reseller")) == 0
    elsewhere = replace(
        market.deployment,
        addresses={**market.deployment.addresses, "CollateralVault": address("buyer")},
    )
    wrong = ChainRules(
        lambda: ChainMarketView.connect(market.settings.rpc_url, elsewhere, market.compiled)
    )
    with pytest.raises(ChainUnavailable, match=r"CollateralVault\.collateralOf"):
        wrong.collateral_of(address("buyer"))


@pytest.fixture
def served(market: LiveMarket) -> Iterator[str]:
    """The same app over real HTTP (uvicorn in a thread), for the CLI."""
    with serve(market.client.app) as url:
        yield url


def test_the_cli_gets_the_refusal_in_one_line_and_exit_code_2(
    market: LiveMarket,
    served: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("FLOWMARKET_API_URL", served)
    password = tmp_path / "password"
    password.write_text("correct horse battery\n", encoding="utf-8")
    key = tmp_path / "mallory.key"
    key.write_text("0x" + "6d" * 32, encoding="utf-8")  # a wallet with no collateral
    pw = ("--password-file", str(password), "--wallet", "mallory")
    assert main(["wallet", "import", "--key-file", str(key), *pw]) == 0
    capsys.readouterr()
    code = main(["order", "submit", "--portfolio", "premium=1", "--curve=-1e30:12,1e30:4", *pw])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "order.curve" in captured.err and "100000 GB/h per order" in captured.err
    assert captured.err.count("\n") == 1
    code = main(["order", "submit", "--portfolio", "premium=1", "--curve", "0:10,2:5", *pw])
    captured = capsys.readouterr()
    assert code == 2 and "cannot back the worst case" in captured.err


def test_orders_unbacked_or_beyond_new_limits_by_the_close_are_left_out_with_the_reason(
    market: LiveMarket,
) -> None:
    for who in ("supplier", "buyer", "reseller"):
        market.fund(who, 10_000 * TOKEN)
    market.fund("mallory", 6 * TOKEN)
    hour = market.genesis
    accepted = {
        "sell": market.submit("supplier", {"premium": 1.0}, [(-50.0, 9.0), (0.0, 2.0)]),
        "buy": market.submit("buyer", {"premium": 1.0}, [(0.0, 12.0), (40.0, 3.0)]),
        "wide": market.submit("reseller", {"regular": 1.0}, [(-500.0, 6.0), (0.0, 1.0)]),
        "mallory": market.submit("mallory", {"premium": 1.0}, [(0.0, 10.0), (2.0, 5.0)]),
    }
    assert {k: r.status_code for k, r in accepted.items()} == dict.fromkeys(accepted, 200)
    ids = {k: r.json()["order"]["order_hash"] for k, r in accepted.items()}
    # Before the close: mallory takes its collateral back (no requirements root is posted
    # yet, so the empty proof shows it owes nothing) and governance lowers the order limit
    # to 100 GB/h per order.
    market.send("mallory", "CollateralVault", "withdraw", 6 * TOKEN, [])
    market.govern("setOrderLimits", (100, 10_000_000, 1_000 * TOKEN))

    market.clear(hour)

    [event] = market.committed_hours()
    assert event["hour"] == hour
    exclusions = market.client.get(f"/v1/hours/{hour}/exclusions").json()
    by_order = {row["order_hash"]: row for row in exclusions}
    assert set(by_order) == {ids["mallory"], ids["wide"]}
    assert by_order[ids["mallory"]]["stage"] == "collateral"
    assert by_order[ids["mallory"]]["participant"] == address("mallory")
    assert "cannot back the worst case" in by_order[ids["mallory"]]["reason"]
    assert by_order[ids["wide"]]["stage"] == "order-limits"
    assert "the governed limit is 100 GB/h per order" in by_order[ids["wide"]]["reason"]
    cleared = market.client.get(f"/v1/hours/{hour}/orders").json()
    assert {order["id"] for order in cleared["orders"]} == {ids["sell"], ids["buy"]}
    assert set(cleared["collateral"]["excluded"]) == {ids["mallory"], ids["wide"]}
    prices = market.client.get(f"/v1/hours/{hour}/prices").json()
    assert {p["product"]: p["volume"] > 0 for p in prices}["premium"]
    status = oracle_status(market.engine, now=market.clock.now)
    assert any(w["kind"] == "orders-excluded" for w in status["warnings"]), status
    with Session(market.engine) as session:
        journal = oracle_repo.journal_hour(session, hour=hour)
    assert journal is not None
    assert json.loads(json.dumps(journal.collateral["excluded"]))[ids["wide"]]["stage"] == (
        "order-limits"
    )


def test_a_limit_lowered_between_hours_leaves_out_an_order_that_stood_the_hour_before(
    market: LiveMarket,
) -> None:
    """The oracle remembers each standing order's limits check from hour to hour; a
    change of the governed limits checks every order again, both ways."""
    for who in ("supplier", "reseller"):
        market.fund(who, 10_000 * TOKEN)
    wide = market.submit("reseller", {"regular": 1.0}, [(-500.0, 6.0), (0.0, 1.0)])
    narrow = market.submit("supplier", {"regular": 1.0}, [(0.0, 5.0), (80.0, 2.0)])
    assert (wide.status_code, narrow.status_code) == (200, 200)
    ids = {wide.json()["order"]["order_hash"], narrow.json()["order"]["order_hash"]}
    hour = market.genesis

    def cleared(hour: int) -> set[str]:
        orders = market.client.get(f"/v1/hours/{hour}/orders").json()["orders"]
        return {order["id"] for order in orders}

    market.clear(hour)
    assert cleared(hour) == ids
    market.govern("setOrderLimits", (100, 10_000_000, 1_000 * TOKEN))
    market.clear(hour + 1)
    assert cleared(hour + 1) == {narrow.json()["order"]["order_hash"]}
    [excluded] = market.client.get(f"/v1/hours/{hour + 1}/exclusions").json()
    assert excluded["order_hash"] == wide.json()["order"]["order_hash"]
    assert "the governed limit is 100 GB/h per order" in excluded["reason"]
    market.govern("setOrderLimits", (1_000, 10_000_000, 1_000 * TOKEN))
    market.clear(hour + 2)
    assert cleared(hour + 2) == ids
