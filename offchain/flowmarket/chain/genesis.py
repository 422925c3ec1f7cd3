"""The genesis of a deployment: who holds the governance tokens, who supplies capacity,
who guards the market. Read from a JSON file (`flowmarket deploy --genesis FILE`):

    {
      "allocations": {"0xAbc…": "300000000000000000000000", "treasury": "400000…"},
      "suppliers": ["0xDef…"],
      "guardian": "timelock"
    }

- `allocations`: governance-token wei per holder (decimal strings or integers, each > 0).
  The key `treasury` is the timelock, which governance spends from; every other key is
  an address. The supply is their sum, minted once at deployment: the deployer gets
  nothing unless the file names it, and `deploy` refuses a file that does.
- `suppliers`: addresses granted `SUPPLIER_ROLE` on the capacity token (may be empty;
  governance grants more later). Not the deployer.
- `guardian`: `timelock` (the default), or the address of a contract (a multi-signer):
  never a single key. It may pause the market and delete a settlement root in its
  challenge window.

Unknown keys are an error naming the key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils.address import is_address, to_checksum_address

from flowmarket.errors import FieldError, InvalidInput

TREASURY = "treasury"
TIMELOCK = "timelock"
FIELDS = ("allocations", "suppliers", "guardian")


@dataclass(frozen=True)
class Genesis:
    """allocations: {checksummed address or "treasury": wei}; suppliers: checksummed
    addresses; guardian: "timelock" or a checksummed contract address."""

    allocations: dict[str, int]
    suppliers: tuple[str, ...] = ()
    guardian: str = TIMELOCK

    @property
    def supply(self) -> int:
        return sum(self.allocations.values())

    def holders(self, timelock: str) -> tuple[list[str], list[int]]:
        """(holders, amounts) for the token's constructor: "treasury" resolved to the
        timelock, addresses in strictly increasing order (the contract checks it)."""
        resolved: dict[str, int] = {}
        for holder, amount in self.allocations.items():
            address = to_checksum_address(timelock) if holder == TREASURY else holder
            if address in resolved:
                raise FieldError(
                    "genesis.allocations", f"{address} is both the treasury and a holder"
                )
            resolved[address] = amount
        ordered = sorted(resolved, key=lambda a: int(a, 16))
        return ordered, [resolved[a] for a in ordered]

    def guardian_address(self, timelock: str) -> str:
        return to_checksum_address(timelock) if self.guardian == TIMELOCK else self.guardian


def parse_genesis(raw: Any, *, source: str = "genesis") -> Genesis:
    """Validate a genesis document; `FieldError` names the offending field."""
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{source}: expected a JSON object")
    for key in raw:
        if key not in FIELDS:
            raise FieldError(f"{source}.{key}", f"unknown field (expected one of {FIELDS})")
    allocations = _allocations(raw.get("allocations"), f"{source}.allocations")
    suppliers = raw.get("suppliers", [])
    if not isinstance(suppliers, list):
        raise FieldError(f"{source}.suppliers", "must be a list of addresses")
    checked = tuple(_address(s, f"{source}.suppliers[{i}]") for i, s in enumerate(suppliers))
    if len(set(checked)) != len(checked):
        raise FieldError(f"{source}.suppliers", "an address appears twice")
    guardian = raw.get("guardian", TIMELOCK)
    if guardian != TIMELOCK:
        guardian = _address(guardian, f"{source}.guardian")
    return Genesis(allocations, checked, guardian)


def load_genesis(path: Path) -> Genesis:
    """Read and validate a genesis file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"--genesis: cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise InvalidInput(f"--genesis: {path} is not JSON ({exc})") from None
    return parse_genesis(raw, source=path.name)


def _allocations(raw: Any, where: str) -> dict[str, int]:
    if not isinstance(raw, Mapping) or not raw:
        raise FieldError(where, "must be a non-empty object {holder: wei}")
    out: dict[str, int] = {}
    for holder, amount in raw.items():
        key = TREASURY if holder == TREASURY else _address(holder, f"{where}.{holder}")
        if key in out:
            raise FieldError(f"{where}.{holder}", "the holder appears twice")
        out[key] = _wei(amount, f"{where}.{holder}")
    return out


def _address(value: Any, where: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise FieldError(where, f"not an address: {value!r}")
    return str(to_checksum_address(value))


def _wei(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(where, "must be an integer number of wei (a decimal string or integer)")
    try:
        amount = int(value)
    except ValueError:
        raise FieldError(where, f"not an integer: {value!r}") from None
    if amount <= 0 or amount >= 2**208:
        raise FieldError(where, f"must be in [1, 2**208), got {amount}")
    return amount
