"""keccak256 of one message: Ethereum's hash (Keccak padding, not SHA3-256).

Through safe-pysha3's C implementation (the backend eth-hash documents for speed):
≈1 µs of CPU a call on the project's machine where eth-hash's default backend here
(pycryptodome, through ctypes) takes ≈9 µs, and the API hashes every order several
times (its id, its product ids, its arrays). Many messages at once go through the
compiled batch kernel `flowmarket.merkle.keccak`. A test checks both against eth-hash.
"""

from __future__ import annotations

from sha3 import keccak_256


def keccak(data: bytes) -> bytes:
    """keccak256(data), 32 bytes."""
    digest: bytes = keccak_256(data).digest()
    return digest


def keccak_text(text: str) -> bytes:
    """keccak256 of the UTF-8 bytes of `text` (how EIP-712 hashes a string)."""
    return keccak(text.encode("utf-8"))
