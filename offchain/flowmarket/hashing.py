"""keccak256 of one message: Ethereum's hash (Keccak padding, not SHA3-256).

Through safe-pysha3's C implementation (the backend eth-hash documents for speed):
≈1 µs of CPU a call on the project's machine where eth-hash's default backend here
(pycryptodome, through ctypes) takes ≈9 µs, and the API hashes every order several
times (its id, its product ids, its arrays). Many messages at once go through the
compiled batch kernel `flowmarket.merkle.keccak`. A test checks both against eth-hash.
"""

from __future__ import annotations

from functools import lru_cache

from sha3 import keccak_256

from flowmarket.memo import standing_memo

# Product names whose ids are remembered: the production catalogue at 50 regions has
# 230,400 products, and every hour names each of its traded products once per line of
# the hour's trees and once per participant that trades it.
PRODUCT_IDS = 1 << 18


def keccak(data: bytes) -> bytes:
    """keccak256(data), 32 bytes."""
    digest: bytes = keccak_256(data).digest()
    return digest


def keccak_text(text: str) -> bytes:
    """keccak256 of the UTF-8 bytes of `text` (how EIP-712 hashes a string)."""
    return keccak(text.encode("utf-8"))


@lru_cache(maxsize=PRODUCT_IDS)
def product_id(name: str) -> bytes:
    """A product's on-chain identifier: `keccak256(bytes(name))` (UTF-8), 32 bytes."""
    return keccak_text(name)


def order_key(order_id: str) -> bytes:
    """keccak256(bytes(orderId)): the 32-byte key of an order on chain. Remembered: the
    oracle keys each standing order's fill three times an hour (its holdings' owner, its
    trade lines, its fills-tree leaf), hour after hour."""
    key: bytes | None = _ORDER_KEYS.get(order_id)
    if key is None:
        key = keccak_text(order_id)
        _ORDER_KEYS.put(order_id, key)
    return key


_ORDER_KEYS = standing_memo()
