"""EIP-712 typed data for the network operator's metered usage of one delivered hour.

Same domain as orders (name "flowmarket", version "1", chain id, the ClearingLedger).
Struct type (a Solidity or JavaScript twin must use this exact string):

    UsageReport(address operator,uint64 hour,bytes32[] products,
                address[] participants,uint256[] quantities)

Entry k says participant `participants[k]` used `quantities[k]` × 10^-18 GB of the
real-time product whose id is `products[k]` (`keccak256(bytes(name))`, the name
`rt:REGION:TYPE:YYYY-MM-DDTHH` of delivery hour `hour`). Entries are listed in
ascending (product name, participant address lower-cased) order. The report's id is
its EIP-712 digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from flowmarket.signing.fixed_point import product_id
from flowmarket.signing.struct_hash import type_hash, word_address, word_uint

USAGE_REPORT_TYPE_STRING = (
    "UsageReport(address operator,uint64 hour,bytes32[] products,"
    "address[] participants,uint256[] quantities)"
)


@dataclass(frozen=True)
class UsageReportMessage:
    """entries: (real-time product name, participant, 10^-18 GB ≥ 0)."""

    operator: str
    hour: int
    entries: tuple[tuple[str, str, int], ...]

    def sorted_entries(self) -> list[tuple[str, str, int]]:
        return sorted(self.entries, key=lambda e: (e[0], e[1].lower()))

    def struct(self) -> dict[str, Any]:
        entries = self.sorted_entries()
        return {
            "operator": to_checksum_address(self.operator),
            "hour": self.hour,
            "products": [product_id(name) for name, _, _ in entries],
            "participants": [to_checksum_address(who) for _, who, _ in entries],
            "quantities": [q for _, _, q in entries],
        }

    def struct_hash(self) -> bytes:
        """`hashStruct(message)` by byte packing (the bytes eth-account's encoder gives)."""
        entries = self.sorted_entries()
        return keccak(
            type_hash(USAGE_REPORT_TYPE_STRING)
            + word_address(self.operator)
            + word_uint(self.hour)
            + keccak(b"".join(product_id(name) for name, _, _ in entries))
            + keccak(b"".join(word_address(who) for _, who, _ in entries))
            + keccak(b"".join(word_uint(q) for _, _, q in entries))
        )
