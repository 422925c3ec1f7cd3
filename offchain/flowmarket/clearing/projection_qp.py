"""The clearing's own solver for the unique-price projection of a large group.

It answers the sparse QP of `sparse_projection` (a `ProjectionQp`):

    min ½‖d − δ‖²   subject to   A_E d = 0,   C d ≤ s

by an augmented Lagrangian (proximal method of multipliers) with penalty 1/ε, whose
inner problem is solved by semismooth Newton. Rows are first scaled to unit length, and
an inequality row that repeats an equality row (with s ≥ 0) is dropped as implied (the
two linear pieces of a curve around its kink give such rows; kept, they make every
working set degenerate). With multipliers z (z_E free, z_C ≥ 0), the working set at d
is J = E ∪ {i ∈ C : z_i + (C_i d − s_i)/ε > 0}; its Newton point solves

    (A_J A_Jᵀ + εI) w = A_J δ − t_J + ε z_J,     d = δ − A_Jᵀ w     (t = 0 on E, s on C)

by one sparse LU (SuperLU, symmetric minimum-degree ordering; the matrix is symmetric
positive definite however dependent the rows of A_J are, and is refactorised only when
J changes). The inner loop moves d towards the Newton point with an exact line search
on the augmented Lagrangian (piecewise quadratic along the step) until the Newton point
keeps its own working set; then z_J = w, z = 0 off J. Stationarity d − δ + Aᵀz = 0
holds by construction at every step; feasibility and complementarity converge with the
multipliers (a proximal step on the dual: components along an eigenvalue λ of A_J A_Jᵀ
shrink by ε/(λ + ε) per step, so even a chain of 10^5 equalities, λ ≈ 1e-9, settles in
a few steps). The method stops when the KKT conditions hold to `KKT_TOL`; the caller's
certificate (`sparse_projection._certified`, 1e-9) re-checks them and alone decides.
Multipliers are returned in `ProjectionQp`'s convention (y = −z in the rows' own scale,
so d − δ = Aᵀy and y ≤ 0 on the inequalities).

Deterministic: the same input gives the same bits (SuperLU with fixed orderings, no
threads, no randomness). `LAST` records the last call's steps and residuals for the
benchmark (`bench/projection_bench.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.linalg import SuperLU, splu

# Not from `model` (which names this solver as the default): the same aliases.
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

REGULARISATION = 1e-10  # ε, for rows of unit length
MAX_STEPS = 100  # outer (multiplier) steps, and Newton steps of each inner problem
KKT_TOL = 1e-11  # relative to max(1, ‖δ‖∞, ‖s‖∞); the certificate accepts 1e-9


@dataclass
class ProjectionStats:
    """What the last call of `active_set_projection` did (for the benchmark)."""

    steps: int = 0
    factorisations: int = 0
    working_rows: int = 0
    primal_residual: float = 0.0
    dual_residual: float = 0.0


LAST = ProjectionStats()


def active_set_projection(
    rows: sp.csc_array, n_eq: int, rhs: FloatArray, delta: FloatArray
) -> Iterator[tuple[FloatArray, FloatArray | None]]:
    """A `ProjectionQp`: the KKT point of the module docstring, when the method gets there."""
    rows = sp.csr_array(rows)
    rhs = np.asarray(rhs, dtype=float)
    kept = n_eq + np.flatnonzero(~_implied(rows, n_eq, rhs))
    keep = np.concatenate([np.arange(n_eq), kept])
    answer = _solve(sp.csr_array(rows[keep]), n_eq, rhs[kept - n_eq], delta)
    if answer is not None:
        d, y_kept = answer
        y = np.zeros(rows.shape[0])
        y[keep] = y_kept
        yield d, y


def _implied(rows: sp.csr_array, n_eq: int, rhs: FloatArray) -> npt.NDArray[np.bool_]:
    """Inequality rows (r,) that an equality implies: a multiple of an equality row with
    rhs ≥ 0 (an order at the end of its range whose portfolio another order holds strictly
    inside, e.g. the two linear pieces of a curve around its kink). They are dropped: their
    multiplier is 0, and left in they make the working set degenerate."""
    unit = sp.csr_array(sp.diags_array(1.0 / _row_norms(rows)) @ rows)
    unit.sort_indices()
    seen: set[tuple[bytes, bytes]] = set()
    out = np.zeros(rows.shape[0] - n_eq, dtype=bool)
    for i in range(rows.shape[0]):
        lo, hi = unit.indptr[i], unit.indptr[i + 1]
        if hi == lo:
            continue
        values = unit.data[lo:hi]
        if values[0] < 0:
            values = -values
        key = (unit.indices[lo:hi].tobytes(), values.tobytes())
        if i < n_eq:
            seen.add(key)
        elif rhs[i - n_eq] >= 0.0 and key in seen:
            out[i - n_eq] = True
    return out


def _row_norms(rows: sp.csr_array) -> FloatArray:
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    out: FloatArray = norms
    return out


def _solve(
    rows: sp.csr_array, n_eq: int, rhs: FloatArray, delta: FloatArray
) -> tuple[FloatArray, FloatArray] | None:
    m = delta.size
    n_rows = rows.shape[0]
    norms = _row_norms(rows)
    a = sp.csr_array(sp.diags_array(1.0 / norms) @ rows)
    t = np.concatenate([np.zeros(n_eq), rhs]) / norms
    scale = max(1.0, float(np.max(np.abs(delta), initial=0.0)))
    scale = max(scale, float(np.max(np.abs(rhs), initial=0.0)))
    tol = KKT_TOL * scale
    kkt = _Kkt(a, n_eq, t, delta)
    d = np.zeros(m)
    z = np.zeros(n_rows)
    stats = ProjectionStats()
    for outer in range(1, MAX_STEPS + 1):
        d, z = _inner(kkt, d, z, tol)
        excess = a @ d - t
        primal = max(
            float(np.max(np.abs(excess[:n_eq]), initial=0.0)),
            float(np.max(excess[n_eq:], initial=0.0)),
        )
        dual = float(np.max(-z[n_eq:], initial=0.0))
        gap = float(np.max(np.abs(z[n_eq:] * excess[n_eq:]), initial=0.0))
        stats.steps, stats.factorisations = outer, kkt.factorisations
        stats.working_rows = int(np.count_nonzero(z))
        stats.primal_residual, stats.dual_residual = primal, dual
        if primal <= tol and dual <= tol and gap <= tol * max(1.0, float(np.max(np.abs(z)))):
            _record(stats)
            y: FloatArray = -z / norms
            return d, y
    _record(stats)
    return None


class _Kkt:
    """The regularised KKT systems of one problem, the last LU kept for its working set."""

    def __init__(self, a: sp.csr_array, n_eq: int, t: FloatArray, delta: FloatArray) -> None:
        self.a, self.n_eq, self.t, self.delta = a, n_eq, t, delta
        self.is_eq = np.arange(a.shape[0]) < n_eq
        self.a_j = a
        self.key: bytes | None = None
        self.lu: SuperLU | None = None
        self.factorisations = 0

    def working(self, d: FloatArray, z: FloatArray) -> IntArray:
        """J = E ∪ {i ∈ C : z_i + (A_i d − t_i)/ε > 0}."""
        return np.flatnonzero(self.is_eq | (z + (self.a @ d - self.t) / REGULARISATION > 0.0))

    def newton_point(self, working: IntArray, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The minimiser (d, w) of the augmented Lagrangian on the piece J = working."""
        eps = REGULARISATION
        key = working.tobytes()
        if key != self.key or self.lu is None:
            a_j = self.a[working]
            normal = sp.csc_array(a_j @ a_j.T + eps * sp.eye_array(working.size))
            self.lu = splu(
                normal,
                permc_spec="MMD_AT_PLUS_A",
                diag_pivot_thresh=0.0,
                options={"SymmetricMode": True},
            )
            self.a_j = a_j
            self.key = key
            self.factorisations += 1
        w = self.lu.solve(self.a_j @ self.delta - self.t[working] + eps * z[working])
        return self.delta - self.a_j.T @ w, w


