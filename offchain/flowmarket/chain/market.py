"""A connection to the deployed market: the deployment file, artifacts and one signing key."""

from __future__ import annotations

from dataclasses import dataclass

from web3.contract import Contract

from flowmarket.chain.build import ArtifactSet, load_artifacts
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment, load_deployment
from flowmarket.chain.node import resolve_rpc_url
from flowmarket.config import Settings
from flowmarket.errors import ChainError


@dataclass(frozen=True)
class Market:
    """The deployed contracts, reached through `client` (which signs as one key)."""

    deployment: Deployment
    artifacts: ArtifactSet
    client: ChainClient

    def contract(self, name: str) -> Contract:
        try:
            address = self.deployment.addresses[name]
        except KeyError:
            known = ", ".join(sorted(self.deployment.addresses))
            raise ChainError(f"the deployment has no {name} (it has {known})") from None
        return self.client.contract(self.artifacts[name], address)


def connect_market(settings: Settings, *, key: str, rpc_url: str | None = None) -> Market:
    """Connect as `key` to the market of `settings.deployment_file`, checking the chain id."""
    deployment = load_deployment(settings)
    artifacts = load_artifacts(settings)
    client = ChainClient(
        resolve_rpc_url(settings, rpc_url),
        key,
        artifacts=artifacts.values(),
        timeout_s=settings.tx_timeout_s,
    )
    deployment.require_chain(client.chain_id)
    return Market(deployment=deployment, artifacts=artifacts, client=client)
