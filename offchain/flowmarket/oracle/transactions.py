"""The oracle's transactions: signed with an explicit nonce, sent, and awaited.

`sign_call` estimates (a revert becomes `TransactionReverted` with the decoded custom
error), takes the nonce from the node's pending count (the oracle's key sends from one
process and awaits every receipt, so the pending count is exact) and signs. The signed
bytes and hash exist before anything is sent, so the commit step can journal them
first and, after a crash, find out from the chain whether that very transaction landed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hexbytes import HexBytes
from web3.exceptions import ContractLogicError, TransactionNotFound
from web3.types import Nonce, TxParams, TxReceipt, Wei

from flowmarket.chain.client import GAS_HEADROOM, ChainClient
from flowmarket.errors import TransactionReverted


@dataclass(frozen=True)
class SignedTx:
    """nonce; tx_hash and raw as 0x hex."""

    label: str
    nonce: int
    tx_hash: str
    raw: str


def sign_call(client: ChainClient, call: Any, *, label: str) -> SignedTx:
    """Estimate and sign `call` (a contract function) with the next pending nonce."""
    params: TxParams = {"from": client.account.address, "value": Wei(0)}
    try:
        gas = call.estimate_gas(params)
    except ContractLogicError as exc:
        raise client.decoder.reverted(label, exc) from None
    nonce = int(client.w3.eth.get_transaction_count(client.account.address, "pending"))
    params.update(
        {"gas": int(gas * GAS_HEADROOM), "nonce": Nonce(nonce), "chainId": client.chain_id}
    )
    signed = client.account.sign_transaction(call.build_transaction(params))
    return SignedTx(
        label=label,
        nonce=nonce,
        tx_hash="0x" + bytes(signed.hash).hex(),
        raw="0x" + bytes(signed.raw_transaction).hex(),
    )


def broadcast(client: ChainClient, signed: SignedTx) -> None:
    """Hand the signed bytes to the node; a node that already has them is fine."""
    try:
        client.w3.eth.send_raw_transaction(HexBytes(signed.raw))
    except ValueError as exc:
        if "already known" not in str(exc).lower():
            raise


def wait_receipt(client: ChainClient, signed_hash: str, *, label: str) -> TxReceipt:
    """The receipt of a sent transaction; `TransactionReverted` when it reverted."""
    receipt = client.w3.eth.wait_for_transaction_receipt(
        HexBytes(signed_hash), timeout=client.timeout_s
    )
    if receipt["status"] != 1:
        raise TransactionReverted(f"{label}: reverted in block {receipt['blockNumber']}")
    return receipt


def find_receipt(client: ChainClient, tx_hash: str) -> TxReceipt | None:
    try:
        return client.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
    except TransactionNotFound:
        return None


def is_known(client: ChainClient, tx_hash: str) -> bool:
    """True when the node has the transaction (pending or mined)."""
    try:
        client.w3.eth.get_transaction(HexBytes(tx_hash))
    except TransactionNotFound:
        return False
    return True


def mined_nonce(client: ChainClient) -> int:
    """The account's nonce counting mined transactions only."""
    return int(client.w3.eth.get_transaction_count(client.account.address, "latest"))


def transact(client: ChainClient, call: Any, *, label: str) -> TxReceipt:
    """Sign, send and await `call` (for the steps whose state the chain itself records)."""
    signed = sign_call(client, call, label=label)
    broadcast(client, signed)
    return wait_receipt(client, signed.tx_hash, label=label)