def _inner(kkt: _Kkt, d: FloatArray, z: FloatArray, tol: float) -> tuple[FloatArray, FloatArray]:
    """Minimise the augmented Lagrangian in d for fixed z (semismooth Newton, exact line
    search on its piecewise-quadratic restriction); then the multiplier step.

    The Newton point of a working set J is the minimiser when J is its own working set;
    the test z_i + (A_i d − t_i)/ε magnifies rounding by 1/ε, so it is judged within
    `tol`: every row of C in J keeps w_i ≥ −tol and every row of C outside it stays
    within ε·z_i + viol_i ≤ tol (a row the minimiser could hold either way moves d by
    no more than that)."""
    n_eq = kkt.n_eq
    for _ in range(MAX_STEPS):
        working = kkt.working(d, z)
        d_new, w = kkt.newton_point(working, z)
        z_new = np.zeros_like(z)
        z_new[working] = w
        outside = np.ones(z.size, dtype=bool)
        outside[working] = False
        outside[:n_eq] = False
        off = REGULARISATION * z[outside] + (kkt.a @ d_new - kkt.t)[outside]
        if (
            float(np.min(z_new[n_eq:], initial=0.0)) >= -tol
            and float(np.max(off, initial=0.0)) <= tol
        ):
            return d_new, z_new
        d = d + _step_length(kkt, d, d_new - d, z) * (d_new - d)
    return d_new, z_new


