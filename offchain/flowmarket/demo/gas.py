"""Gas used on the demo's chain, by kind of transaction (contract.function).

The demo owns its node, so every transaction on it is the demo's: blocks 1 … latest
are read back and each transaction is named from the deployment's addresses and the
artifacts' ABIs (a contract creation is `deploy <Contract>`, a plain value transfer
`ETH transfer`).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.abi import function_abi_to_4byte_selector
from web3 import Web3

from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.deploy import Deployment
from flowmarket.errors import ChainError


@dataclass(frozen=True)
class GasLine:
    kind: str
    transactions: int
    gas: int


def _names(deployment: Deployment, artifacts: ArtifactSet) -> dict[tuple[str, bytes], str]:
    names: dict[tuple[str, bytes], str] = {}
    for contract, address in deployment.addresses.items():
        for entry in artifacts[contract].abi:
            if entry.get("type") == "function":
                selector = function_abi_to_4byte_selector(entry)  # type: ignore[arg-type]
                names[(address.lower(), selector)] = f"{contract}.{entry['name']}"
    return names


def gas_by_kind(w3: Web3, deployment: Deployment, artifacts: ArtifactSet) -> list[GasLine]:
    """(kind, transactions, gas) sorted by gas, largest first."""
    names = _names(deployment, artifacts)
    created = {address.lower(): name for name, address in deployment.addresses.items()}
    totals: dict[str, list[int]] = {}
    for number in range(1, int(w3.eth.block_number) + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        transactions = block["transactions"]
        for tx in transactions:
            if isinstance(tx, bytes):  # full_transactions=True: the node sent only a hash
                raise ChainError(f"block {number}: the node did not return full transactions")
            if len(transactions) == 1 and tx["to"] is not None:
                # automine: one transaction per block, whose gas is the block's
                kind, gas = _kind(tx, None, names, created), int(block["gasUsed"])
            else:
                receipt = w3.eth.get_transaction_receipt(tx["hash"])
                kind, gas = _kind(tx, receipt, names, created), int(receipt["gasUsed"])
            line = totals.setdefault(kind, [0, 0])
            line[0] += 1
            line[1] += gas
    lines = [GasLine(kind, n, gas) for kind, (n, gas) in totals.items()]
    return sorted(lines, key=lambda line: -line.gas)


def _kind(
    tx: object, receipt: object, names: dict[tuple[str, bytes], str], created: dict[str, str]
) -> str:
    to = tx["to"]  # type: ignore[index]
    data = bytes(tx["input"])  # type: ignore[index]
    if to is None:
        address = str(receipt["contractAddress"] or "").lower()  # type: ignore[index]
        return f"deploy {created.get(address, 'contract')}"
    if not data:
        return "ETH transfer"
    return names.get((str(to).lower(), data[:4]), "other call")
