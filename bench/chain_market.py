"""A benchmark's market on a local node: the demo profile deployed, and wallets funded
with capacity tokens deposited as collateral, in JSON-RPC batches (thousands of wallets
in seconds, where one transaction at a time would take minutes).

Used by bench/oracle_cycle.py (the oracle's hour) and bench/api_load.py (the API checks
every order against the chain's limits and the participant's collateral, as in
production).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from flowmarket.chain.build import ArtifactSet, compile_contracts
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile
from flowmarket.chain.genesis import TREASURY, Genesis
from flowmarket.chain.node import LocalNode
from flowmarket.config import HARDHAT_DEV_KEYS, Settings
from flowmarket.money import WAD

COLLATERAL = 1_000_000 * WAD  # each participant's vault deposit: backs every order it places
SUPPLIER_KEY = HARDHAT_DEV_KEYS[2]  # mints the capacity tokens (genesis supplier)


@dataclass(frozen=True)
class BenchMarket:
    """A deployed market on a running node (its deployment file is in the settings'
    state directory)."""

    settings: Settings
    artifacts: ArtifactSet
    deployment: Deployment


@contextmanager
def bench_market(
    base: Settings, wallets: list[LocalAccount], genesis_hour: int | None = None
) -> Iterator[BenchMarket]:
    """A local node with the demo profile deployed (genesis hour: the node's, or the one
    given) and `COLLATERAL` in the vault for every wallet; the node stops on exit."""
    artifacts = compile_contracts(base).artifacts
    supplier = Account.from_key(SUPPLIER_KEY)
    with LocalNode(base) as node:
        settings = replace(base, rpc_url=node.rpc_url)
        deployment = deploy_market(
            settings,
            artifacts,
            rpc_url=node.rpc_url,
            profile=get_profile("demo"),
            genesis=Genesis({TREASURY: 1_000_000 * WAD}, suppliers=(str(supplier.address),)),
            genesis_hour=genesis_hour,
        )
        deposit_collateral(Web3(Web3.HTTPProvider(node.rpc_url)), artifacts, deployment, wallets)
        yield BenchMarket(settings, artifacts, deployment)


def deposit_collateral(
    w3: Web3, artifacts: ArtifactSet, deployment: Deployment, wallets: list[LocalAccount]
) -> None:
    """Each wallet gets ETH (the node's `hardhat_setBalance`), `COLLATERAL` capacity tokens
    minted by the genesis supplier, and deposits them in the vault: the snapshot's
    collateral rule then keeps the orders. Transactions go in JSON-RPC batches, one stage
    at a time (mint, approve, deposit), and the vault's total is checked at the end."""
    addresses = deployment.addresses
    token = w3.eth.contract(
        Web3.to_checksum_address(addresses["CapacityToken"]), abi=artifacts["CapacityToken"].abi
    )
    vault = w3.eth.contract(
        Web3.to_checksum_address(addresses["CollateralVault"]), abi=artifacts["CollateralVault"].abi
    )
    supplier = Account.from_key(SUPPLIER_KEY)
    w3.provider.make_batch_request(  # type: ignore[attr-defined]
        [("hardhat_setBalance", [w.address, hex(10**21)]) for w in wallets]
    )
    chain_id, gas_price = w3.eth.chain_id, 2 * w3.eth.gas_price
    first = w3.eth.get_transaction_count(supplier.address)

    def send(stage: list[tuple[LocalAccount, Any, int]]) -> None:
        raw = []
        for who, call, nonce in stage:
            tx = call.build_transaction(
                {
                    "from": who.address,
                    "nonce": nonce,
                    "gas": 200_000,
                    "gasPrice": gas_price,
                    "chainId": chain_id,
                }
            )
            raw.append(
                ("eth_sendRawTransaction", [who.sign_transaction(tx).raw_transaction.to_0x_hex()])
            )
        # The node takes the stage's transactions into its pool (a batch's requests arrive
        # in any order, which automining refuses), then mines blocks until all are in.
        batch = w3.provider.make_batch_request  # type: ignore[attr-defined]
        w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
        hashes: list[str] = []
        for k in range(0, len(raw), 200):
            answers = batch(raw[k : k + 200])
            failed = [a["error"] for a in answers if "error" in a]
            if failed:
                raise SystemExit(f"collateral: the node refused a transaction: {failed[0]}")
            hashes += [str(a["result"]) for a in answers]
        while hashes:
            w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
            answers = batch([("eth_getTransactionReceipt", [h]) for h in hashes])
            if any(a["result"] and int(a["result"]["status"], 16) != 1 for a in answers):
                raise SystemExit("collateral: a mint, approve or deposit transaction reverted")
            hashes = [h for h, a in zip(hashes, answers, strict=True) if not a["result"]]
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]

    send(
        [
            (supplier, token.functions.mint(w.address, COLLATERAL), first + k)
            for k, w in enumerate(wallets)
        ]
    )
    send([(w, token.functions.approve(vault.address, COLLATERAL), 0) for w in wallets])
    send([(w, vault.functions.deposit(COLLATERAL), 1) for w in wallets])
    total = int(vault.functions.totalCollateral().call())
    if total != COLLATERAL * len(wallets):
        raise SystemExit(f"collateral: the vault holds {total} wei, not {COLLATERAL} per wallet")
