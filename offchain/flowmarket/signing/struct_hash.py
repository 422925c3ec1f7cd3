"""EIP-712 `hashStruct` and domain separator written out with byte packing.

The same bytes as eth-account's generic encoder (a test checks both on random
messages) at a fraction of the cost: the API hashes every incoming order, cancel and
receipt. Every word is 32 bytes: addresses left-padded, uintN big-endian, int256 in
two's complement, dynamic arrays as keccak256 of their concatenated words, strings as
keccak256 of their UTF-8 bytes.
"""

from __future__ import annotations

from functools import lru_cache

from flowmarket.errors import InvalidInput
from flowmarket.hashing import keccak, keccak_text
from flowmarket.signing.fixed_point import product_id, to_fixed

DOMAIN_TYPE_STRING = (
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_MOD = 2**256


def word_uint(value: int) -> bytes:
    if not 0 <= value < _MOD:
        raise InvalidInput(f"{value} is outside uint256")
    return value.to_bytes(32, "big")


def word_int(value: int) -> bytes:
    return (value % _MOD).to_bytes(32, "big")


def word_address(address: str) -> bytes:
    raw = bytes.fromhex(address.removeprefix("0x"))
    if len(raw) != 20:
        raise InvalidInput(f"{address} is not a 20-byte address")
    return raw.rjust(32, b"\x00")


def word_bytes32(value: str) -> bytes:
    raw = bytes.fromhex(value.removeprefix("0x"))
    if len(raw) != 32:
        raise InvalidInput(f"{value} is not 32 bytes")
    return raw


@lru_cache(maxsize=64)
def domain_separator(name: str, version: str, chain_id: int, verifying_contract: str) -> bytes:
    return keccak(
        keccak_text(DOMAIN_TYPE_STRING)
        + keccak_text(name)
        + keccak_text(version)
        + word_uint(chain_id)
        + word_address(verifying_contract)
    )


@lru_cache(maxsize=16)
def type_hash(type_string: str) -> bytes:
    return keccak_text(type_string)


def hash_order(
    type_string: str,
    *,
    participant: str,
    nonce: int,
    from_hour: int,
    until_hour: int,
    replaces: str,
    portfolio: dict[str, float],
    curve: tuple[tuple[float, float], ...],
) -> bytes:
    names = sorted(portfolio)
    weights = b"".join(
        word_int(to_fixed(portfolio[n], field=f"order.portfolio.{n}")) for n in names
    )
    quantities = b"".join(
        word_int(to_fixed(q, field=f"order.curve[{k}][0]")) for k, (q, _) in enumerate(curve)
    )
    prices = b"".join(
        word_int(to_fixed(p, field=f"order.curve[{k}][1]")) for k, (_, p) in enumerate(curve)
    )
    return keccak(
        type_hash(type_string)
        + word_address(participant)
        + word_uint(nonce)
        + word_uint(from_hour)
        + word_uint(until_hour)
        + word_bytes32(replaces)
        + keccak(b"".join(product_id(n) for n in names))
        + keccak(weights)
        + keccak(quantities)
        + keccak(prices)
    )


def hash_cancel(type_string: str, *, participant: str, order_hash: str) -> bytes:
    return keccak(type_hash(type_string) + word_address(participant) + word_bytes32(order_hash))


def hash_receipt(
    type_string: str,
    *,
    order_hash: str,
    participant: str,
    nonce: int,
    action: str,
    recorded_at: int,
) -> bytes:
    return keccak(
        type_hash(type_string)
        + word_bytes32(order_hash)
        + word_address(participant)
        + word_uint(nonce)
        + keccak_text(action)
        + word_uint(recorded_at)
    )
