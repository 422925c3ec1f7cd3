"""Set the market up for the cast: deploy, fund with ETH, mint capacity tokens, deposit
collateral, allow settlement pulls, hand out and delegate governance tokens.

The demo deploy profile makes the deployer a supplier (`SUPPLIER_ROLE`), so it mints
every participant's capacity tokens; it also holds the whole governance supply and
sells shares of it to the cast, which delegates its votes to itself (votes count from
the block after delegation, before any proposal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from web3 import Web3

from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile
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


# Share of the governance supply (basis points) sold to each role; the deployer keeps the
# rest undelegated, so it never votes.
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


def deploy(settings: Settings, artifacts: ArtifactSet, rpc_url: str) -> Deployment:
    """Deploy the demo profile; genesis is the node's current hour."""
    return deploy_market(settings, artifacts, rpc_url=rpc_url, profile=get_profile("demo"))


def _send_eth(w3: Web3, key: str, to: str, value: int, chain_id: int) -> None:
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
    """ETH, capacity tokens, `collateral` wei in the vault (and twice that free), allowances
    and delegated governance tokens for every wallet; returns the cast with a client per
    wallet (and "deployer")."""
    deployer = ChainClient(
        rpc_url,
        settings.deployer_key,
        artifacts=artifacts.values(),
        timeout_s=settings.tx_timeout_s,
    )
    cast = Cast(deployment, artifacts, wallets, {"deployer": deployer})
    supply = deployment.governance["governance_supply"]
    addresses = deployment.addresses
    for wallet in wallets.values():  # before `deployer` counts its own nonces
        _send_eth(
            deployer.w3, settings.deployer_key, wallet.address, ETH_PER_WALLET, deployment.chain_id
        )
    for k, wallet in enumerate(wallets.values(), start=1):
        emit(DemoEvent("setup", k, len(wallets), f"funding {wallet.agent} ({wallet.role})"))
        cast.clients[wallet.agent] = ChainClient(
            rpc_url, wallet.key, artifacts=artifacts.values(), timeout_s=settings.tx_timeout_s
        )
        me, who = wallet.address, wallet.agent
        cast.send("deployer", "CapacityToken", "mint", me, 3 * collateral)
        cast.send(who, "CapacityToken", "approve", addresses["CollateralVault"], collateral)
        cast.send(who, "CollateralVault", "deposit", collateral)
        cast.send(who, "CapacityToken", "approve", addresses["WeeklySettlement"], MAX_ALLOWANCE)
        share = supply * GOVERNANCE_SHARE_BPS.get(wallet.role, 0) // 10_000
        if share:
            cast.send("deployer", "GovernanceToken", "transfer", me, share)
            cast.send(who, "GovernanceToken", "delegate", me)
    return cast
