"""The terms and signature hashes of an hour's fills, in batch keccak calls.

Each fill leaf binds two hashes (`FillTerms.terms`, `FillTerms.signed`; their encodings
are `chain.leaves.terms_hash` and `signed_hash`). One Python keccak call per hash cost
4–5 µs a fill, and the memos that spared it for a standing book hold 2^17 orders: at
10^6 fills and more every hash was computed afresh, one call at a time. Here every
fill's encoding is laid out in one buffer with numpy and hashed in one compiled call;
only the conversion of each number to its 32-byte word stays in Python.

The fast path takes plain values only (`int`, `bytes`, 32-byte hashes, numbers within
int256 and hours within uint64). A batch with anything else is hashed fill by fill by
the scalar encoders, which raise the error that names the field; so a batch gives the
scalar encoders' bytes or their error, whatever it holds. Tests compare both on random
fills.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING, cast

import numpy as np
import numpy.typing as npt

from flowmarket.chain.leaves import UINT64_MAX, batch_orders_hash, signed_hash, terms_hash
from flowmarket.errors import MarketError
from flowmarket.hashing import product_id
from flowmarket.memo import BoundedMemo, standing_memo
from flowmarket.merkle.keccak import keccak_many, keccak_ragged, keccak_rows
from flowmarket.merkle.rows import DIGEST, digests

if TYPE_CHECKING:
    from flowmarket.oracle.hour_commitment import FillTerms

U8 = npt.NDArray[np.uint8]
WORD = 32
# abi.encode(bytes32[], int256[], int256[], int256[], int256, int256): a head of four
# offsets and the two window ends, then each array as its length and its words.
HEAD_WORDS = 6
SIGNED_WORDS = 7  # nonce, fromHour, untilHour, replaces, sig hash, members hash, cancels


# A standing order's fill is hashed again every hour from the same terms and signature:
# remembered by value (as `lru_cache` would), a hit costs a key and a lookup (0.7 µs a
# fill), a miss joins the batch (2–5 µs a fill). An hour with more fills than a memo holds
# skips it: read in the same order every hour, each entry would be gone before its next
# use, and keying every fill for nothing cost 1.3 µs a fill (10^6 fills).
_TERMS: BoundedMemo[Hashable, bytes] = standing_memo()
_SIGNED: BoundedMemo[Hashable, bytes] = standing_memo()


def terms_hashes(fills: Sequence[FillTerms]) -> U8:
    """`FillTerms.terms` of every fill, (n, 32) uint8: the remembered ones looked up, the
    others in one batch keccak call."""
    if len(fills) > _TERMS.limit:
        return _terms_fresh(fills)
    keys = [(f.products, f.weights, f.curve_quantities, f.curve_prices, f.window) for f in fills]
    return _remembered(_TERMS, keys, fills, _terms_fresh)


def signed_hashes(fills: Sequence[FillTerms]) -> U8:
    """`FillTerms.signed` of every fill, (n, 32) uint8: the remembered ones looked up, the
    others' signatures in one batch call and their 224-byte encodings in another.

    A fill's key holds its batch's members by their hash (`batch_orders_hash`, each
    distinct list hashed once a call, as the encoding needs it anyway), not as the list:
    the signature hash binds the members only through that hash, and a key that held
    the list compared a batch's hundred members on every hit, which made a remembered
    hash dearer than a fresh one (2.1 against 1.5 µs a fill, batches of 100)."""
    if len(fills) > _SIGNED.limit:
        return _signed_fresh(fills)
    of_batch: dict[tuple[bytes, ...], bytes] = {}
    try:
        keys = [
            (f.nonce, f.from_hour, f.until_hour, f.replaces, f.signature,
             _members_hash(f.batch_orders, of_batch), f.batch_cancels)
            for f in fills
        ]  # fmt: skip
    except (TypeError, MarketError):  # members the encoders refuse: their error, in order
        return _signed_fresh(fills)
    return _remembered(_SIGNED, keys, fills, lambda missed: _signed_fresh(missed, of_batch))


def _remembered(
    memo: BoundedMemo[Hashable, bytes],
    keys: Sequence[Hashable],
    fills: Sequence[FillTerms],
    fresh: Callable[[Sequence[FillTerms]], U8],
) -> U8:
    try:
        found: list[bytes | None] = [memo.get(key) for key in keys]
    except TypeError:  # a field that cannot key a memo (a list): hashed, not remembered
        return fresh(fills)
    missing = [i for i, known in enumerate(found) if known is None]
    if missing:
        for i, digest in zip(missing, digests(fresh([fills[i] for i in missing])), strict=True):
            found[i] = digest
            memo.put(keys[i], digest)
    return _rows(cast(list[bytes], found))


def _terms_fresh(fills: Sequence[FillTerms]) -> U8:
    try:
        return _terms_batch(fills)
    except (OverflowError, _NotPlain):
        return _rows(terms_one(f) for f in fills)


def _signed_fresh(
    fills: Sequence[FillTerms], of_batch: dict[tuple[bytes, ...], bytes] | None = None
) -> U8:
    """of_batch: the member lists already hashed in this call, by list (`_members_hash`)."""
    try:
        return _signed_batch(fills, {} if of_batch is None else of_batch)
    except (OverflowError, _NotPlain):
        return _rows(signed_one(f) for f in fills)


class _NotPlain(Exception):
    """A value the fast path does not take: the scalar encoders judge the batch."""


def _terms_batch(fills: Sequence[FillTerms]) -> U8:
    n = len(fills)
    if not n:
        return np.empty((0, DIGEST), dtype=np.uint8)
    counts = np.array(
        [
            (len(f.products), len(f.weights), len(f.curve_quantities), len(f.curve_prices))
            for f in fills
        ],
        dtype=np.int64,
    ).reshape(n, 4)
    a, b, c, d = counts.T
    sizes = HEAD_WORDS + 4 + a + b + c + d
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    base = starts[:-1]
    words = np.zeros((int(starts[-1]), WORD), dtype=np.uint8)

    # The head's offsets and the arrays' lengths: small non-negative integers.
    first = WORD * HEAD_WORDS
    small = np.stack(
        [
            np.full(n, first),
            first + WORD * (1 + a),
            first + WORD * (2 + a + b),
            first + WORD * (3 + a + b + c),
            a,
            b,
            c,
            d,
        ],
        axis=1,
    )
    at = np.stack(
        [base, base + 1, base + 2, base + 3, base + 6, base + 7 + a, base + 8 + a + b,
         base + 9 + a + b + c],
        axis=1,
    )  # fmt: skip
    words[at.reshape(-1), 24:] = small.reshape(-1).astype(">u8").view(np.uint8).reshape(-1, 8)

    # Product ids, from word 7 of each fill on.
    names = list(chain.from_iterable(f.products for f in fills))
    if names and set(map(type, names)) != {str}:
        raise _NotPlain
    ids = b"".join(map(product_id, names))
    words[_spread(base + 7, a)] = np.frombuffer(ids, dtype=np.uint8).reshape(-1, WORD)

    # Every number, fill by fill: weights, curve quantities, curve prices, window.
    numbers = list(
        chain.from_iterable(
            chain(f.weights, f.curve_quantities, f.curve_prices, f.window) for f in fills
        )
    )
    if set(map(type, numbers)) != {int} or any(len(f.window) != 2 for f in fills):
        raise _NotPlain
    encoded = b"".join([v.to_bytes(WORD, "big", signed=True) for v in numbers])
    per_fill = b + c + d + 2
    rank = np.arange(int(per_fill.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(per_fill) - per_fill, per_fill
    )
    bb, bc, bd, ba = (np.repeat(x, per_fill) for x in (b, c, d, a))
    # Word of the j-th number after its array's length words: weights at 8 + a + j,
    # quantities one later, prices two later; the window's ends in the head (4, 5).
    place = 8 + ba + rank + (rank >= bb) + (rank >= bb + bc)
    window = rank >= bb + bc + bd
    place[window] = 4 + rank[window] - (bb + bc + bd)[window]
    words[np.repeat(base, per_fill) + place] = np.frombuffer(encoded, dtype=np.uint8).reshape(
        -1, WORD
    )
    return keccak_ragged(words.reshape(-1), WORD * starts)


def _signed_batch(fills: Sequence[FillTerms], of_batch: dict[tuple[bytes, ...], bytes]) -> U8:
    n = len(fills)
    if not n:
        return np.empty((0, DIGEST), dtype=np.uint8)
    nonces = [f.nonce for f in fills]
    hours = [h for f in fills for h in (f.from_hour, f.until_hour)]
    signatures = [f.signature for f in fills]
    hashes = [f.replaces for f in fills] + [f.batch_cancels for f in fills]
    if (
        set(map(type, nonces)) != {int}
        or set(map(type, hours)) != {int}
        or set(map(type, signatures)) != {bytes}
        or set(map(type, hashes)) != {bytes}
        or set(map(len, hashes)) != {WORD}
        or min(nonces) < 0
        or min(hours) < 0
        or max(hours) > UINT64_MAX
    ):
        raise _NotPlain
    rows = np.zeros((n, SIGNED_WORDS * WORD), dtype=np.uint8)
    rows[:, :WORD] = _frombytes(b"".join([v.to_bytes(WORD, "big") for v in nonces]))
    hour_words = np.array(hours, dtype=np.uint64).astype(">u8").view(np.uint8).reshape(n, 16)
    rows[:, 56:64] = hour_words[:, :8]
    rows[:, 88:96] = hour_words[:, 8:]
    rows[:, 96:128] = _frombytes(b"".join(hashes[:n]))
    rows[:, 128:160] = keccak_many(signatures)
    # Each batch's members hashed once: every fill of a batch carries its whole member
    # list, and with more batches than `batch_orders_hash` remembers, interleaved, each
    # fill hashed its batch's again (10^4 batches of 100: 82 % of this function).
    try:
        members = b"".join([_members_hash(f.batch_orders, of_batch) for f in fills])
    except TypeError:  # a member list that is no tuple: the scalar encoder takes any
        raise _NotPlain from None
    rows[:, 160:192] = _frombytes(members)
    rows[:, 192:224] = _frombytes(b"".join(hashes[n:]))
    return keccak_rows(rows)


def _members_hash(members: tuple[bytes, ...], of_batch: dict[tuple[bytes, ...], bytes]) -> bytes:
    known = of_batch.get(members)
    if known is None:
        known = of_batch[members] = batch_orders_hash(members)
    return known


def _spread(starts: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """starts[i] + 0 … counts[i] − 1 for every i, concatenated."""
    total = int(counts.sum())
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)


def _frombytes(blob: bytes) -> U8:
    return np.frombuffer(blob, dtype=np.uint8).reshape(-1, WORD)


def terms_one(f: FillTerms) -> bytes:
    """One fill's terms hash by the scalar encoder (`FillTerms.terms`)."""
    return terms_hash(
        [product_id(p) for p in f.products],
        list(f.weights),
        list(f.curve_quantities),
        list(f.curve_prices),
        *f.window,
    )


def signed_one(f: FillTerms) -> bytes:
    """One fill's signature hash by the scalar encoder (`FillTerms.signed`)."""
    return signed_hash(
        nonce=f.nonce,
        from_hour=f.from_hour,
        until_hour=f.until_hour,
        replaces=f.replaces,
        signature=f.signature,
        batch_orders=f.batch_orders,
        batch_cancels=f.batch_cancels,
    )


def _rows(hashes: Iterable[bytes]) -> U8:
    return np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(-1, DIGEST).copy()
