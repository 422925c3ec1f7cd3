"""Deterministic noise keyed by (seed, stream, hour): reproducible in any order of calls.

The demo's agents must give the same numbers whichever hours are asked for and
in whichever order, so noise is a counter-based hash (SplitMix64 finaliser) of
the seed, a stream label and the hour, turned into normals by Box–Muller.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return np.asarray(z ^ (z >> np.uint64(31)), dtype=np.uint64)


def stream_key(seed: int, label: str) -> int:
    """A 64-bit key for (seed, label), stable across processes and platforms."""
    digest = hashlib.blake2b(f"{seed}:{label}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def uniforms(key: int, hours: IntArray, salt: int = 0) -> FloatArray:
    """(k,) uniforms in (0, 1), one per hour, for the stream `key`."""
    counters = np.atleast_1d(np.asarray(hours, dtype=np.int64)).astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = _mix(_mix(counters ^ np.uint64(key)) + np.uint64(salt))
    return ((mixed >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def normals(key: int, hours: IntArray) -> FloatArray:
    """(k,) standard normals, one per hour, for the stream `key`."""
    u1, u2 = uniforms(key, hours, 1), uniforms(key, hours, 2)
    out: FloatArray = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return out
