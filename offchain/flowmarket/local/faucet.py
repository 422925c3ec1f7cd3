"""The local market's faucet: ETH for gas and capacity tokens for a fresh wallet.

On a local chain only (`state.LOCAL_CHAIN_IDS`): the deployer key (a development
account the node funds) sends the ETH and the genesis supplier of the local market's
cast mints the capacity tokens, so a new wallet (a CLI keystore or a browser wallet)
can deposit collateral and trade. On any other chain id it refuses before sending.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from eth_utils.address import is_address, to_checksum_address
from web3 import Web3

from flowmarket.chain.build import load_artifacts
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import load_deployment
from flowmarket.chain.node import resolve_rpc_url
from flowmarket.config import Settings
from flowmarket.demo.setup import SUPPLIER_ROLE_NAME, send_eth
from flowmarket.errors import ActionRefused, FieldError
from flowmarket.local.state import LOCAL_CHAIN_IDS, load_cast
from flowmarket.money import WAD

FAUCET_ETH_WEI = 10 * WAD  # 10 ETH: thousands of transactions on a local node
DEFAULT_TOKENS_WEI = 10_000 * WAD
MAX_TOKENS_WEI = 1_000_000 * WAD
_GIVING = threading.Lock()  # one grant at a time: the keys' nonces are read per grant


@dataclass(frozen=True)
class Grant:
    """What one faucet call sent: wei of ETH and of capacity tokens to `address`."""

    address: str
    eth_wei: int
    tokens_wei: int
    chain_id: int


def check_local_chain(chain_id: int) -> None:
    if chain_id not in LOCAL_CHAIN_IDS:
        ids = " or ".join(str(c) for c in LOCAL_CHAIN_IDS)
        raise ActionRefused(
            f"chain id {chain_id} is not a local chain ({ids}): the faucet gives test ETH "
            "and capacity tokens on a local market only"
        )


def recipient(address: str) -> str:
    if not is_address(address.strip()):
        raise FieldError("address", f"not a 0x address of 20 bytes: {address!r}")
    checksummed = str(to_checksum_address(address.strip()))
    if int(checksummed, 16) == 0:
        raise FieldError("address", "the zero address cannot hold tokens")
    return checksummed


def check_tokens(tokens_wei: int) -> None:
    if not 0 <= tokens_wei <= MAX_TOKENS_WEI:
        raise FieldError(
            "tokens", f"must be between 0 and {MAX_TOKENS_WEI // WAD:,} capacity tokens"
        )


@dataclass
class Faucet:
    """Gives on the market of `settings` (its deployment file and node)."""

    settings: Settings

    def give(self, address: str, tokens_wei: int = DEFAULT_TOKENS_WEI) -> Grant:
        """Send FAUCET_ETH_WEI and mint `tokens_wei` capacity tokens to `address`."""
        to = recipient(address)
        check_tokens(tokens_wei)
        settings = self.settings
        rpc_url = resolve_rpc_url(settings)
        with _GIVING:
            deployer = ChainClient(rpc_url, settings.deployer_key, timeout_s=settings.tx_timeout_s)
            chain_id = deployer.chain_id
            check_local_chain(chain_id)
            deployment = load_deployment(settings)
            deployment.require_chain(chain_id)
            supplier = next(
                (w for w in load_cast(settings).values() if w.role == SUPPLIER_ROLE_NAME), None
            )
            if supplier is None:
                raise ActionRefused("the local market's cast has no capacity supplier to mint")
            send_eth(deployer.w3, settings.deployer_key, to, FAUCET_ETH_WEI, chain_id)
            if tokens_wei > 0:
                artifacts = load_artifacts(settings)
                minter = ChainClient(
                    rpc_url,
                    supplier.key,
                    artifacts=artifacts.values(),
                    timeout_s=settings.tx_timeout_s,
                )
                token = minter.contract(
                    artifacts["CapacityToken"], deployment.addresses["CapacityToken"]
                )
                minter.transact(token.functions.mint(to, tokens_wei), label="CapacityToken.mint")
        return Grant(Web3.to_checksum_address(to), FAUCET_ETH_WEI, tokens_wei, chain_id)
