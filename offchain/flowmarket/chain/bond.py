"""The oracle's bond (`OracleBond`): capacity tokens the market operator stakes behind the
oracle key. A weekly settlement root is accepted only while the bond holds its governed
size; a challenge that proves a root wrong pays the size to the challenger
(docs/settlement.md). Anyone may stake; only governance (the timelock) releases.
"""

from __future__ import annotations

from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment


def bond_size(client: ChainClient, artifacts: ArtifactSet, deployment: Deployment) -> int:
    """The bond's governed size, capacity-token wei."""
    bond = client.contract(artifacts["OracleBond"], deployment.addresses["OracleBond"])
    return int(client.call(bond.functions.size()))


def stake_bond(
    client: ChainClient, artifacts: ArtifactSet, deployment: Deployment, amount: int
) -> None:
    """As `client`, which holds `amount` capacity-token wei: approve the bond and stake them."""
    address = deployment.addresses["OracleBond"]
    token = client.contract(artifacts["CapacityToken"], deployment.addresses["CapacityToken"])
    client.transact(token.functions.approve(address, amount), label="approve the oracle bond")
    bond = client.contract(artifacts["OracleBond"], address)
    client.transact(bond.functions.stake(amount), label="stake the oracle bond")


def fund_and_stake_bond(
    rpc_url: str,
    artifacts: ArtifactSet,
    deployment: Deployment,
    *,
    supplier_key: str,
    operator_key: str,
    timeout_s: float = 60.0,
) -> int:
    """A local market's operator set-up (the demo, tests, benchmarks): a capacity supplier
    mints the bond's size to the operator, which stakes it. Returns the size (wei)."""
    supplier = ChainClient(rpc_url, supplier_key, artifacts=artifacts.values(), timeout_s=timeout_s)
    operator = ChainClient(rpc_url, operator_key, artifacts=artifacts.values(), timeout_s=timeout_s)
    size = bond_size(operator, artifacts, deployment)
    token = supplier.contract(artifacts["CapacityToken"], deployment.addresses["CapacityToken"])
    supplier.transact(token.functions.mint(operator.address, size), label="mint the bond")
    stake_bond(operator, artifacts, deployment, size)
    return size
