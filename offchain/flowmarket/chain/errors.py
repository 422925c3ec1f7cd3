"""Decode revert data into the custom error that caused it, using the contracts' ABIs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils.crypto import keccak
from web3.exceptions import ContractLogicError

from flowmarket.chain.build import Artifact
from flowmarket.chain.revert_messages import sentence
from flowmarket.errors import TransactionReverted

# Error(string) and Panic(uint256), the two errors the compiler itself emits.
BUILTIN_ERRORS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "0x08c379a0": ("Error", [{"name": "message", "type": "string"}]),
    "0x4e487b71": ("Panic", [{"name": "code", "type": "uint256"}]),
}


def _signature_type(entry: dict[str, Any]) -> str:
    if entry["type"].startswith("tuple"):
        inner = ",".join(_signature_type(component) for component in entry["components"])
        return f"({inner}){entry['type'][5:]}"
    return str(entry["type"])


class ErrorDecoder:
    """Maps 4-byte selectors to the custom errors declared in any known ABI."""

    def __init__(self, artifacts: Iterable[Artifact]) -> None:
        self._errors: dict[str, tuple[str, list[dict[str, Any]]]] = dict(BUILTIN_ERRORS)
        for artifact in artifacts:
            for entry in artifact.abi:
                if entry.get("type") != "error":
                    continue
                types = ",".join(_signature_type(arg) for arg in entry.get("inputs", []))
                selector = "0x" + keccak(text=f"{entry['name']}({types})")[:4].hex()
                self._errors[selector] = (entry["name"], entry.get("inputs", []))

    def reverted(self, label: str, exc: ContractLogicError) -> TransactionReverted:
        """The `TransactionReverted` for web3's revert `exc`: `label: <sentence> (Name(...))`,
        with the decoded error's name and arguments on the exception."""
        data = revert_data(exc)
        decoded = self.decode(data)
        return TransactionReverted(
            f"{label}: {self.explain(data)}",
            error=decoded.name if decoded else "",
            args=decoded.args if decoded else None,
        )

    def decode(self, data: str | bytes | None) -> DecodedError | None:
        """The known error in `data` with its arguments by ABI name; None otherwise."""
        raw = _raw(data)
        if raw is None or len(raw) < 4:
            return None
        known = self._errors.get("0x" + raw[:4].hex())
        if known is None:
            return None
        name, inputs = known
        try:
            values = decode([_signature_type(arg) for arg in inputs], raw[4:])
        except DecodingError:
            return None
        names = [arg.get("name") or f"arg{i}" for i, arg in enumerate(inputs)]
        return DecodedError(name, dict(zip(names, values, strict=True)))

    def explain(self, data: str | bytes | None) -> str:
        """One sentence of what happened and what to do, naming the error:
        `<sentence> (Name(arg=value, ...))`; just `Name(...)` for an error without one."""
        described = self.describe(data)
        decoded = self.decode(data)
        told = sentence(decoded.name, decoded.args) if decoded else None
        return described if told is None else f"{told} ({described})"

    def describe(self, data: str | bytes | None) -> str:
        """`Name(arg=value, ...)` for known errors, the raw hex otherwise."""
        raw = _raw(data)
        if raw is None or not raw:
            return "reverted without data"
        if len(raw) < 4:
            return f"reverted with 0x{raw.hex()}"
        known = self._errors.get("0x" + raw[:4].hex())
        if known is None:
            return f"reverted with unknown error 0x{raw.hex()}"
        decoded = self.decode(raw)
        if decoded is None:
            return f"{known[0]}(<undecodable arguments 0x{raw[4:].hex()}>)"
        rendered = ", ".join(f"{key}={_render(value)}" for key, value in decoded.args.items())
        return f"{decoded.name}({rendered})"


@dataclass(frozen=True)
class DecodedError:
    """A custom error: its name and its arguments by ABI name (web3/eth-abi values)."""

    name: str
    args: dict[str, Any]


def _raw(data: str | bytes | None) -> bytes | None:
    if data is None:
        return None
    return data if isinstance(data, bytes) else bytes.fromhex(data.removeprefix("0x"))


def revert_data(exc: ContractLogicError) -> str | None:
    """The 0x-hex revert data web3 attached to `exc` (None when the node sent none)."""
    data = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return data
    return None


def _render(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
