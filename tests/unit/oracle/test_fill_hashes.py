"""An hour's fill hashes in batch (`oracle.fill_hashes`): every fill's terms and signature
hashes, remembered or fresh, fast path or not, must be the bytes eth_abi's encoding gives
(the encoding `MarketLeaves.termsHash` / `signedHash` hash on chain), and a bad field must
raise the error that names it, whichever fill of the batch holds it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from eth_abi.abi import encode
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.errors import InvalidInput
from flowmarket.hashing import keccak
from flowmarket.memo import BoundedMemo
from flowmarket.oracle import fill_hashes
from flowmarket.oracle.fill_hashes import signed_hashes, signed_one, terms_hashes
from flowmarket.oracle.fills_tree import fills_tree
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


def _rows(array: Any) -> list[bytes]:
    return [bytes(row) for row in array]


@pytest.fixture(autouse=True)
def fresh_memos(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with empty memos, so a hit is one the test made."""
    monkeypatch.setattr(fill_hashes, "_TERMS", BoundedMemo(1 << 17))
    monkeypatch.setattr(fill_hashes, "_SIGNED", BoundedMemo(1 << 17))


# By hand, for FILL: abi.encode(bytes32[] ["premium-eu" id], int256[] [1e18],
# int256[] [0, 1e19], int256[] [1e19, 0], int256 0, int256 1e19), word by word.
def _word(value: int) -> bytes:
    return value.to_bytes(32, "big", signed=True)


FILL_TERMS_ENCODING = b"".join(
    [
        _word(192), _word(256), _word(320), _word(416),  # offsets: 6 head words, 2, 2, 3
        _word(0), _word(10 * WAD),  # the window
        _word(1), keccak(b"premium-eu"),
        _word(1), _word(WAD),
        _word(2), _word(0), _word(10 * WAD),
        _word(2), _word(10 * WAD), _word(0),
    ]
)  # fmt: skip


def test_the_batch_hashes_the_encoding_written_by_hand() -> None:
    assert _rows(terms_hashes([FILL])) == [keccak(FILL_TERMS_ENCODING)]
    signed = b"".join(
        [_word(7), _word(500_000), _word(500_005), bytes(32), keccak(bytes(range(65))),
         keccak(b""), bytes(32)]
    )  # fmt: skip
    assert _rows(signed_hashes([FILL])) == [keccak(signed)]


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
def test_remembered_hashes_are_fresh_ones(change: dict[str, object]) -> None:
    other = replace(FILL, **change)
    for fills in ([FILL], [other], [FILL, other], [other, FILL]):  # fresh, then remembered
        assert _rows(terms_hashes(fills)) == [_terms(f) for f in fills]
        assert _rows(signed_hashes(fills)) == [_signed_part(f) for f in fills]
        assert [f.terms for f in fills] == [_terms(f) for f in fills]
        assert [f.signed for f in fills] == [_signed_part(f) for f in fills]


def test_an_hour_larger_than_the_memos_is_hashed_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fill_hashes, "_TERMS", BoundedMemo(2))
    monkeypatch.setattr(fill_hashes, "_SIGNED", BoundedMemo(2))
    fills = [replace(FILL, nonce=n, window=(0, n * WAD)) for n in range(5)]
    for _ in range(2):
        assert _rows(terms_hashes(fills)) == [_terms(f) for f in fills]
        assert _rows(signed_hashes(fills)) == [_signed_part(f) for f in fills]
    assert len(fill_hashes._TERMS._items) == 0 and len(fill_hashes._SIGNED._items) == 0


def test_each_batchs_members_are_hashed_once_in_an_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three batches' fills interleaved, as an hour lists them: each member list is hashed
    # once however many fills carry it, and every fill's hash is eth_abi's.
    calls: list[tuple[bytes, ...]] = []

    def counted(members: tuple[bytes, ...]) -> bytes:
        calls.append(members)
        return keccak(b"".join(members))

    monkeypatch.setattr(fill_hashes, "batch_orders_hash", counted)
    batches = [tuple(bytes([b]) * 32 for b in range(k, k + 3)) for k in (1, 10, 20)]
    fills = [replace(FILL, nonce=n, batch_orders=batches[n % 3]) for n in range(9)]
    assert _rows(signed_hashes(fills)) == [_signed_part(f) for f in fills]
    assert sorted(calls) == sorted(batches)


def test_a_batchs_members_key_the_memo_as_the_plain_tuple() -> None:
    members = (b"\x01" * 32, b"\x02" * 32)
    remembered = _Members(members)
    assert remembered == members and hash(remembered) == hash(members)
    fills = [replace(FILL, batch_orders=remembered), replace(FILL, batch_orders=members)]
    assert _rows(signed_hashes(fills)) == [_signed_part(fills[0])] * 2


