"""EIP-712 typed data for a participant's report of its expected positions.

Same domain as orders and cancels (name "flowmarket", version "1", chain id, the
ClearingLedger). Struct type (a Solidity or JavaScript twin must use this exact string):

    ExpectedPositions(address participant,uint256 nonce,uint64 deadline,
                      bytes32[] products,int256[] quantities)

- `products[k]` is `keccak256(bytes(name))`, listed in ascending order of product name
  (Python `sorted`, by code point), as in `Order`; `quantities[k]` is the expected
  position in `products[k]`, GB/h, int256 fixed point with 18 decimals (negative =
  expects to be short). A quantity of 0 withdraws the report for that product.
- `nonce` orders a participant's reports: each must exceed the last one accepted (a
  sequence of its own, separate from order nonces).
- `deadline` is Unix seconds; the report is refused once the server's clock reaches it.
- The report's id is its EIP-712 digest; the operator acknowledges it with a
  `Receipt(orderHash = report id, participant, nonce, "expected-positions", recordedAt)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from flowmarket.hashing import keccak
from flowmarket.signing.fixed_point import product_id, to_fixed
from flowmarket.signing.struct_hash import type_hash, word_address, word_int, word_uint

EXPECTED_POSITIONS_TYPE_STRING = (
    "ExpectedPositions(address participant,uint256 nonce,uint64 deadline,"
    "bytes32[] products,int256[] quantities)"
)


@dataclass(frozen=True)
class ExpectedPositionsMessage:
    """A batch {product: GB/h} of expected positions, as signed by the participant."""

    participant: str
    nonce: int
    deadline: int
    positions: dict[str, float]

    def fixed_quantities(self) -> list[tuple[str, int]]:
        """(product, quantity × 10¹⁸) sorted by product name; FieldError when not exact."""
        return [
            (name, to_fixed(self.positions[name], field=f"report.positions.{name}"))
            for name in sorted(self.positions)
        ]

    def struct(self) -> dict[str, Any]:
        """The EIP-712 message: fixed-point integers, products sorted by name."""
        fixed = self.fixed_quantities()
        return {
            "participant": to_checksum_address(self.participant),
            "nonce": self.nonce,
            "deadline": self.deadline,
            "products": [product_id(name) for name, _ in fixed],
            "quantities": [value for _, value in fixed],
        }

    def struct_hash(self) -> bytes:
        """`hashStruct(message)` by byte packing (the same bytes as eth-account's encoder)."""
        fixed = self.fixed_quantities()
        return keccak(
            type_hash(EXPECTED_POSITIONS_TYPE_STRING)
            + word_address(self.participant)
            + word_uint(self.nonce)
            + word_uint(self.deadline)
            + keccak(b"".join(product_id(name) for name, _ in fixed))
            + keccak(b"".join(word_int(value) for _, value in fixed))
        )
