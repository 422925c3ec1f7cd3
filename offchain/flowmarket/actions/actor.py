"""Who acts, on which deployed market: reads, gas estimates and calldata without a key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.types import TxParams

from flowmarket.chain.build import ArtifactSet, load_artifacts
from flowmarket.chain.deploy import Deployment, load_deployment
from flowmarket.chain.errors import ErrorDecoder
from flowmarket.chain.market import Market
from flowmarket.chain.node import resolve_rpc_url
from flowmarket.config import Settings
from flowmarket.errors import ChainError, ChainUnavailable


@dataclass(frozen=True)
class Actor:
    """`address` on the market of `deployment`, reached through `w3`. Reverts of reads and
    estimates become `TransactionReverted` with the decoder's sentence."""

    w3: Web3
    deployment: Deployment
    artifacts: ArtifactSet
    decoder: ErrorDecoder
    address: str

    @classmethod
    def of(cls, market: Market) -> Actor:
        """The signing key of `market` as the actor (the CLI, the demo)."""
        client = market.client
        return cls(client.w3, market.deployment, market.artifacts, client.decoder, client.address)

    @classmethod
    def reading(
        cls, w3: Web3, deployment: Deployment, artifacts: ArtifactSet, address: str
    ) -> Actor:
        """An actor without a key (the web pages: the browser's wallet signs)."""
        decoder = ErrorDecoder(artifacts.values())
        return cls(w3, deployment, artifacts, decoder, Web3.to_checksum_address(address))

    @classmethod
    def watching(cls, settings: Settings, address: str) -> Actor:
        """`address` on the market of the deployment file, without a key (status reads)."""
        deployment = load_deployment(settings)
        rpc_url = resolve_rpc_url(settings)
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": settings.tx_timeout_s}))
        try:
            chain_id = int(w3.eth.chain_id)
        except Exception as exc:  # requests' and web3's connection errors
            raise ChainUnavailable(f"no JSON-RPC node answers at {rpc_url}: {exc}") from None
        deployment.require_chain(chain_id)
        return cls.reading(w3, deployment, load_artifacts(settings), address)

    def address_of(self, name: str) -> str:
        try:
            return Web3.to_checksum_address(self.deployment.addresses[name])
        except KeyError:
            raise ChainError(f"the deployment has no {name}") from None

    def contract(self, name: str) -> Contract:
        address = Web3.to_checksum_address(self.address_of(name))
        return self.w3.eth.contract(address=address, abi=self.artifacts[name].abi)

    def read(self, function: ContractFunction, *, sender: str | None = None) -> Any:
        """A view call (as `sender`, default this actor)."""
        try:
            return function.call({"from": sender or self.address})
        except ContractLogicError as exc:
            raise self.decoder.reverted(_label(function), exc) from None

    def estimate(self, function: ContractFunction, *, label: str = "") -> int:
        """Gas the actor's transaction `function` would use now."""
        params: TxParams = {"from": self.address}
        try:
            return int(function.estimate_gas(params, block_identifier="pending"))
        except ContractLogicError as exc:
            raise self.decoder.reverted(label or _label(function), exc) from None

    def now(self) -> int:
        """The latest block's timestamp (Unix seconds): the clock the contracts check."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def token_balance(self, token: str = "CapacityToken", owner: str | None = None) -> int:
        return int(self.read(self.contract(token).functions.balanceOf(owner or self.address)))

    def allowance(self, spender: str, token: str = "CapacityToken") -> int:
        functions = self.contract(token).functions
        return int(self.read(functions.allowance(self.address, self.address_of(spender))))


def _label(function: ContractFunction) -> str:
    return str(getattr(function, "fn_name", "call"))
