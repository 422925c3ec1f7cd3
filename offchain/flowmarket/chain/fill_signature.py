"""The Python twin of `OrderSignatures.isSignedBy` (`ClearingLedger.isFillUnsigned`): is a
committed fill backed by an order its participant signed?

The contract recomputes the order's EIP-712 struct hash from the fill leaf's fields (the
participant, nonce, validity hours, replaces, products, weights and signed curve, all
18-decimal integers as signed), or, for an order signed in a batch, the batch's struct hash
from the committed list of its orders' struct hashes (which must contain the order's) and
its cancels hash; the digest under the market's domain (name "flowmarket", version "1",
chain id, the ClearingLedger); and recovers the signer. A fill is unsigned when the hour is
outside [fromHour, untilHour], the batch does not list the order, or the signature is not
65 bytes, has v other than 27 or 28, has s above half the curve order (the malleable twin
of a valid signature), recovers no key or another key than the participant's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_keys.datatypes import Signature
from eth_keys.exceptions import BadSignature
from eth_utils.address import to_checksum_address

from flowmarket.hashing import keccak
from flowmarket.signing.order_batch import ORDER_BATCH_FIELDS
from flowmarket.signing.struct_hash import (
    type_hash,
    word_address,
    word_int,
    word_uint,
)
from flowmarket.signing.typed_data import ORDER_TYPE_STRING

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_N = SECP256K1_N // 2


@dataclass(frozen=True)
class SignedOrderFields:
    """The fields of a fill leaf the signature check reads (integers as committed)."""

    participant: str
    nonce: int
    from_hour: int
    until_hour: int
    replaces: bytes
    product_ids: tuple[bytes, ...]
    weights: tuple[int, ...]
    curve_quantities: tuple[int, ...]
    curve_prices: tuple[int, ...]
    signature: bytes
    batch_orders: tuple[bytes, ...] = ()
    batch_cancels: bytes = bytes(32)


def order_struct_hash(f: SignedOrderFields) -> bytes:
    """`hashStruct(Order)` from the committed integers (`OrderSignatures.orderStructHash`)."""
    return keccak(
        type_hash(ORDER_TYPE_STRING)
        + word_address(f.participant)
        + word_uint(f.nonce)
        + word_uint(f.from_hour)
        + word_uint(f.until_hour)
        + f.replaces
        + keccak(b"".join(f.product_ids))
        + keccak(b"".join(word_int(w) for w in f.weights))
        + keccak(b"".join(word_int(q) for q in f.curve_quantities))
        + keccak(b"".join(word_int(p) for p in f.curve_prices))
    )


def batch_struct_hash(participant: str, orders: Sequence[bytes], cancels: bytes) -> bytes:
    """`hashStruct(OrderBatch)` from its orders' struct hashes and the keccak256 of its
    cancelled ids concatenated."""
    return keccak(
        type_hash(ORDER_BATCH_FIELDS + ORDER_TYPE_STRING)
        + word_address(participant)
        + keccak(b"".join(orders))
        + cancels
    )


def cancels_hash(cancel_ids: Sequence[str]) -> bytes:
    """keccak256 of a batch's cancelled order ids (32 bytes each) concatenated."""
    return keccak(b"".join(bytes.fromhex(c.removeprefix("0x")) for c in cancel_ids))


def signed_struct_hash(f: SignedOrderFields) -> bytes | None:
    """The struct hash the signature signs: the order's, or its batch's; None when the
    committed batch does not list the order."""
    order = order_struct_hash(f)
    if not f.batch_orders:
        return order
    if order not in f.batch_orders:
        return None
    return batch_struct_hash(f.participant, f.batch_orders, f.batch_cancels)


def low_s(signature: bytes) -> bytes:
    """The same signature with s in the lower half of the curve order (v flipped when s
    is): what the contract accepts; a signature already there is returned unchanged."""
    if len(signature) != 65:
        return signature
    s = int.from_bytes(signature[32:64], "big")
    if s <= HALF_N or signature[64] not in (27, 28):
        return signature
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])


def signer(digest: bytes, signature: bytes) -> str | None:
    """`OrderSignatures.signer`: the checksummed recovered address, None where the
    contract recovers none."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        return None
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
    if s > HALF_N or r == 0 or s == 0 or r >= SECP256K1_N:
        return None
    try:
        key = Signature(vrs=(signature[64] - 27, r, s)).recover_public_key_from_msg_hash(digest)
    except BadSignature:
        return None
    return str(key.to_checksum_address())


def is_signed_by(separator: bytes, hour: int, f: SignedOrderFields) -> bool:
    """`OrderSignatures.isSignedBy`: the fill's participant signed its order for `hour`."""
    if not f.from_hour <= hour <= f.until_hour:
        return False
    struct = signed_struct_hash(f)
    if struct is None:
        return False
    recovered = signer(keccak(b"\x19\x01" + separator + struct), f.signature)
    return recovered is not None and recovered == to_checksum_address(f.participant)