def _step_length(kkt: _Kkt, d: FloatArray, step: FloatArray, z: FloatArray) -> float:
    """argmin over α ∈ (0, 1] of the augmented Lagrangian along d + α·step: the root of
    its derivative, a non-decreasing piecewise-linear function of α."""
    eps = REGULARISATION
    u = kkt.a @ d - kkt.t + eps * z  # row terms at α = 0, v their rates
    v = kkt.a @ step
    # derivative(α) = step·(d − δ) + α‖step‖² + Σ_E v(u + αv)/ε + Σ_C v (u + αv)₊/ε
    base = float(step @ (d - kkt.delta)) + float(v[: kkt.n_eq] @ u[: kkt.n_eq]) / eps
    slope = float(step @ step) + float(v[: kkt.n_eq] @ v[: kkt.n_eq]) / eps
    u_c, v_c = u[kkt.n_eq :], v[kkt.n_eq :]
    on = u_c > 0.0  # rows whose penalty is active at α = 0+ (or becomes active/inactive)
    base += float(v_c[on] @ u_c[on]) / eps
    slope += float(v_c[on] @ v_c[on]) / eps
    moving = v_c != 0.0
    cross = np.full(u_c.size, np.inf)
    cross[moving] = -u_c[moving] / v_c[moving]
    events = np.flatnonzero(moving & (cross > 0.0) & (cross < 1.0))
    events = events[np.argsort(cross[events], kind="stable")]
    alpha = 0.0
    for i in events:
        at = cross[i]
        if base + slope * at >= 0.0:
            break
        alpha = at
        sign = -1.0 if on[i] else 1.0  # the row's penalty switches off (on) at its crossing
        base += sign * float(v_c[i] * u_c[i]) / eps
        slope += sign * float(v_c[i] * v_c[i]) / eps
        on[i] = not on[i]
    root = -base / slope if slope > 0.0 else 1.0
    return float(min(1.0, max(root, alpha, 1e-12)))


def _record(stats: ProjectionStats) -> None:
    LAST.steps, LAST.factorisations = stats.steps, stats.factorisations
    LAST.working_rows = stats.working_rows
    LAST.primal_residual, LAST.dual_residual = stats.primal_residual, stats.dual_residual
