"""EIP-712 typed data for a batch of orders and cancels signed at once, and the
operator's one receipt for the whole batch.

Same domain as orders (name "flowmarket", version "1", chain id, the ClearingLedger).
Struct types (a Solidity or JavaScript twin must use these exact strings; EIP-712
appends the referenced `Order` type to the batch's type string):

    OrderBatch(address participant,Order[] orders,bytes32[] cancels)
    BatchReceipt(bytes32 batchHash,address participant,bytes32 entriesRoot,
                 uint256 entries,uint64 recordedAt)

- `orders[k]` is exactly the `Order` struct of `typed_data` (its `replaces` field
  replaces an open order atomically); each order's id is its own EIP-712 digest, the
  same as if it had been signed alone, so a batch order is an ordinary order.
- `cancels` are ids of open orders to cancel.
- The batch's id is its EIP-712 digest.
- `entriesRoot` is the root of a StandardMerkleTree over one leaf per order the batch
  accepted and per order it cancelled (replaced or named in `cancels`), each leaf
  `keccak256(keccak256(abi.encode(bytes32 orderHash, bytes32 action)))` with
  `action = keccak256(bytes("accepted" | "cancelled"))` (how EIP-712 hashes the string
  `action` of `Receipt`); `entries` is the number of leaves. A leaf's proof against
  the signed root proves the operator recorded that order (OpenZeppelin's
  `MerkleProof.verify` accepts it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_utils.address import to_checksum_address

from flowmarket.hashing import keccak, keccak_text
from flowmarket.signing.struct_hash import type_hash, word_address, word_bytes32, word_uint
from flowmarket.states import ReceiptAction

if TYPE_CHECKING:  # typed_data imports this module to register the batch types
    from flowmarket.signing.typed_data import OrderMessage

ORDER_BATCH_FIELDS = "OrderBatch(address participant,Order[] orders,bytes32[] cancels)"
BATCH_RECEIPT_TYPE_STRING = (
    "BatchReceipt(bytes32 batchHash,address participant,bytes32 entriesRoot,"
    "uint256 entries,uint64 recordedAt)"
)


@dataclass(frozen=True)
class OrderBatchMessage:
    """Orders and cancels (order ids) signed together by `participant`."""

    participant: str
    orders: tuple[OrderMessage, ...]
    cancels: tuple[str, ...]

    def struct(self) -> dict[str, Any]:
        """The EIP-712 message: each order as `OrderMessage.struct`, cancels as bytes32."""
        return {
            "participant": to_checksum_address(self.participant),
            "orders": [order.struct() for order in self.orders],
            "cancels": [bytes.fromhex(c[2:]) for c in self.cancels],
        }

    def struct_hash(self, order_type_string: str, order_hashes: Sequence[bytes]) -> bytes:
        """`hashStruct(batch)` from each order's `hashStruct`: an array of structs is
        hashed as keccak256 of its members' concatenated struct hashes."""
        return keccak(
            type_hash(ORDER_BATCH_FIELDS + order_type_string)
            + word_address(self.participant)
            + keccak(b"".join(order_hashes))
            + keccak(b"".join(word_bytes32(c) for c in self.cancels))
        )


@dataclass(frozen=True)
class BatchReceiptMessage:
    """The operator's acknowledgement of a whole batch (see the module docstring)."""

    batch_hash: str
    participant: str
    entries_root: str
    entries: int
    recorded_at: int

    def struct(self) -> dict[str, Any]:
        return {
            "batchHash": bytes.fromhex(self.batch_hash[2:]),
            "participant": to_checksum_address(self.participant),
            "entriesRoot": bytes.fromhex(self.entries_root[2:]),
            "entries": self.entries,
            "recordedAt": self.recorded_at,
        }

    def struct_hash(self) -> bytes:
        return keccak(
            type_hash(BATCH_RECEIPT_TYPE_STRING)
            + word_bytes32(self.batch_hash)
            + word_address(self.participant)
            + word_bytes32(self.entries_root)
            + word_uint(self.entries)
            + word_uint(self.recorded_at)
        )


def receipt_leaf(order_hash: str, action: ReceiptAction) -> bytes:
    """The batch receipt's leaf for one order: double keccak of (orderHash, action hash)."""
    return keccak(keccak(word_bytes32(order_hash) + keccak_text(action.value)))
