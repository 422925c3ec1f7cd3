"""Deploy the whole market in dependency order, wire its roles and hand them to the timelock.

The governance tokens go to the holders of the genesis file (`chain.genesis`: the
participants and the treasury, which is the timelock); the deployer holds none. After
`deploy_market` returns, no account but the timelock holds an admin right and the
deployer holds no role at all (`chain.wiring` grants, hands over and checks every
right on chain before the deployment file is written). The oracle and the guardian are
parameters, so governance replaces them in one proposal; the guardian is the timelock
or a contract named by the genesis file (a multi-signer), never a single key.
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
from flowmarket.chain.genesis import TIMELOCK, Genesis
from flowmarket.chain.wiring import check_wiring, wire_roles
from flowmarket.clearing.model import ENGINES, ENGINES_TEXT
from flowmarket.config import Settings
from flowmarket.errors import ChainError, DeploymentMissing, FieldError, InvalidInput
from flowmarket.money import WAD
from flowmarket.signing import Domain

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


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
    fee_bps: int
    holder_share_bps: int
    initial_margin_bps: int
    deviation_margin_bps: int
    warning_buffer_bps: int
    challenge_window_s: int
    grace_period_s: int
    revenue_epoch_s: int
    oracle_bond: int
    # The clearing engine of every hour until governance names another
    # (docs/engine-versions.md): a new market starts on the newest this release runs.
    clearing_engine: int = ENGINES[-1]


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
        fee_bps=10,
        holder_share_bps=8_000,
        initial_margin_bps=1_000,
        deviation_margin_bps=2_000,
        warning_buffer_bps=2_000,
        challenge_window_s=120,
        grace_period_s=24 * SECONDS_PER_HOUR,
        revenue_epoch_s=SECONDS_PER_HOUR,
        oracle_bond=1_000 * WAD,
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
        fee_bps=10,
        holder_share_bps=8_000,
        initial_margin_bps=1_000,
        deviation_margin_bps=2_000,
        warning_buffer_bps=2_000,
        challenge_window_s=24 * SECONDS_PER_HOUR,
        grace_period_s=24 * SECONDS_PER_HOUR,
        revenue_epoch_s=7 * 24 * SECONDS_PER_HOUR,
        oracle_bond=100_000 * WAD,
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
    genesis: Genesis,
    genesis_hour: int | None = None,
    write: bool = True,
) -> Deployment:
    """Deploy every contract, allocate the governance tokens of `genesis`, wire the roles,
    renounce the deployer's rights, and (with `write`) save the deployment file.
    `genesis_hour` defaults to the hour index (unix seconds // 3600) of the latest block."""
    client = ChainClient(
        rpc_url,
        settings.deployer_key,
        artifacts=artifacts.values(),
        timeout_s=settings.tx_timeout_s,
    )
    _check_genesis(client, genesis)
    if profile.clearing_engine not in ENGINES:  # before any contract is deployed
        raise FieldError(
            "profile.clearing_engine",
            f"{profile.clearing_engine} is not an engine this release runs ({ENGINES_TEXT})",
        )
    oracle = str(Account.from_key(settings.oracle_key).address)
    if genesis_hour is None:
        genesis_hour = int(client.w3.eth.get_block("latest")["timestamp"]) // SECONDS_PER_HOUR
    if genesis_hour < 0 or genesis_hour >= 2**64:
        raise InvalidInput(f"genesis_hour: must be in [0, 2**64), got {genesis_hour}")
    start_block = int(client.w3.eth.block_number)
    addresses, gas = _deploy_contracts(client, artifacts, profile, genesis, oracle, genesis_hour)
    suppliers = list(genesis.suppliers)
    wire_roles(client, artifacts, addresses, suppliers)
    check_wiring(client, artifacts, addresses, suppliers)
    governance = {k: v for k, v in asdict(profile).items() if isinstance(v, int)}
    deployment = Deployment(
        chain_id=client.chain_id,
        block_number=start_block + 1,
        addresses=addresses,
        deployer=client.address,
        oracle=oracle,
        guardian=genesis.guardian_address(addresses["MarketTimelock"]),
        genesis_hour=genesis_hour,
        profile=profile.name,
        governance={**governance, "governance_supply": genesis.supply},
        suppliers=suppliers,
        gas_used=gas,
    )
    if write:
        save_deployment(settings, deployment)
    return deployment


def _check_genesis(client: ChainClient, genesis: Genesis) -> None:
    """The deployer may hold no token and no role; a guardian must be a contract."""
    me = client.address
    if me in genesis.allocations:
        raise FieldError("genesis.allocations", f"{me} is the deployer: it may hold no token")
    if me in genesis.suppliers:
        raise FieldError("genesis.suppliers", f"{me} is the deployer: it may hold no role")
    if genesis.guardian != TIMELOCK and not client.w3.eth.get_code(genesis.guardian):  # type: ignore[arg-type]
        raise FieldError(
            "genesis.guardian",
            f"{genesis.guardian} has no code: the guardian is the timelock or a multi-signer "
            "contract, never a single key",
        )


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
    genesis: Genesis,
    oracle: str,
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
    token = deploy("GovernanceToken", *genesis.holders(timelock))
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
        genesis.guardian_address(timelock),
        profile.challenge_window_s,
        profile.grace_period_s,
        profile.revenue_epoch_s,
        profile.clearing_engine,
    )
    params = deploy("MarketParameters", timelock, initial)
    capacity = deploy("CapacityToken", me, params)
    ledger = deploy("ClearingLedger", params, genesis_hour)
    registry = deploy("OrderRegistry")
    vault = deploy("CollateralVault", me, params, capacity)
    distributor = deploy("RevenueDistributor", params, capacity, token)
    bond = deploy("OracleBond", me, capacity, profile.oracle_bond)
    settlement = deploy("WeeklySettlement", params, ledger, capacity, vault, distributor, bond)
    deploy("CapacityAuction", params, capacity)
    deploy("MarketLens", vault, settlement, registry)  # the oracle's batched reads
    return addresses, gas
