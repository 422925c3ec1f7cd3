"""A standing order's fill is rebuilt every hour from remembered parts
(`hour_commitment._terms_of`, `_signed_of`): what they remember must be what a fresh
computation gives, for every field that differs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_abi.abi import encode

from flowmarket.hashing import keccak
from flowmarket.oracle.hour_commitment import FillTerms, _Members

WAD = 10**18
FILL = FillTerms(
    order_id="0x" + "ab" * 32,
    participant="0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
    quantity=3 * WAD,
    products=("premium-eu",),
    weights=(WAD,),
    curve_quantities=(0, 10 * WAD),
    curve_prices=(10 * WAD, 0),
    window=(0, 10 * WAD),
    nonce=7,
    from_hour=500_000,
    until_hour=500_005,
    replaces=bytes(32),
    signature=bytes(range(65)),
)


def _terms(fill: FillTerms) -> bytes:
    types = ["bytes32[]", "int256[]", "int256[]", "int256[]", "int256", "int256"]
    ids = [keccak(p.encode()) for p in fill.products]
    arrays = [list(fill.weights), list(fill.curve_quantities), list(fill.curve_prices)]
    return keccak(encode(types, [ids, *arrays, *fill.window]))


def _signed_part(fill: FillTerms) -> bytes:
    types = ["uint256", "uint64", "uint64", "bytes32", "bytes32", "bytes32", "bytes32"]
    members = keccak(b"".join(fill.batch_orders))
    values = [fill.nonce, fill.from_hour, fill.until_hour, fill.replaces]
    return keccak(encode(types, [*values, keccak(fill.signature), members, fill.batch_cancels]))


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"window": (0, 4 * WAD)},
        {"curve_prices": (11 * WAD, 0)},
        {"weights": (2 * WAD,)},
        {"products": ("standard-eu",)},
        {"nonce": 8},
        {"until_hour": 500_006},
        {"signature": bytes(range(1, 66))},
        {"batch_orders": (bytes(32), b"\x01" * 32)},
        {"batch_cancels": b"\x02" * 32},
    ],
)
def test_remembered_terms_and_signatures_are_fresh_ones(change: dict[str, object]) -> None:
    for fill in (FILL, replace(FILL, **change), FILL):  # remembered, then another, then again
        assert fill.terms == _terms(fill)
        assert fill.signed == _signed_part(fill)


def test_a_batchs_members_hash_once_and_as_the_plain_tuple() -> None:
    members = (b"\x01" * 32, b"\x02" * 32)
    remembered = _Members(members)
    assert remembered == members and hash(remembered) == hash(members)
    fill = replace(FILL, batch_orders=remembered)
    assert fill.signed == replace(FILL, batch_orders=members).signed == _signed_part(fill)
