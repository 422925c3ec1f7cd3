"""Independent reference: the clearing QP and the price projection solved by OSQP."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import osqp
import scipy.sparse as sp

from flowmarket.clearing.model import LinearOrders

FloatArray = npt.NDArray[np.float64]


def _csc32(matrix: sp.sparray | sp.spmatrix) -> sp.csc_matrix:
    out = sp.csc_matrix(matrix)
    out.indices = out.indices.astype(np.int32)
    out.indptr = out.indptr.astype(np.int32)
    return out


def osqp_solve(
    p: sp.sparray, q: FloatArray, a: sp.sparray, lo: FloatArray, hi: FloatArray, eps: float
) -> tuple[FloatArray, FloatArray]:
    solver = osqp.OSQP()
    solver.setup(
        P=_csc32(sp.triu(p)),
        q=q,
        A=_csc32(a),
        l=lo,
        u=hi,
        eps_abs=eps,
        eps_rel=eps,
        max_iter=500_000,
        polishing=True,
        verbose=False,
    )
    result = solver.solve(raise_error=False)
    assert result.info.status_val in (1, 2), result.info.status
    return np.asarray(result.x), np.asarray(result.y)


def reference_clearing(lin: LinearOrders, eps: float = 1e-11) -> tuple[FloatArray, FloatArray]:
    """(x (l,), prices (n,)) of max Σ p_high x − slope x²/2, W x = 0, 0 ≤ x ≤ q."""
    n, n_lin = lin.weights.shape
    a = sp.vstack([lin.weights, sp.eye_array(n_lin)])
    lo = np.zeros(n + n_lin)
    hi = np.concatenate([np.zeros(n), lin.q])
    x, y = osqp_solve(sp.diags_array(lin.slope), -lin.p_high, a, lo, hi, eps)
    return x, y[:n]


def reference_projection(lin: LinearOrders, x: FloatArray, prior: FloatArray) -> FloatArray:
    """Projection of prior onto the optimal price set of x, classified with tolerance 1e-7."""
    tol = 1e-7 * max(1.0, float(lin.q.max()))
    zero = x <= tol
    full = (x >= lin.q - tol) & ~zero
    inner = ~zero & ~full
    wt = sp.csr_array(lin.weights.T)
    rows = sp.vstack([wt[inner], wt[zero], wt[full]])
    target = lin.p_high - lin.slope * x
    lo = np.concatenate([target[inner], lin.p_high[zero], np.full(int(full.sum()), -np.inf)])
    hi = np.concatenate([target[inner], np.full(int(zero.sum()), np.inf), lin.p_low[full]])
    n = prior.size
    prices, _ = osqp_solve(sp.eye_array(n), -prior, rows, lo, hi, 1e-12)
    return prices
