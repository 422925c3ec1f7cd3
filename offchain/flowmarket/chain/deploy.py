"""Deploy the whole market in dependency order, wire its roles and hand them to the timelock.

After `deploy_market` returns, no account but the timelock holds an admin right:
the timelock owns `MarketParameters` from construction, is the only
DEFAULT_ADMIN of `CapacityToken`, `CollateralVault` and itself, and the governor is
its only proposer and canceller. The oracle and the guardian are parameters (so
governance replaces them in one proposal); `WeeklySettlement` holds the vault's
SETTLEMENT_ROLE. Every grant and every renunciation is checked on chain before the
deployment file is written.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account

from flowmarket.catalogue.hours import SECONDS_PER_HOUR
from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.config import Settings
from flowmarket.errors import ChainError, DeploymentMissing, InvalidInput
from flowmarket.money import WAD
from flowmarket.signing import Domain

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_ADMIN_ROLE = bytes(32)


@dataclass(frozen=True)
class Profile:
    """Governance and market parameters a deployment starts with. Voting delay and period
    in blocks (the governance token's clock), other durations in seconds, amounts in wei,
    shares in basis points."""

    name: str
    voting_delay_blocks: int
    voting_period_blocks: int
    timelock_delay_s: int
    proposal_threshold: int
    quorum_percent: int
    governance_supply: int
    fee_bps: int
    holder_share_bps: int
    initial_margin_bps: int
    deviation_margin_bps: int
    warning_buffer_bps: int
    challenge_window_s: int
    grace_period_s: int
    revenue_epoch_s: int
    deployer_is_supplier: bool


PROFILES: dict[str, Profile] = {
    # Blocks- and seconds-scale governance so a demo (and the tests) walk a proposal through in
    # moments; the spec's 24-hour settlement grace period is kept (tests move time).
    "demo": Profile(
        name="demo",
        voting_delay_blocks=1,
        voting_period_blocks=50,
        timelock_delay_s=60,
        proposal_threshold=0,
        quorum_percent=4,
        governance_supply=1_000_000 * WAD,
        fee_bps=10,
        holder_share_bps=8_000,
        initial_margin_bps=1_000,
        deviation_margin_bps=2_000,
        warning_buffer_bps=2_000,
        challenge_window_s=120,
        grace_period_s=24 * SECONDS_PER_HOUR,
        revenue_epoch_s=SECONDS_PER_HOUR,
        deployer_is_supplier=True,
    ),
    # Defaults in the range of live OpenZeppelin-governor DAOs: 1-day delay and 1-week
    # vote (7 200 and 50 400 blocks of 12 s), 2-day timelock, 4 % quorum, 0.1 % of
    # supply to propose; a 1-day window to challenge a settlement root; weekly epochs.
    "production": Profile(
        name="production",
        voting_delay_blocks=7_200,
        voting_period_blocks=50_400,
        timelock_delay_s=2 * 24 * SECONDS_PER_HOUR,
        proposal_threshold=1_000 * WAD,
        quorum_percent=4,
        governance_supply=1_000_000 * WAD,
        fee_bps=10,
        holder_share_bps=8_000,
        initial_margin_bps=1_000,
        deviation_margin_bps=2_000,
        warning_buffer_bps=2_000,
        challenge_window_s=24 * SECONDS_PER_HOUR,
        grace_period_s=24 * SECONDS_PER_HOUR,
        revenue_epoch_s=7 * 24 * SECONDS_PER_HOUR,
        deployer_is_supplier=False,
    ),
}


@dataclass(frozen=True)
class Deployment:
    """What `flowmarket deploy` writes to `settings.deployment_file` (as JSON)."""

    chain_id: int
    block_number: int
    addresses: dict[str, str]
    deployer: str
    oracle: str
    guardian: str
    genesis_hour: int
    profile: str
    governance: dict[str, int]
    suppliers: list[str] = field(default_factory=list)
    gas_used: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def require_chain(self, chain_id: int) -> None:
        """`ChainError` unless the node's `chain_id` is the one this deployment is on."""
        if chain_id != self.chain_id:
            raise ChainError(
                f"the node is chain {chain_id} but the deployment file is for chain "
                f"{self.chain_id}: deploy again or point FLOWMARKET_RPC_URL at the right node"
            )

    def domain(self) -> Domain:
        """The EIP-712 domain orders are signed for: this chain and its ClearingLedger."""
        ledger = self.addresses.get("ClearingLedger")
        if ledger is None:
            raise InvalidInput("deployment file: addresses has no ClearingLedger")
        return Domain(self.chain_id, ledger)


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise InvalidInput(f"profile: {name!r} is not one of {sorted(PROFILES)}") from None


def deploy_market(
    settings: Settings,
    artifacts: ArtifactSet,
    *,
    rpc_url: str,
    profile: Profile,
    genesis_hour: int | None = None,
    write: bool = True,
) -> Deployment:
    """Deploy every contract, wire the roles, renounce the deployer's rights, and (with
    `write`) save the deployment file. `genesis_hour` defaults to the hour index
    (unix seconds // 3600) of the latest block."""
    client = ChainClient(
        rpc_url,
        settings.deployer_key,
        artifacts=artifacts.values(),
        timeout_s=settings.tx_timeout_s,
    )
    oracle = str(Account.from_key(settings.oracle_key).address)
    guardian = str(Account.from_key(settings.guardian_key).address)
    if genesis_hour is None:
        genesis_hour = int(client.w3.eth.get_block("latest")["timestamp"]) // SECONDS_PER_HOUR
    if genesis_hour < 0 or genesis_hour >= 2**64:
        raise InvalidInput(f"genesis_hour: must be in [0, 2**64), got {genesis_hour}")
    start_block = int(client.w3.eth.block_number)
    addresses, gas = _deploy_contracts(client, artifacts, profile, oracle, guardian, genesis_hour)
    suppliers = [client.address] if profile.deployer_is_supplier else []
    _wire_roles(client, artifacts, addresses, suppliers)
    _check_wiring(client, artifacts, addresses, suppliers)
    deployment = Deployment(
        chain_id=client.chain_id,
        block_number=start_block + 1,
        addresses=addresses,
        deployer=client.address,
        oracle=oracle,
        guardian=guardian,
        genesis_hour=genesis_hour,
        profile=profile.name,
        governance={k: v for k, v in asdict(profile).items() if isinstance(v, int)},
        suppliers=suppliers,
        gas_used=gas,
    )
    if write:
        save_deployment(settings, deployment)
    return deployment


def save_deployment(settings: Settings, deployment: Deployment) -> Path:
    path = settings.deployment_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(deployment.to_json() + "\n", encoding="utf-8")
    return path


def load_deployment(settings: Settings) -> Deployment:
    """Read the deployment file; `DeploymentMissing` when there is none."""
    path = settings.deployment_file
    if not path.exists():
        raise DeploymentMissing(f"no deployment file at {path}: run `flowmarket deploy` first")
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return Deployment(**raw)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"deployment file {path}: {exc}") from None


