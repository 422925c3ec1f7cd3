"""Keccak-256 (Ethereum's hash, not SHA3-256) over many messages at once, compiled.

One Python call hashes a whole batch: numba compiles the Keccak-f[1600] permutation
once (cached on disk beside this file) and runs the messages in parallel threads. Each
message is hashed on its own, so the bytes never depend on the thread count. Measured
on the project's 2-core machine (bench/oracle_cycle.py records the numbers): a fraction
of a microsecond per 64-byte message against microseconds for one `eth_hash` call from
Python, which is what makes Merkle trees of 10^7 leaves take seconds instead of minutes
(`flowmarket.merkle.tree`).

Padding is Keccak's original `0x01 … 0x80` with rate 136 bytes (capacity 512 bits),
i.e. `keccak256` of Solidity and eth-hash, not SHA3-256; a test checks every length
from 0 to 300 bytes against eth-hash.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from flowmarket.errors import InvalidInput
from flowmarket.merkle.rows import DIGEST

RATE = 136  # bytes absorbed per permutation: (1600 − 2 × 256) / 8
_F = TypeVar("_F", bound=Callable[..., Any])


PARALLEL_FROM = 4096  # rows; smaller batches are hashed on the calling thread
# Messages hashed in one state buffer by one thread: allocating the 25 lanes for each
# message took as long as hashing it, and numba's allocator serialised the threads
# (351,195 messages of 32 bytes on 2 threads: 0.27 s, one thread's time; 0.08 s chunked).
CHUNK = 256
THREADS_SUFFIX = "_threads"


def compiled(*, parallel: bool = False) -> Callable[[_F], _F]:
    """numba's `njit` (cached on disk), typed for mypy as the identity on functions."""
    return cast(Callable[[_F], _F], numba.njit(cache=True, parallel=parallel))


def serial_and_parallel(function: _F) -> tuple[_F, _F]:
    """`function` compiled twice: to run on the calling thread, and on numba's threads.

    Small batches (the API's batch receipts) take the serial one: they gain nothing from
    threads, and numba's default `workqueue` threading layer must never be entered by two
    Python threads at once (the API serves requests from a thread pool). Only the
    oracle's large trees and leaf arrays, hashed from one thread, take the parallel one.

    The parallel one compiles a twin of `function` under its own name (`THREADS_SUFFIX`):
    numba keys its disk cache by the function's name and bytecode, not by `parallel`, so
    the two shared one entry and each process ran whichever was cached first (measured:
    the oracle's big batches on one thread after the API's small ones had been cached)."""
    twin = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__ + THREADS_SUFFIX,
        function.__defaults__,
        function.__closure__,
    )
    twin.__qualname__ = function.__qualname__ + THREADS_SUFFIX
    return compiled()(function), compiled(parallel=True)(cast(_F, twin))


_ROUND_CONSTANTS = np.array(
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ],
    dtype=np.uint64,
)  # fmt: skip


@numba.njit(cache=True, inline="always")
def _rotl(x: np.uint64, n: int) -> np.uint64:
    return (x << np.uint64(n)) | (x >> np.uint64(64 - n))


