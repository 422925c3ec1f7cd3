"""`terms_hash` and `trades_hash` encode abi.encode by hand: they must give eth_abi's
bytes for any terms and trades."""

from __future__ import annotations

import random

import pytest
from eth_abi.abi import encode

from flowmarket.chain.leaves import (
    INT256_MAX,
    INT256_MIN,
    batch_orders_hash,
    terms_hash,
    trades_hash,
)
from flowmarket.errors import InvalidInput
from flowmarket.hashing import keccak

TYPES = ["bytes32[]", "int256[]", "int256[]", "int256[]", "int256", "int256"]


def _int(rng: random.Random) -> int:
    return rng.choice([0, -1, 1, INT256_MIN, INT256_MAX, rng.randint(INT256_MIN, INT256_MAX)])


@pytest.mark.parametrize("seed", range(40))
def test_terms_hash_is_eth_abis_encoding(seed: int) -> None:
    rng = random.Random(seed)
    n_products, n_points = rng.randint(0, 5), rng.randint(0, 6)
    ids = [rng.randbytes(32) for _ in range(n_products)]
    weights = [_int(rng) for _ in range(n_products)]
    quantities = [_int(rng) for _ in range(n_points)]
    prices = [_int(rng) for _ in range(n_points)]
    low, high = _int(rng), _int(rng)
    expected = keccak(encode(TYPES, [ids, weights, quantities, prices, low, high]))
    assert terms_hash(ids, weights, quantities, prices, low, high) == expected


def test_terms_hash_names_the_bad_field() -> None:
    with pytest.raises(InvalidInput, match=r"curve_prices\[1\]: .* outside int256"):
        terms_hash([bytes(32)], [1], [0, 1], [5, INT256_MAX + 1], 0, 1)
    with pytest.raises(InvalidInput, match=r"products\[0\]: must be 32 bytes"):
        terms_hash([bytes(31)], [1], [0], [0], 0, 0)


def test_batch_orders_hash_is_the_packed_members_hash() -> None:
    members = (bytes([1]) * 32, bytes([2]) * 32)
    assert batch_orders_hash(members) == keccak(bytes([1]) * 32 + bytes([2]) * 32)
    assert batch_orders_hash(()) == keccak(b"")
    with pytest.raises(InvalidInput, match=r"batch_orders\[1\]"):
        batch_orders_hash((bytes(32), b"short"))


@pytest.mark.parametrize("seed", range(20))
def test_trades_hash_is_eth_abis_encoding(seed: int) -> None:
    rng = random.Random(100 + seed)
    n = rng.randint(0, 6)
    ids = [rng.randbytes(32) for _ in range(n)]
    quantities = [_int(rng) for _ in range(n)]
    expected = keccak(encode(["bytes32[]", "int256[]"], [ids, quantities]))
    assert trades_hash(ids, quantities) == expected