def _deploy_contracts(
    client: ChainClient,
    artifacts: ArtifactSet,
    profile: Profile,
    oracle: str,
    guardian: str,
    genesis_hour: int,
) -> tuple[dict[str, str], dict[str, int]]:
    addresses: dict[str, str] = {}
    gas: dict[str, int] = {}

    def deploy(name: str, *args: Any) -> str:
        address, receipt = client.deploy(artifacts[name], *args)
        addresses[name] = address
        gas[name] = int(receipt["gasUsed"])
        return address

    me = client.address
    timelock = deploy("MarketTimelock", profile.timelock_delay_s, [], [ZERO_ADDRESS], me)
    token = deploy("GovernanceToken", me, profile.governance_supply)
    deploy(
        "MarketGovernor",
        token,
        timelock,
        profile.voting_delay_blocks,
        profile.voting_period_blocks,
        profile.proposal_threshold,
        profile.quorum_percent,
    )
    initial = (
        profile.fee_bps,
        profile.holder_share_bps,
        timelock,
        (profile.initial_margin_bps, profile.deviation_margin_bps, profile.warning_buffer_bps),
        oracle,
        guardian,
        profile.challenge_window_s,
        profile.grace_period_s,
        profile.revenue_epoch_s,
    )
    params = deploy("MarketParameters", timelock, initial)
    capacity = deploy("CapacityToken", me, params)
    ledger = deploy("ClearingLedger", params, genesis_hour)
    deploy("OrderRegistry")
    vault = deploy("CollateralVault", me, params, capacity)
    distributor = deploy("RevenueDistributor", params, capacity, token)
    deploy("WeeklySettlement", params, ledger, capacity, vault, distributor)
    deploy("CapacityAuction", params, capacity)
    return addresses, gas


