"""The part of a price vector that the equalities of strictly-inside orders pin down.

For W_E (n, k), range(W_E W_Eᵀ) = range(W_E). Conjugate gradients on the
consistent singular system W_E W_Eᵀ v = W_E W_Eᵀ δ started at 0 stays in that
range and converges to its solution there, i.e. to the orthogonal projection of
δ onto range(W_E); δ − v is the component along which prices are not unique.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.dual import dot
from flowmarket.clearing.model import FloatArray


def free_part(w_e: sp.csc_array, delta: FloatArray, max_iter: int) -> FloatArray:
    """Orthogonal projection (n,) of delta onto null(w_eᵀ), the non-unique price directions.

    A product with a single-product order strictly inside its curve is pinned
    (every null vector is 0 there), so only the other products enter the CG,
    through the equalities that touch them; usually a small system.
    """
    single = np.flatnonzero(np.diff(w_e.indptr) == 1)
    pinned = np.zeros(delta.size, dtype=bool)
    pinned[w_e.indices[w_e.indptr[single]]] = True
    rest = np.flatnonzero(~pinned)
    out = np.zeros_like(delta)
    if rest.size == 0:
        return out
    w_rest = sp.csc_array(w_e[rest])
    w_rest = sp.csc_array(w_rest[:, np.flatnonzero(np.diff(w_rest.indptr))])
    out[rest] = delta[rest] - range_part(w_rest, delta[rest], max_iter)
    return out


def range_part(w_e: sp.csc_array, delta: FloatArray, max_iter: int) -> FloatArray:
    """Orthogonal projection (n,) of delta (n,) onto range(w_e), by plain CG."""
    w_t = sp.csr_array(w_e.T)
    rhs = w_e @ (w_t @ delta)
    v = np.zeros_like(delta)
    res = rhs.copy()
    direction = res.copy()
    rr = dot(res, res)
    stop = 1e-26 * dot(rhs, rhs)
    for _ in range(max_iter):
        if rr <= stop or rr == 0.0:
            break
        hd = w_e @ (w_t @ direction)
        alpha = rr / dot(direction, hd)
        v += alpha * direction
        res -= alpha * hd
        rr_new = dot(res, res)
        direction = res + (rr_new / rr) * direction
        rr = rr_new
    return v
