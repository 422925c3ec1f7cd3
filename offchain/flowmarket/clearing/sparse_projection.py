"""The unique-price projection for groups of any size: a sparse convex QP, checked.

A group of free products (`prices`) moves by d from the Newton prices π̂ to the point
of the optimal price set closest to the prior:

    min ½‖d − δ‖²   subject to   W_Eᵀ d = 0   (orders strictly inside stay on their curve)
                                 C_gᵀ d ≤ s   (orders at an end of their range stay there)

with δ = prior − π̂ on the group and s the bound rows' slack at π̂. The dense path
(`ldp`, null-space coordinates and one NNLS) costs O(n³) and is kept for groups up to
`SolverOptions.exact_projection_limit`; beyond, the QP goes, sparse, to the solver
`SolverOptions.large_group_qp` names: by default the package's own (`projection_qp`,
an augmented Lagrangian with sparse LU, linear in the group's size on the market's
structures); the market's options add HiGHS's active-set QP after it
(`flowmarket.solvers.highs_projection`, outside this package because it is neither
numpy nor scipy). An answer is accepted only with a certificate computed here: primal
feasibility, multiplier signs, complementarity and stationarity d − δ = Aᵀy within
`PROJECTION_TOL` (scaled by the data), checked on the answer as given and, failing
that, after polishing it onto the rows its multipliers hold. An answer without a
certificate is refused (None): the caller then keeps π̂ and reports the projection as
not exact, as for every large group when no solver is given.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import lsq_linear
from scipy.sparse.linalg import lsqr

from flowmarket.clearing.model import FloatArray, ProjectionQp

PROJECTION_TOL = 1e-9  # relative to max(1, ‖δ‖∞, ‖s‖∞)


def project_sparse(
    equal: sp.csc_array,
    bound: sp.csc_array,
    slack: FloatArray,
    delta: FloatArray,
    qp: ProjectionQp,
) -> FloatArray | None:
    """The d (m,) of the module docstring, or None when no answer of `qp` is certified.

    equal (m, e): the group's columns of W_E; bound (m, r): its columns of C; slack (r,)."""
    rows = sp.hstack([equal, bound], format="csc").T.tocsc()  # (e + r, m), one row each
    n_eq = equal.shape[1]
    scale = max(1.0, float(np.max(np.abs(delta), initial=0.0)))
    scale = max(scale, float(np.max(np.abs(slack), initial=0.0)))
    tol = PROJECTION_TOL * scale
    # π̂ may violate a row by rounding: the rows as stated first, then π̂'s own slack.
    for rhs in (slack, np.maximum(slack, 0.0)):
        for answer, multipliers in qp(rows, n_eq, rhs, delta):
            if multipliers is not None and _certified(
                rows, n_eq, rhs, delta, answer, multipliers, tol
            ):
                return answer
            d, duals = _polished(rows, n_eq, rhs, delta, answer, multipliers, tol)
            if _certified(rows, n_eq, rhs, delta, d, duals, tol):
                return d
    return None


def _polished(
    rows: sp.csc_array,
    n_eq: int,
    rhs: FloatArray,
    delta: FloatArray,
    d: FloatArray,
    duals: FloatArray | None,
    tol: float,
) -> tuple[FloatArray, FloatArray]:
    """The exact projection of δ onto the rows HiGHS's multipliers hold, and theirs.

    HiGHS stops within its own tolerances (1e-7); what matters is the set D of rows its
    multipliers hold (the equalities and every inequality with y < 0): the projection
    onto {A_D d = rhs_D} is δ minus the minimum-norm solution of A_D x = A_D δ − rhs_D,
    and HiGHS's multipliers are corrected by the minimum-norm solution of
    A_Dᵀ z = (d − δ) − A_Dᵀ y (both by LSQR: no factorisation). A wrong D shows as a
    violated row or a multiplier of the wrong sign in `_certified`."""
    if duals is None:  # no multipliers: the rows d leaves tight (HiGHS's 1e-7)
        tight = rows[n_eq:] @ d - rhs > -max(1e-7, tol)
        held = np.concatenate([np.arange(n_eq), n_eq + np.flatnonzero(tight)])
    else:
        held = np.concatenate([np.arange(n_eq), n_eq + np.flatnonzero(duals[n_eq:] < 0)])
    a = rows[held]
    target = np.concatenate([np.zeros(n_eq), rhs])[held]
    limit = 10 * (a.shape[0] + a.shape[1])
    shift = lsqr(a, a @ delta - target, atol=1e-15, btol=1e-15, iter_lim=limit)[0]
    exact = delta - shift
    y = np.zeros(rows.shape[0])
    if duals is None:  # multipliers of the right signs: a bounded least-squares problem
        upper = np.where(held < n_eq, np.inf, 0.0)
        fit = lsq_linear(a.T, exact - delta, bounds=(-np.inf, upper), tol=1e-14, lsmr_tol=1e-15)
        y[held] = fit.x
        return exact, y
    y_held = duals[held]
    y_held = (
        y_held
        + lsqr(a.T, (exact - delta) - a.T @ y_held, atol=1e-15, btol=1e-15, iter_lim=limit)[0]
    )
    y[held] = y_held
    return exact, y


def _certified(
    rows: sp.csc_array,
    n_eq: int,
    rhs: FloatArray,
    delta: FloatArray,
    d: FloatArray,
    duals: FloatArray,
    tol: float,
) -> bool:
    """KKT of the projection at d with HiGHS's row duals y (its sign convention: the
    objective's gradient equals Aᵀy at an optimum, y ≤ 0 on a row at its upper bound)."""
    activity = rows @ d
    if n_eq and float(np.max(np.abs(activity[:n_eq]))) > tol:
        return False
    excess = activity[n_eq:] - rhs
    if excess.size and float(np.max(excess)) > tol:
        return False
    mu = duals[n_eq:]
    if mu.size and float(np.max(mu)) > tol:
        return False
    # Complementarity: a row with a multiplier is tight.
    if mu.size and float(np.max(np.abs(mu * excess))) > tol * max(1.0, float(np.abs(mu).max())):
        return False
    stationarity = (d - delta) - rows.T @ duals
    return float(np.max(np.abs(stationarity), initial=0.0)) <= tol