int256 = st.integers(-(2**255), 2**255 - 1)
# Mostly 18-decimal magnitudes, sometimes any int256 (the words beyond 128 bits).
number = st.one_of(st.integers(-(10**30), 10**30), int256)
word = st.binary(min_size=32, max_size=32)
fill_strategy = st.builds(
    lambda products, weights, quantities, prices, window, nonce, hours, sig, batch, rest: replace(
        FILL,
        products=tuple(products),
        weights=tuple(weights),
        curve_quantities=tuple(quantities),
        curve_prices=tuple(prices),
        window=window,
        nonce=nonce,
        from_hour=min(hours),
        until_hour=max(hours),
        replaces=rest[0],
        signature=sig,
        batch_orders=tuple(batch),
        batch_cancels=rest[1],
    ),
    st.lists(st.sampled_from(["a", "premium-eu", "région/ü", "x" * 40]), max_size=4),
    st.lists(number, max_size=4),
    st.lists(number, max_size=5),
    st.lists(number, max_size=5),
    st.tuples(number, number),
    st.integers(0, 2**256 - 1),
    st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
    st.binary(max_size=70),
    st.lists(word, max_size=3),
    st.tuples(word, word),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(fill_strategy, max_size=12))
def test_any_batch_hashes_as_eth_abi_encodes(fills: list[FillTerms]) -> None:
    assert _rows(terms_hashes(fills)) == [_terms(f) for f in fills]
    assert _rows(signed_hashes(fills)) == [_signed_part(f) for f in fills]
    # Again, every one of them remembered now.
    assert _rows(terms_hashes(fills)) == [_terms(f) for f in fills]
    assert _rows(signed_hashes(fills)) == [_signed_part(f) for f in fills]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weights": (2**255,)}, "weights[0]"),
        ({"curve_prices": (0, -(2**255) - 1)}, "curve_prices[1]"),
        ({"curve_quantities": (0, True)}, "curve_quantities[1]"),
        ({"window": (0, 1.5)}, "window_high"),
    ],
)
def test_a_bad_number_in_any_fill_is_named(change: dict[str, object], field: str) -> None:
    fills = [FILL, replace(FILL, **change), replace(FILL, nonce=9)]
    with pytest.raises(InvalidInput, match=field.replace("[", r"\[")):
        terms_hashes(fills)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nonce": -1}, "nonce"),
        ({"nonce": 2**256}, "nonce"),
        ({"from_hour": 2**64}, "from_hour"),
        ({"until_hour": True}, "until_hour"),
        ({"replaces": bytes(31)}, "replaces"),
        ({"batch_cancels": bytes(33)}, "batch_cancels"),
        ({"batch_orders": (bytes(31),)}, "batch_orders"),
        # Two faults: the scalar encoder's first, although the memo's key hashes the
        # members before anything else is read.
        ({"nonce": -1, "batch_orders": (bytes(31),)}, "nonce"),
    ],
)
def test_a_bad_signed_field_in_any_fill_is_named(change: dict[str, object], field: str) -> None:
    fills = [FILL, replace(FILL, **change), replace(FILL, nonce=9)]
    with pytest.raises(InvalidInput, match=field):
        signed_one(fills[1])
    with pytest.raises(InvalidInput, match=field):
        signed_hashes(fills)


def test_the_fills_tree_sorts_equal_keys_stably_and_strictly_refuses_them() -> None:
    twice = [FILL, replace(FILL, quantity=WAD)]
    with pytest.raises(InvalidInput, match="is not above the key before it"):
        fills_tree(twice, [])
    built = fills_tree(twice, [], strict=False)
    assert built.values == [FILL.value, twice[1].value]  # as listed: the sort is stable


def test_the_fills_tree_names_a_bad_participant_or_quantity() -> None:
    with pytest.raises(InvalidInput, match="fill: not an address: 'nobody'"):
        fills_tree([replace(FILL, participant="nobody")], [])
    with pytest.raises(InvalidInput, match=r"fill\.quantity\[0\]: \d+ is not an int256"):
        fills_tree([replace(FILL, quantity=2**255)], [])
    with pytest.raises(InvalidInput, match="unbacked: not an address: '0x12'"):
        fills_tree([FILL], ["0x12"])


def test_keys_sharing_their_first_eight_bytes_sort_as_bytes() -> None:
    import numpy as np

    from flowmarket.oracle.fills_tree import _key_order

    low, high = bytes(8) + bytes([3]) + bytes(23), bytes(8) + bytes([9]) + bytes(23)
    keys = [high, low, b"\x01" + bytes(31), bytes(31) + b"\x02", low]
    order = _key_order(np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, 32))
    assert order.tolist() == sorted(range(len(keys)), key=keys.__getitem__) == [3, 1, 4, 0, 2]