@compiled()
def _permute(state: npt.NDArray[np.uint64]) -> None:
    """Keccak-f[1600] on the 25 little-endian lanes of `state` (lane x + 5y), in place.
    One round: theta (column parities d), rho and pi (rotate into b), chi, iota."""
    a00 = state[0]
    a01 = state[1]
    a02 = state[2]
    a03 = state[3]
    a04 = state[4]
    a05 = state[5]
    a06 = state[6]
    a07 = state[7]
    a08 = state[8]
    a09 = state[9]
    a10 = state[10]
    a11 = state[11]
    a12 = state[12]
    a13 = state[13]
    a14 = state[14]
    a15 = state[15]
    a16 = state[16]
    a17 = state[17]
    a18 = state[18]
    a19 = state[19]
    a20 = state[20]
    a21 = state[21]
    a22 = state[22]
    a23 = state[23]
    a24 = state[24]
    for rnd in range(24):
        c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
        c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
        c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
        c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
        c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
        d0 = c4 ^ _rotl(c1, 1)
        d1 = c0 ^ _rotl(c2, 1)
        d2 = c1 ^ _rotl(c3, 1)
        d3 = c2 ^ _rotl(c4, 1)
        d4 = c3 ^ _rotl(c0, 1)
        b00 = a00 ^ d0
        b16 = _rotl(a05 ^ d0, 36)
        b07 = _rotl(a10 ^ d0, 3)
        b23 = _rotl(a15 ^ d0, 41)
        b14 = _rotl(a20 ^ d0, 18)
        b10 = _rotl(a01 ^ d1, 1)
        b01 = _rotl(a06 ^ d1, 44)
        b17 = _rotl(a11 ^ d1, 10)
        b08 = _rotl(a16 ^ d1, 45)
        b24 = _rotl(a21 ^ d1, 2)
        b20 = _rotl(a02 ^ d2, 62)
        b11 = _rotl(a07 ^ d2, 6)
        b02 = _rotl(a12 ^ d2, 43)
        b18 = _rotl(a17 ^ d2, 15)
        b09 = _rotl(a22 ^ d2, 61)
        b05 = _rotl(a03 ^ d3, 28)
        b21 = _rotl(a08 ^ d3, 55)
        b12 = _rotl(a13 ^ d3, 25)
        b03 = _rotl(a18 ^ d3, 21)
        b19 = _rotl(a23 ^ d3, 56)
        b15 = _rotl(a04 ^ d4, 27)
        b06 = _rotl(a09 ^ d4, 20)
        b22 = _rotl(a14 ^ d4, 39)
        b13 = _rotl(a19 ^ d4, 8)
        b04 = _rotl(a24 ^ d4, 14)
        a00 = b00 ^ (~b01 & b02)
        a01 = b01 ^ (~b02 & b03)
        a02 = b02 ^ (~b03 & b04)
        a03 = b03 ^ (~b04 & b00)
        a04 = b04 ^ (~b00 & b01)
        a05 = b05 ^ (~b06 & b07)
        a06 = b06 ^ (~b07 & b08)
        a07 = b07 ^ (~b08 & b09)
        a08 = b08 ^ (~b09 & b05)
        a09 = b09 ^ (~b05 & b06)
        a10 = b10 ^ (~b11 & b12)
        a11 = b11 ^ (~b12 & b13)
        a12 = b12 ^ (~b13 & b14)
        a13 = b13 ^ (~b14 & b10)
        a14 = b14 ^ (~b10 & b11)
        a15 = b15 ^ (~b16 & b17)
        a16 = b16 ^ (~b17 & b18)
        a17 = b17 ^ (~b18 & b19)
        a18 = b18 ^ (~b19 & b15)
        a19 = b19 ^ (~b15 & b16)
        a20 = b20 ^ (~b21 & b22)
        a21 = b21 ^ (~b22 & b23)
        a22 = b22 ^ (~b23 & b24)
        a23 = b23 ^ (~b24 & b20)
        a24 = b24 ^ (~b20 & b21)
        a00 ^= _ROUND_CONSTANTS[rnd]

    state[0] = a00
    state[1] = a01
    state[2] = a02
    state[3] = a03
    state[4] = a04
    state[5] = a05
    state[6] = a06
    state[7] = a07
    state[8] = a08
    state[9] = a09
    state[10] = a10
    state[11] = a11
    state[12] = a12
    state[13] = a13
    state[14] = a14
    state[15] = a15
    state[16] = a16
    state[17] = a17
    state[18] = a18
    state[19] = a19
    state[20] = a20
    state[21] = a21
    state[22] = a22
    state[23] = a23
    state[24] = a24


@compiled()
def _lane(data: npt.NDArray[np.uint8], at: int) -> np.uint64:
    """The little-endian 64-bit word of data[at : at + 8]."""
    word = np.uint64(0)
    for k in range(8):
        word |= np.uint64(data[at + k]) << np.uint64(8 * k)
    return word


@compiled()
def _hash_one(
    data: npt.NDArray[np.uint8],
    start: int,
    length: int,
    out: npt.NDArray[np.uint8],
    state: npt.NDArray[np.uint64],
) -> None:
    """keccak256(data[start : start + length]) into `out` (32 bytes)."""
    state[:] = 0
    offset = 0
    while True:
        take = min(RATE, length - offset)
        full = take >> 3
        for lane in range(full):
            state[lane] ^= _lane(data, start + offset + 8 * lane)
        for k in range(8 * full, take):
            state[k >> 3] ^= np.uint64(data[start + offset + k]) << np.uint64(8 * (k & 7))
        if take < RATE:  # the last (partial or empty) block: pad 0x01 … 0x80, permute
            state[take >> 3] ^= np.uint64(0x01) << np.uint64(8 * (take & 7))
            state[(RATE - 1) >> 3] ^= np.uint64(0x80) << np.uint64(8 * ((RATE - 1) & 7))
            _permute(state)
            break
        _permute(state)
        offset += RATE
    _squeeze(state, out)


