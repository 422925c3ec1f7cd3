"""Least-distance programming: the exact projection of a point onto a polyhedron.

min ‖y‖ subject to G y ≥ h is solved through one non-negative least squares
problem (Lawson & Hanson, "Solving Least Squares Problems", ch. 23): with
E = [Gᵀ; hᵀ] and f = (0, …, 0, 1), u = argmin_{u ≥ 0} ‖E u − f‖ and residual
ρ = E u − f, the solution is y = −ρ[:-1] / ρ[-1]. The active-set NNLS is finite
and exact up to rounding, which is what the unique-price rule needs.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

from flowmarket.clearing.model import FloatArray


def least_distance(g: FloatArray, h: FloatArray) -> FloatArray | None:
    """Shortest y (r,) with g (M, r) @ y ≥ h (M,); None if the set looks empty."""
    n_constraints, dim = g.shape
    if n_constraints == 0 or np.all(h <= 0):
        return np.zeros(dim)
    e = np.vstack([g.T, h[None, :]])
    f = np.zeros(dim + 1)
    f[-1] = 1.0
    u, _ = nnls(e, f, maxiter=50 * max(n_constraints, dim + 1))
    rho = e @ u - f
    if abs(rho[-1]) < 1e-14:
        return None
    y: FloatArray = -rho[:-1] / rho[-1]
    return y


def project(start: FloatArray, c: FloatArray, b: FloatArray) -> FloatArray | None:
    """Euclidean projection of start (r,) onto {z : c (M, r) @ z ≤ b (M,)}."""
    y = least_distance(-c, c @ start - b)
    return None if y is None else start + y
