"""`flowmarket deploy`: one command deploys, wires roles and hands admin rights to the timelock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.contract import Contract

from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import load_deployment
from flowmarket.chain.wiring import DEFAULT_ADMIN_ROLE
from flowmarket.cli.main import main
from flowmarket.config import load_settings
from flowmarket.errors import DeploymentMissing
from flowmarket.states import ProposalState, VoteSupport

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
    "OracleBond",
    "MarketLens",
}


HOLDER = "0x" + "11" * 20
SUPPLIER = "0x" + "22" * 20


def write_genesis(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_production_deploy_allocates_the_genesis_and_leaves_the_deployer_without_rights(
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
    genesis = write_genesis(
        tmp_path / "genesis.json",
        {"allocations": {HOLDER: "600", "treasury": 400}, "suppliers": [SUPPLIER]},
    )
    argv = ["deploy", "--profile", "production", "--genesis", str(genesis)]
    assert main([*argv, "--genesis-hour", "480000"]) == 0
    assert "the deployer holds no role" in capsys.readouterr().out

    raw = json.loads((tmp_path / "deployment.json").read_text())
    assert set(raw["addresses"]) == EXPECTED_CONTRACTS
    assert raw["chain_id"] == 31337 and raw["genesis_hour"] == 480000
    assert raw["profile"] == "production"
    assert raw["suppliers"] == [w3.to_checksum_address(SUPPLIER)]
    assert raw["governance"]["governance_supply"] == 1_000
    deployment = load_deployment(load_settings())
    deployer = deployment.deployer

    def contract(name: str) -> Contract:
        return w3.eth.contract(address=deployment.addresses[name], abi=compiled[name].abi)

    timelock = deployment.addresses["MarketTimelock"]
    for name in ("MarketTimelock", "CapacityToken", "CollateralVault", "OracleBond"):
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
    assert contract("CapacityToken").functions.hasRole(supplier, SUPPLIER).call()
    bond = contract("OracleBond").functions
    settlement = deployment.addresses["WeeklySettlement"]
    assert bond.hasRole(bond.SLASHER_ROLE().call(), settlement).call()
    assert (bond.size().call(), bond.bonded().call()) == (100_000 * 10**18, 0)
    assert deployment.oracle == Account.from_key(load_settings().oracle_key).address
    token = contract("GovernanceToken").functions
    assert token.balanceOf(deployer).call() == 0
    assert (token.balanceOf(HOLDER).call(), token.balanceOf(timelock).call()) == (600, 400)
    # The guardian is the timelock: no single key can pause the market.
    assert contract("MarketParameters").functions.guardian().call() == timelock
    assert deployment.guardian == timelock
    # A new market starts on the newest clearing engine (the profile's), and records it.
    assert contract("MarketParameters").functions.initialClearingEngine().call() == 5
    assert contract("MarketParameters").functions.clearingEngineAt(480000).call() == 5
    assert raw["governance"]["clearing_engine"] == 5


def test_deploy_starts_the_market_on_the_engine_it_is_given(
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
    genesis = str(write_genesis(tmp_path / "genesis.json", {"allocations": {HOLDER: "1"}}))
    block = w3.eth.block_number
    for engine in ("0", "6"):
        assert main(["deploy", "--genesis", genesis, "--clearing-engine", engine]) == 2
        err = capsys.readouterr().err
        assert f"profile.clearing_engine: {engine} is not an engine this release runs" in err
        assert "(1, 2, 3, 4, 5)" in err
    assert not (tmp_path / "deployment.json").exists()
    assert w3.eth.block_number == block  # refused before any transaction
    assert main(["deploy", "--genesis", genesis, "--clearing-engine", "2"]) == 0
    assert "clearing engine 2" in capsys.readouterr().out
    deployment = load_deployment(load_settings())
    params = w3.eth.contract(
        address=deployment.addresses["MarketParameters"], abi=compiled["MarketParameters"].abi
    ).functions
    assert (params.initialClearingEngine().call(), params.clearingEngine().call()) == (2, 2)
    assert deployment.governance["clearing_engine"] == 2


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"allocations": {HOLDER: "1"}, "owner": "me"}, "genesis.json.owner"),
        ({"allocations": {}}, "genesis.json.allocations"),
        ({"allocations": {HOLDER: "0"}}, f"genesis.json.allocations.{HOLDER}"),
        ({"allocations": {HOLDER: "1.5"}}, f"genesis.json.allocations.{HOLDER}"),
        ({"allocations": {"0xnope": "1"}}, "genesis.json.allocations.0xnope"),
        (
            {"allocations": {HOLDER: "1"}, "suppliers": [SUPPLIER, SUPPLIER]},
            "genesis.json.suppliers",
        ),
        ({"allocations": {HOLDER: "1"}, "guardian": "admin"}, "genesis.json.guardian"),
    ],
)
def test_rejects_a_genesis_file_naming_the_bad_field(
    document: dict[str, Any],
    field: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path))
    genesis = write_genesis(tmp_path / "genesis.json", document)
    assert main(["deploy", "--genesis", str(genesis)]) == 2
    assert field in capsys.readouterr().err


def test_refuses_a_genesis_that_gives_the_deployer_tokens_or_a_single_key_guardian(
    rpc_url: str,
    chain_snapshot: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("FLOWMARKET_RPC_URL", rpc_url)
    deployer = Account.from_key(load_settings().deployer_key).address
    for document, field in (
        ({"allocations": {deployer: "1"}}, "genesis.allocations"),
        ({"allocations": {HOLDER: "1"}, "suppliers": [deployer]}, "genesis.suppliers"),
        ({"allocations": {HOLDER: "1"}, "guardian": HOLDER}, "genesis.guardian"),
    ):
        genesis = write_genesis(tmp_path / "genesis.json", document)
        assert main(["deploy", "--genesis", str(genesis)]) == 2
        assert field in capsys.readouterr().err
    assert not (tmp_path / "deployment.json").exists()


def test_attack9_the_deployer_alone_cannot_pass_a_proposal(
    rpc_url: str,
    w3: Web3,
    compiled: ArtifactSet,
    chain_snapshot: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the contracts as reviewed the deployer held the whole supply: it proposed to make
    itself the oracle, voted, and the proposal succeeded. Now it holds nothing."""
    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("FLOWMARKET_RPC_URL", rpc_url)
    allocations = {"allocations": {HOLDER: "1000", "treasury": "1"}}
    genesis = write_genesis(tmp_path / "genesis.json", allocations)
    assert main(["deploy", "--genesis", str(genesis)]) == 0
    deployment = load_deployment(load_settings())
    client = ChainClient(rpc_url, load_settings().deployer_key, artifacts=compiled.values())
    me = client.address
    token = client.contract(compiled["GovernanceToken"], deployment.addresses["GovernanceToken"])
    assert token.functions.balanceOf(me).call() == 0
    governor = client.contract(compiled["MarketGovernor"], deployment.addresses["MarketGovernor"])
    params = client.contract(compiled["MarketParameters"], deployment.addresses["MarketParameters"])
    action = (
        [deployment.addresses["MarketParameters"]],
        [0],
        [params.encode_abi("setOracle", args=[me])],
    )
    description = "make the deployer the oracle"
    client.transact(governor.functions.propose(*action, description))
    proposal = governor.functions.hashProposal(*action, w3.keccak(text=description)).call()
    w3.provider.make_request("hardhat_mine", [hex(2)])  # type: ignore[arg-type]
    client.transact(governor.functions.castVote(proposal, VoteSupport.FOR))
    w3.provider.make_request("hardhat_mine", [hex(60)])  # type: ignore[arg-type]
    assert governor.functions.state(proposal).call() == ProposalState.DEFEATED
    assert params.functions.oracle().call() == deployment.oracle


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
