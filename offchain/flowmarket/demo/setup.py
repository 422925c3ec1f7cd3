"""Set the market up for the cast: a genesis for it, deploy, fund with ETH, mint capacity
tokens, deposit collateral, allow settlement pulls.

The genesis (`demo_genesis`) allocates the governance tokens to the cast by role and
the rest to the treasury (the timelock), and makes the network supplier the capacity
supplier (`SUPPLIER_ROLE`), which then mints every participant's capacity tokens. The
deployer holds no token and no role; every holder votes with its balance at once (the
governance token needs no delegation transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from web3 import Web3

from flowmarket.chain.bond import bond_size, stake_bond
from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile
from flowmarket.chain.genesis import TREASURY, Genesis
from flowmarket.config import Settings
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.wallets import Wallet
from flowmarket.money import WAD

ETH_PER_WALLET = Web3.to_wei(10, "ether")
# Collateral deposited in the vault per product listed per hour (positions, and with them
# the requirement, grow with the catalogue), at least MIN_COLLATERAL; a free balance of
# twice that pays the weekly debits.
COLLATERAL_PER_PRODUCT = 2_500 * WAD
MIN_COLLATERAL = 200_000 * WAD


def collateral_for(products_per_hour: int) -> int:
    """Each wallet's vault deposit (wei) for a catalogue of this size."""
    return max(MIN_COLLATERAL, COLLATERAL_PER_PRODUCT * products_per_hour)


# Share of the governance supply (basis points) each role holds from genesis; the
# treasury (the timelock) holds the rest.
GOVERNANCE_SUPPLY = 1_000_000 * WAD
SUPPLIER_ROLE_NAME = "supplier"
GOVERNANCE_SHARE_BPS = {
    "supplier": 2_500,
    "service provider": 1_000,
    "reseller": 500,
    "arbitrageur": 500,
    "synthetic buyer": 100,
}
MAX_ALLOWANCE = 2**256 - 1


@dataclass
class Cast:
    """The deployed market and a signing client per wallet (by agent name)."""

    deployment: Deployment
    artifacts: ArtifactSet
    wallets: dict[str, Wallet]
    clients: dict[str, ChainClient] = field(default_factory=dict)

    def contract(self, who: str, name: str) -> Any:
        return self.clients[who].contract(self.artifacts[name], self.deployment.addresses[name])

    def send(self, who: str, name: str, function: str, *args: Any) -> None:
        call = getattr(self.contract(who, name).functions, function)(*args)
        self.clients[who].transact(call, label=f"{name}.{function}")


def demo_genesis(wallets: dict[str, Wallet]) -> Genesis:
    """Governance shares by role (`GOVERNANCE_SHARE_BPS`), the rest to the treasury; the
    network supplier supplies capacity; the guardian is the timelock."""
    allocations = {
        w.address: GOVERNANCE_SUPPLY * GOVERNANCE_SHARE_BPS[w.role] // 10_000
        for w in wallets.values()
        if GOVERNANCE_SHARE_BPS.get(w.role, 0) > 0
    }
    allocations[TREASURY] = GOVERNANCE_SUPPLY - sum(allocations.values())
    suppliers = tuple(w.address for w in wallets.values() if w.role == SUPPLIER_ROLE_NAME)
    return Genesis(allocations, suppliers)


def deploy(
    settings: Settings, artifacts: ArtifactSet, rpc_url: str, wallets: dict[str, Wallet]
) -> Deployment:
    """Deploy the demo profile with the cast's genesis; genesis hour is the node's."""
    return deploy_market(
        settings,
        artifacts,
        rpc_url=rpc_url,
        profile=get_profile("demo"),
        genesis=demo_genesis(wallets),
    )


def send_eth(w3: Web3, key: str, to: str, value: int, chain_id: int) -> None:
    account = w3.eth.account.from_key(key)
    tx: dict[str, Any] = {
        "to": Web3.to_checksum_address(to),
        "value": value,
        "gas": 21_000,
        "maxFeePerGas": 2 * int(w3.eth.gas_price) + 1,
        "maxPriorityFeePerGas": 1,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": chain_id,
    }
    signed = account.sign_transaction(tx)
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))


def fund_cast(
    settings: Settings,
    artifacts: ArtifactSet,
    deployment: Deployment,
    wallets: dict[str, Wallet],
    rpc_url: str,
    emit: EventSink,
    *,
    collateral: int,
) -> Cast:
    """ETH, capacity tokens (minted by the genesis supplier), `collateral` wei in the vault
    (and twice that free) and allowances for every wallet, and the oracle's bond staked by
    the operator; returns the cast with a client per wallet (and "deployer", which only
    pays for the ETH)."""
    deployer = ChainClient(
        rpc_url,
        settings.deployer_key,
        artifacts=artifacts.values(),
        timeout_s=settings.tx_timeout_s,
    )
    cast = Cast(deployment, artifacts, wallets, {"deployer": deployer})
    addresses = deployment.addresses
    for wallet in wallets.values():  # before `deployer` counts its own nonces
        send_eth(
            deployer.w3, settings.deployer_key, wallet.address, ETH_PER_WALLET, deployment.chain_id
        )
    for wallet in wallets.values():
        cast.clients[wallet.agent] = ChainClient(
            rpc_url, wallet.key, artifacts=artifacts.values(), timeout_s=settings.tx_timeout_s
        )
    supplier = next(w.agent for w in wallets.values() if w.role == SUPPLIER_ROLE_NAME)
    for k, wallet in enumerate(wallets.values(), start=1):
        emit(DemoEvent("setup", k, len(wallets), f"funding {wallet.agent} ({wallet.role})"))
        me, who = wallet.address, wallet.agent
        cast.send(supplier, "CapacityToken", "mint", me, 3 * collateral)
        cast.send(who, "CapacityToken", "approve", addresses["CollateralVault"], collateral)
        cast.send(who, "CollateralVault", "deposit", collateral)
        cast.send(who, "CapacityToken", "approve", addresses["WeeklySettlement"], MAX_ALLOWANCE)
    # The operator stakes the oracle's bond (its governed size), minted by the supplier.
    operator = ChainClient(
        rpc_url, settings.oracle_key, artifacts=artifacts.values(), timeout_s=settings.tx_timeout_s
    )
    size = bond_size(operator, artifacts, deployment)
    cast.send(supplier, "CapacityToken", "mint", operator.address, size)
    stake_bond(operator, artifacts, deployment, size)
    return cast
