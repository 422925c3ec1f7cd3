"""Exact int256 arithmetic on columns of numbers, in numpy: the running sums of the trees
whose leaves carry money (trade lines, holdings).

A tree leaf's value holds sums of 18-decimal amounts that do not fit 64 bits (10 GB is
10^19 units), so summing them as Python integers took one interpreter step per leaf and
per word. Here a column of n numbers is a (w, n) int64 array of 16-bit *limbs*, least
significant first, w ≤ 16 the fewest that hold the column: number i is
Σ_k limbs[k, i] · 2^(16k) (limb by limb, so that each limb's row is contiguous for numpy).
Any int64 limbs are allowed (a limb may be negative or above 2^16), so sums and
differences are limb by limb and exact while the limbs stay far from 2^63: a canonical
limb is below 2^16 in size, and a sum of n of them below n · 2^16. `to_words` carries the
limbs back into 32-byte two's-complement words and refuses a number outside int256,
naming it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from flowmarket.errors import InvalidInput

LIMB_BITS = 16
LIMBS = 16  # 256 bits
_MASK = (1 << LIMB_BITS) - 1

Limbs = npt.NDArray[np.int64]
Words = npt.NDArray[np.uint8]


def from_words(words: Words) -> Limbs:
    """(n, 32) big-endian two's-complement words → (w, n) canonical limbs: each in
    [0, 2^16) but the most significant, which is signed (in [−2^15, 2^15)). w ≤ 16 is
    the fewest limbs that hold every number, so that numbers of 80 bits take 6 limbs
    and every operation after this one a third of the work of 16."""
    n = words.shape[0]
    halves = np.ascontiguousarray(words).view(">u2").reshape(n, LIMBS).T[::-1]
    width = _width(halves)
    limbs: Limbs = np.ascontiguousarray(halves[:width], dtype=np.int64)
    top = limbs[width - 1]
    top -= (top >> (LIMB_BITS - 1)) << LIMB_BITS
    return limbs


def _width(halves: npt.NDArray[np.uint16]) -> int:
    """The fewest low limbs of (16, n) unsigned limbs whose signed reading is each number:
    above them every limb repeats the sign (0 or 0xffff), and so does their top bit."""
    if halves.shape[1] == 0:
        return 1
    sign = (halves[LIMBS - 1] >> (LIMB_BITS - 1)).astype(bool)
    fill = np.where(sign, _MASK, 0).astype(np.uint16)
    differs = halves != fill
    highest = np.where(differs.any(axis=0), LIMBS - 1 - differs[::-1].argmax(axis=0), -1)
    top_bit = (halves[np.maximum(highest, 0), np.arange(halves.shape[1])] >> (LIMB_BITS - 1)) == 1
    needed = highest + 1 + ((highest >= 0) & (top_bit != sign))
    return int(min(max(int(needed.max()), 1), LIMBS))


def widened(limbs: Limbs, width: int) -> Limbs:
    """The same numbers in `width` ≥ w limbs (zero limbs above: a limb is a signed
    coefficient, so the most significant keeps the sign)."""
    if limbs.shape[0] >= width:
        return limbs
    return np.concatenate([limbs, np.zeros((width - limbs.shape[0], limbs.shape[1]), np.int64)])


def _carried(limbs: Limbs) -> tuple[Limbs, npt.NDArray[np.int64]]:
    """(limbs each in [0, 2^16), the carry out of the last): the same numbers, as
    Σ_k out[k] · 2^(16k) + carry · 2^(16 · w)."""
    out = np.empty_like(limbs)
    carry = np.zeros(limbs.shape[1], dtype=np.int64)
    for k in range(limbs.shape[0]):
        column = limbs[k] + carry
        np.bitwise_and(column, _MASK, out=out[k])
        np.right_shift(column, LIMB_BITS, out=carry)
    return out, carry


def canonical(limbs: Limbs, field: str, width: int = LIMBS) -> Limbs:
    """The same numbers as canonical limbs (`from_words`'s form), `width` of them;
    InvalidInput naming `field[i]` for the first number that needs more: beyond int256
    at the default width (a caller asking for fewer knows its numbers fit)."""
    out, carry = _carried(widened(limbs, width))
    negative = out[width - 1] >> (LIMB_BITS - 1)
    beyond = carry != -negative
    if out.shape[0] > width:
        beyond |= np.any(out[width:] != np.where(negative == 1, _MASK, 0), axis=0)
    bad = np.flatnonzero(beyond)
    if bad.size:
        raise InvalidInput(f"{field}[{int(bad[0])}]: beyond int{LIMB_BITS * width}")
    signed = out[:width]
    signed[width - 1] -= negative << LIMB_BITS
    return signed


def to_words(limbs: Limbs, field: str) -> Words:
    """(w, n) limbs → (n, 32) big-endian two's-complement words (`canonical`'s error)."""
    # An int64 carry out of the w limbs fits 4 more: carry through those alone, then
    # extend the sign (the width check is canonical's when that reaches 16).
    width = min(LIMBS, limbs.shape[0] + 4)
    signed = canonical(limbs, field, width)
    fill = np.where(signed[width - 1] < 0, _MASK, 0)
    signed[width - 1] &= _MASK
    unsigned = np.concatenate([signed, np.broadcast_to(fill, (LIMBS - width, fill.size))])
    halves = np.ascontiguousarray(unsigned[::-1].T, dtype=">u2")
    words: Words = halves.view(np.uint8).reshape(limbs.shape[1], 32)
    return words


def running_sums(limbs: Limbs, starts: npt.NDArray[np.bool_]) -> Limbs:
    """Exclusive prefix sums: number i becomes the sum of the numbers before it back to
    the last j ≤ i with starts[j] (0 always starts), the sum of none being 0. limbs must
    be canonical or sums of few canonical limbs: the partial sums stay exact in int64
    (their most significant limb grows instead of carrying: `canonical` carries it)."""
    n = limbs.shape[1]
    if n == 0:
        return limbs.copy()
    at = np.flatnonzero(starts[1:]) + 1
    shifted = limbs.copy()
    # Each start takes away everything before it since the previous start: one cumsum
    # then restarts at every start.
    before = np.cumsum(limbs, axis=1)
    segment = np.diff(before[:, at - 1], axis=1, prepend=0)
    shifted[:, at] -= segment
    sums = np.cumsum(shifted, axis=1)
    sums -= shifted
    sums[:, at] = 0
    return sums


def absolute(limbs: Limbs) -> Limbs:
    """|x| of canonical limbs as w non-negative limbs each below 2^16 (|−2^(16w−1)|
    included: its most significant limb is then 2^15, above the signed range)."""
    flipped = np.where(limbs[-1] < 0, -limbs, limbs)
    out, _ = _carried(flipped)
    return out


def products(a: Limbs, b: Limbs, field: str) -> Limbs:
    """a · b number by number, canonical; InvalidInput naming `field[i]` for the first
    product beyond int256. a, b canonical. Multiplies magnitudes limb by limb: 16-bit limbs
    make each partial product below 2^32 and each limb's sum of them below 2^37."""
    n = a.shape[1]
    magnitude_a, magnitude_b = absolute(a), absolute(b)
    wide = np.zeros((a.shape[0] + b.shape[0], n), dtype=np.int64)
    term = np.empty(n, dtype=np.int64)
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            np.multiply(magnitude_a[i], magnitude_b[j], out=term)
            wide[i + j] += term
    magnitude, _ = _carried(widened(wide, wide.shape[0] + 1))  # below 2^(16·width): no carry
    negative = (a[-1] < 0) != (b[-1] < 0)
    signed = np.where(negative, -magnitude, magnitude)
    return canonical(signed, field, min(signed.shape[0], LIMBS))
