"""An EIP-1193 wallet injected into the page: `window.ethereum.request` calls back into
the test process, which signs with a Hardhat development key (eth-account) and sends
transactions to the session node. Every request is recorded for assertions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_typing import ChecksumAddress
from web3 import Web3

INIT_SCRIPT = """
window.ethereum = {
  isFlowmarketTestWallet: true,
  request: ({ method, params }) => window.__walletRequest(method, params || []),
  on() {}, removeListener() {},
};
"""


@dataclass
class DevWallet:
    """Signs as `key`; `calls` lists (method, params) in order."""

    w3: Web3
    key: str
    calls: list[tuple[str, list[Any]]] = field(default_factory=list)

    @property
    def address(self) -> ChecksumAddress:
        return Web3.to_checksum_address(Account.from_key(self.key).address)

    def request(self, method: str, params: list[Any]) -> Any:
        self.calls.append((method, params))
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [self.address]
        if method == "eth_chainId":
            return hex(self.w3.eth.chain_id)
        if method == "personal_sign":
            message, address = params
            assert address.lower() == self.address.lower(), "personal_sign for another account"
            signed = Account.sign_message(encode_defunct(hexstr=message), self.key)
            return "0x" + bytes(signed.signature).hex()
        if method == "eth_signTypedData_v4":
            address, document = params
            assert address.lower() == self.address.lower(), "typed data for another account"
            signed = Account.sign_typed_data(self.key, full_message=json.loads(document))
            return "0x" + bytes(signed.signature).hex()
        if method == "eth_sendTransaction":
            return self._send(params[0])
        response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return json.loads(Web3.to_json(response["result"]))

    def _send(self, tx: dict[str, Any]) -> str:
        assert tx["from"].lower() == self.address.lower(), "transaction from another account"
        call = {"from": self.address, "to": Web3.to_checksum_address(tx["to"]), "data": tx["data"]}
        full = {
            **call,
            "nonce": self.w3.eth.get_transaction_count(self.address, "pending"),
            "gas": int(self.w3.eth.estimate_gas(call, "pending") * 1.2) + 10_000,  # type: ignore[arg-type]
            "gasPrice": self.w3.eth.gas_price,
            "chainId": self.w3.eth.chain_id,
        }
        signed = Account.sign_transaction(full, self.key)
        return "0x" + bytes(self.w3.eth.send_raw_transaction(signed.raw_transaction)).hex()

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]


SHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG under build/screenshots, for looking at the pages as a user."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