def _wire_roles(
    client: ChainClient, artifacts: ArtifactSet, addresses: dict[str, str], suppliers: list[str]
) -> None:
    me = client.address
    timelock_address = addresses["MarketTimelock"]
    vault = client.contract(artifacts["CollateralVault"], addresses["CollateralVault"])
    client.transact(
        vault.functions.grantRole(
            vault.functions.SETTLEMENT_ROLE().call(), addresses["WeeklySettlement"]
        )
    )
    client.transact(vault.functions.grantRole(DEFAULT_ADMIN_ROLE, timelock_address))
    client.transact(vault.functions.renounceRole(DEFAULT_ADMIN_ROLE, me))
    capacity = client.contract(artifacts["CapacityToken"], addresses["CapacityToken"])
    supplier_role = capacity.functions.SUPPLIER_ROLE().call()
    for supplier in suppliers:
        client.transact(capacity.functions.grantRole(supplier_role, supplier))
    client.transact(capacity.functions.grantRole(DEFAULT_ADMIN_ROLE, timelock_address))
    client.transact(capacity.functions.renounceRole(DEFAULT_ADMIN_ROLE, me))
    timelock = client.contract(artifacts["MarketTimelock"], timelock_address)
    governor = addresses["MarketGovernor"]
    client.transact(
        timelock.functions.grantRole(timelock.functions.PROPOSER_ROLE().call(), governor)
    )
    client.transact(
        timelock.functions.grantRole(timelock.functions.CANCELLER_ROLE().call(), governor)
    )
    client.transact(timelock.functions.renounceRole(DEFAULT_ADMIN_ROLE, me))


def _check_wiring(
    client: ChainClient, artifacts: ArtifactSet, addresses: dict[str, str], suppliers: list[str]
) -> None:
    """Fail loudly unless exactly the intended accounts hold each right."""
    me = client.address
    timelock = addresses["MarketTimelock"]
    params = client.contract(artifacts["MarketParameters"], addresses["MarketParameters"])
    expected: list[tuple[str, bool, bool]] = [
        (
            "MarketParameters owner is the timelock",
            params.functions.owner().call() == timelock,
            True,
        ),
    ]
    for name in ("CollateralVault", "CapacityToken", "MarketTimelock"):
        contract = client.contract(artifacts[name], addresses[name])
        expected.append(
            (
                f"{name}: timelock is admin",
                contract.functions.hasRole(DEFAULT_ADMIN_ROLE, timelock).call(),
                True,
            )
        )
        expected.append(
            (
                f"{name}: deployer is admin",
                contract.functions.hasRole(DEFAULT_ADMIN_ROLE, me).call(),
                False,
            )
        )
    vault = client.contract(artifacts["CollateralVault"], addresses["CollateralVault"])
    role = vault.functions.SETTLEMENT_ROLE().call()
    expected.append(
        (
            "vault: settlement may seize",
            vault.functions.hasRole(role, addresses["WeeklySettlement"]).call(),
            True,
        )
    )
    tl = client.contract(artifacts["MarketTimelock"], timelock)
    expected.append(
        (
            "timelock: governor proposes",
            tl.functions.hasRole(
                tl.functions.PROPOSER_ROLE().call(), addresses["MarketGovernor"]
            ).call(),
            True,
        )
    )
    capacity = client.contract(artifacts["CapacityToken"], addresses["CapacityToken"])
    supplier_role = capacity.functions.SUPPLIER_ROLE().call()
    for supplier in suppliers:
        expected.append(
            (
                f"capacity: {supplier} supplies",
                capacity.functions.hasRole(supplier_role, supplier).call(),
                True,
            )
        )
    wrong = [label for label, actual, wanted in expected if actual != wanted]
    if wrong:
        raise ChainError("deployment wiring check failed: " + "; ".join(wrong))