@compiled()
def _squeeze(state: npt.NDArray[np.uint64], out: npt.NDArray[np.uint8]) -> None:
    for k in range(DIGEST):
        out[k] = np.uint8((state[k >> 3] >> np.uint64(8 * (k & 7))) & np.uint64(0xFF))


@compiled()
def hash_block(
    left: npt.NDArray[np.uint8],
    right: npt.NDArray[np.uint8],
    out: npt.NDArray[np.uint8],
    state: npt.NDArray[np.uint64],
) -> None:
    """out = keccak256(left ‖ right) for two 32-byte rows (one padded block of 64 bytes),
    in `state` (25 lanes, overwritten); callable from other compiled functions (the Merkle
    tree's inner nodes)."""
    state[:] = 0
    for lane in range(4):
        state[lane] = _lane(left, 8 * lane)
        state[4 + lane] = _lane(right, 8 * lane)
    state[8] = np.uint64(0x01)
    state[16] = np.uint64(0x80) << np.uint64(56)
    _permute(state)
    _squeeze(state, out)


def _hash_ragged_py(
    data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64], out: npt.NDArray[np.uint8]
) -> None:
    n = offsets.shape[0] - 1
    for chunk in numba.prange((n + CHUNK - 1) // CHUNK):
        state = np.empty(25, dtype=np.uint64)
        for i in range(chunk * CHUNK, min(n, (chunk + 1) * CHUNK)):
            _hash_one(data, offsets[i], offsets[i + 1] - offsets[i], out[i], state)


def _hash_rows_py(flat: npt.NDArray[np.uint8], width: int, out: npt.NDArray[np.uint8]) -> None:
    n = out.shape[0]
    for chunk in numba.prange((n + CHUNK - 1) // CHUNK):
        state = np.empty(25, dtype=np.uint64)
        for i in range(chunk * CHUNK, min(n, (chunk + 1) * CHUNK)):
            _hash_one(flat, i * width, width, out[i], state)


_HASH_RAGGED = serial_and_parallel(_hash_ragged_py)
_HASH_ROWS = serial_and_parallel(_hash_rows_py)


def keccak_rows(rows: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """keccak256 of each row of `rows`, (n, width) uint8; returns (n, 32) uint8."""
    if rows.ndim != 2 or rows.dtype != np.uint8:
        raise InvalidInput(f"rows: must be a 2-d uint8 array, got {rows.dtype} {rows.shape}")
    out = np.empty((rows.shape[0], DIGEST), dtype=np.uint8)
    if rows.shape[0]:
        kernel = _HASH_ROWS[rows.shape[0] >= PARALLEL_FROM]
        kernel(np.ascontiguousarray(rows).reshape(-1), rows.shape[1], out)
    return out


def keccak_many(messages: Sequence[bytes]) -> npt.NDArray[np.uint8]:
    """keccak256 of each message (any lengths); returns (len(messages), 32) uint8."""
    offsets = np.zeros(len(messages) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, messages), np.int64, len(messages)), out=offsets[1:])
    return keccak_ragged(np.frombuffer(b"".join(messages), dtype=np.uint8), offsets)


def keccak_ragged(
    data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64]
) -> npt.NDArray[np.uint8]:
    """keccak256 of each message `data[offsets[i]:offsets[i + 1]]`: messages laid out in
    one buffer by the caller (an hour's terms, encoded as arrays); (len(offsets) − 1, 32)."""
    n = offsets.shape[0] - 1
    if data.ndim != 1 or data.dtype != np.uint8 or offsets.ndim != 1 or n < 0:
        raise InvalidInput("messages: a 1-d uint8 buffer and at least one offset")
    ends = offsets.astype(np.int64, copy=False)
    if ends[0] != 0 or ends[-1] != data.shape[0] or np.any(np.diff(ends) < 0):
        raise InvalidInput("offsets: must rise from 0 to the buffer's length")
    out = np.empty((n, DIGEST), dtype=np.uint8)
    if n:
        buffer = np.ascontiguousarray(data) if data.shape[0] else np.zeros(1, dtype=np.uint8)
        _HASH_RAGGED[n >= PARALLEL_FROM](buffer, np.ascontiguousarray(ends), out)
    return out
