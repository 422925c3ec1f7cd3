"""`flowmarket deploy`: one command deploys, wires roles and hands admin rights to the timelock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3
from web3.contract import Contract

from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.deploy import DEFAULT_ADMIN_ROLE, load_deployment
from flowmarket.cli.main import main
from flowmarket.config import load_settings
from flowmarket.errors import DeploymentMissing

EXPECTED_CONTRACTS = {
    "MarketTimelock",
    "GovernanceToken",
    "MarketGovernor",
    "MarketParameters",
    "CapacityToken",
    "ClearingLedger",
    "OrderRegistry",
    "CollateralVault",
    "RevenueDistributor",
    "WeeklySettlement",
    "CapacityAuction",
}


def test_production_deploy_writes_the_file_and_leaves_the_deployer_without_rights(
    rpc_url: str,
    w3: Web3,
    compiled: ArtifactSet,
    chain_snapshot: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("FLOWMARKET_RPC_URL", rpc_url)
    assert main(["deploy", "--profile", "production", "--genesis-hour", "480000"]) == 0
    assert "deployer renounced admin" in capsys.readouterr().out

    raw = json.loads((tmp_path / "deployment.json").read_text())
    assert set(raw["addresses"]) == EXPECTED_CONTRACTS
    assert raw["chain_id"] == 31337 and raw["genesis_hour"] == 480000
    assert raw["profile"] == "production" and raw["suppliers"] == []
    deployment = load_deployment(load_settings())
    deployer = deployment.deployer

    def contract(name: str) -> Contract:
        return w3.eth.contract(address=deployment.addresses[name], abi=compiled[name].abi)

    timelock = deployment.addresses["MarketTimelock"]
    for name in ("MarketTimelock", "CapacityToken", "CollateralVault"):
        functions = contract(name).functions
        assert functions.hasRole(DEFAULT_ADMIN_ROLE, timelock).call()
        assert not functions.hasRole(DEFAULT_ADMIN_ROLE, deployer).call()
    assert contract("MarketParameters").functions.owner().call() == timelock
    assert contract("MarketParameters").functions.oracle().call() == deployment.oracle
    governor = contract("MarketGovernor").functions
    assert (governor.votingDelay().call(), governor.votingPeriod().call()) == (7_200, 50_400)
    assert contract("MarketTimelock").functions.getMinDelay().call() == 2 * 24 * 3600
    assert contract("ClearingLedger").functions.nextHour().call() == 480000
    supplier = contract("CapacityToken").functions.SUPPLIER_ROLE().call()
    assert not contract("CapacityToken").functions.hasRole(supplier, deployer).call()
    assert deployment.oracle == Account.from_key(load_settings().oracle_key).address


def test_load_deployment_without_a_file_says_to_deploy_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path))
    with pytest.raises(DeploymentMissing, match="flowmarket deploy"):
        load_deployment(load_settings())


def test_rejects_an_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["deploy", "--profile", "mainnet"])
    assert exited.value.code == 2
    assert "--profile" in capsys.readouterr().err
