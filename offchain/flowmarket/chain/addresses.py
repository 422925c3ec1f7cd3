"""Checksummed addresses, remembered: the oracle checksums every order's participant
each hour (EIP-55 is a Keccak hash and a pass over the hex digits), while a market has
far fewer wallets than orders."""

from __future__ import annotations

from functools import lru_cache

from eth_utils.address import is_address, to_canonical_address, to_checksum_address


@lru_cache(maxsize=1 << 16)
def checksummed(address: str) -> str:
    """`address` in EIP-55 form; ValueError when it is not an address."""
    return str(to_checksum_address(address))


@lru_cache(maxsize=1 << 16)
def is_wallet_address(address: str) -> bool:
    """`eth_utils.is_address`: 20 bytes of 0x-hex, in any case (it does not check an
    EIP-55 checksum)."""
    return bool(is_address(address))


@lru_cache(maxsize=1 << 16)
def canonical(address: str) -> bytes:
    """`address`'s 20 bytes; ValueError when it is not an address."""
    return bytes(to_canonical_address(address))
