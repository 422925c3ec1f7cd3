"""Digest arrays as bytes values, without numba: shared by the trees built node by node
(`tree`, which must not import numba) and the compiled batch hashing (`keccak`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

DIGEST = 32


def digests(hashed: npt.NDArray[np.uint8]) -> list[bytes]:
    """The rows of an (n, 32) digest array as n bytes values (`row_bytes`)."""
    return row_bytes(hashed)


def row_bytes(rows: npt.NDArray[np.uint8]) -> list[bytes]:
    """The rows of an (n, w) byte array as n bytes values: slices of one copy, a third
    of the time of `bytes(row)` per row (numpy makes a view object for each row)."""
    width = rows.shape[1]
    blob = np.ascontiguousarray(rows).tobytes()
    return [blob[at : at + width] for at in range(0, len(blob), width)]
