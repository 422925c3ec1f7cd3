"""Least-distance programming: the exact projection of a point onto a polyhedron.

min ‖y‖ subject to G y ≥ h is solved through one non-negative least squares
problem (Lawson & Hanson, "Solving Least Squares Problems", ch. 23): with
E = [Gᵀ; hᵀ] and f = (0, …, 0, 1), u = argmin_{u ≥ 0} ‖E u − f‖ and residual
ρ = E u − f, the solution is y = −ρ[:-1] / ρ[-1]. The active-set NNLS is finite
and exact up to rounding, which is what the unique-price rule needs.

Checked (engine 5): scipy's NNLS can return a u that is not its problem's minimum,
with no warning. Measured on two network hours of the demo (2026-12-08, scipy 1.17): a
reported residual of 0 with gradient entries of −7.7, and a projected link price of 2.91
where its rows allowed at most 0, which the certificate gate then refused (a duality gap
of 113 tokens an hour). A checked solve tests the NNLS optimality conditions and, where
they fail, solves the same problem by bounded-variable least squares (scipy's BVLS),
which gave the projection there to 1e-16. Engines 1 to 4 keep the unchecked solve
(their bits).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import lsq_linear, nnls

from flowmarket.clearing.model import FloatArray

# The NNLS optimality conditions a checked solve demands, relative to max(1, max |E|)²:
# the gradient Eᵀ(Eu − f) at least −KKT_TOL everywhere and within KKT_TOL of 0 where u > 0
# (an exact solve leaves rounding, about 1e-15 of it).
KKT_TOL = 1e-9


def least_distance(g: FloatArray, h: FloatArray, *, checked: bool = False) -> FloatArray | None:
    """Shortest y (r,) with g (M, r) @ y ≥ h (M,); None if the set looks empty.

    checked: test the NNLS solution and solve again by BVLS where it is not optimal."""
    n_constraints, dim = g.shape
    if n_constraints == 0 or np.all(h <= 0):
        return np.zeros(dim)
    e = np.vstack([g.T, h[None, :]])
    f = np.zeros(dim + 1)
    f[-1] = 1.0
    u, _ = nnls(e, f, maxiter=50 * max(n_constraints, dim + 1))
    rho = e @ u - f
    if checked and not _optimal(e, u, rho):
        u = lsq_linear(e, f, bounds=(0.0, np.inf), method="bvls").x
        rho = e @ u - f
    if abs(rho[-1]) < 1e-14:
        return None
    y: FloatArray = -rho[:-1] / rho[-1]
    return y


def _optimal(e: FloatArray, u: FloatArray, rho: FloatArray) -> bool:
    """Whether u ≥ 0 minimises ‖E u − f‖ (residual ρ): the gradient Eᵀρ is ≥ 0, and 0
    where u > 0, to KKT_TOL."""
    grad = e.T @ rho
    tol = KKT_TOL * max(1.0, float(np.max(np.abs(e), initial=0.0))) ** 2
    return bool(np.all(grad >= -tol) and np.all(np.abs(grad[u > 0]) <= tol))


def project(
    start: FloatArray, c: FloatArray, b: FloatArray, *, checked: bool = False
) -> FloatArray | None:
    """Euclidean projection of start (r,) onto {z : c (M, r) @ z ≤ b (M,)}; checked: as
    `least_distance`'s."""
    y = least_distance(-c, c @ start - b, checked=checked)
    return None if y is None else start + y
