"""The clearing's own solver for the unique-price projection of a large group.

It answers the sparse QP of `sparse_projection` (a `ProjectionQp`):

    min ½‖d − δ‖²   subject to   A_E d = 0,   C d ≤ s

by an augmented Lagrangian (proximal method of multipliers) with penalty 1/ε, whose
inner problem is solved by semismooth Newton. Rows are first scaled to unit length, an
inequality row that repeats an equality row (with s ≥ 0) is dropped as implied (the two
linear pieces of a curve around its kink give such rows; kept, they make every working
set degenerate), and two opposite inequalities that pin one value (c·d ≤ s₁, −c·d ≤ s₂,
s₁ + s₂ = 0: a curve through zero at its kink, both pieces at zero trade) become one
equality c·d = s₁ (kept as two, their multipliers split along a null direction). With
multipliers z (z_E free, z_C ≥ 0), the working set at d is
J = E ∪ {i ∈ C : z_i + (C_i d − s_i)/ε > 0}; its Newton point solves

    (A_J A_Jᵀ + εI) w = A_J δ − t_J + ε z_J,     d = δ − A_Jᵀ w     (t on E: 0 or s₁; s on C)

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
MIN_REGULARISATION = 1e-14  # ε's floor after stalls; kept positive, A_J A_Jᵀ may be singular
MAX_STEPS = 100  # outer (multiplier) steps, and Newton steps of each inner problem
MAX_FACTORISATIONS = 300  # then the caller's fallback answers (one is ~0.1 s at 10^5 rows)
KKT_TOL = 1e-11  # relative to max(1, ‖δ‖∞, ‖s‖∞); the certificate accepts 1e-9
STALL_TOL = 2e-10  # accepted once the residuals stop falling (`_solve`), relative as KKT_TOL
STALL_STEPS = 5  # multiplier steps without halving the primal residual that make a stall
PAIR_TOL = 1e-12  # |s₁ + s₂| of two opposite rows read as one equality, relative as KKT_TOL


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
    scale = max(1.0, float(np.max(np.abs(delta), initial=0.0)))
    scale = max(scale, float(np.max(np.abs(rhs), initial=0.0)))
    shape = _Shapes(rows, n_eq, rhs, PAIR_TOL * scale)
    equal = np.concatenate([np.arange(n_eq), n_eq + shape.pairs[:, 0]])
    t_eq = np.concatenate([np.zeros(n_eq), rhs[shape.pairs[:, 0]]])
    kept = n_eq + np.flatnonzero(shape.kept)
    keep = np.concatenate([equal, kept])
    answer = _solve(sp.csr_array(rows[keep]), equal.size, t_eq, rhs[kept - n_eq], delta)
    if answer is not None:
        d, y_kept = answer
        y = np.zeros(rows.shape[0])
        y[keep[:n_eq]] = y_kept[:n_eq]
        y[kept] = y_kept[equal.size :]
        # A pair's equality multiplier goes to the one of its two rows it pushes against
        # (y ≤ 0 on inequalities): the first row's own, or the second's, rescaled.
        y_pair = y_kept[n_eq : equal.size]
        first, second = n_eq + shape.pairs[:, 0], n_eq + shape.pairs[:, 1]
        y[first] = np.minimum(y_pair, 0.0)
        y[second] = -np.maximum(y_pair, 0.0) * shape.norms[first] / shape.norms[second]
        yield d, y


class _Shapes:
    """Inequality rows that repeat another row up to a positive factor.

    - `kept` (r,): rows left as inequalities. An inequality a multiple of an equality row
      with rhs ≥ 0 is implied and dropped (an order at the end of its range whose
      portfolio another order holds strictly inside, e.g. the two linear pieces of a curve
      around its kink): its multiplier is 0, and left in it makes the working set
      degenerate.
    - `pairs` (p, 2): two opposite inequalities c·d ≤ s₁ and −c·d ≤ s₂ with s₁ + s₂ = 0
      (within the tolerance) pin c·d = s₁: the two pieces of a curve through zero at its
      kink, both at zero trade. They become one equality row (the first); kept as two,
      their multipliers split along a null direction and no working set is consistent.
    """

    kept: npt.NDArray[np.bool_]
    pairs: IntArray
    norms: FloatArray

    def __init__(self, rows: sp.csr_array, n_eq: int, rhs: FloatArray, tol: float) -> None:
        self.norms = _row_norms(rows)
        unit = sp.csr_array(sp.diags_array(1.0 / self.norms) @ rows)
        unit.sort_indices()
        seen: set[tuple[bytes, bytes]] = set()
        open_rows: dict[tuple[bytes, bytes, bool], list[int]] = {}
        self.kept = np.ones(rows.shape[0] - n_eq, dtype=bool)
        pairs: list[tuple[int, int]] = []
        for i in range(rows.shape[0]):
            lo, hi = unit.indptr[i], unit.indptr[i + 1]
            if hi == lo:
                continue
            values = unit.data[lo:hi]
            flipped = bool(values[0] < 0)
            if flipped:
                values = -values
            key = (unit.indices[lo:hi].tobytes(), values.tobytes())
            if i < n_eq:
                seen.add(key)
                continue
            k = i - n_eq
            if key in seen and rhs[k] >= 0.0:
                self.kept[k] = False
                continue
            partners = open_rows.get((*key, not flipped))
            s_k = rhs[k] / self.norms[i]
            match = next(
                (j for j in partners or () if abs(rhs[j] / self.norms[n_eq + j] + s_k) <= tol),
                None,
            )
            if match is not None and partners is not None:
                partners.remove(match)
                self.kept[[match, k]] = False
                pairs.append((match, k))
            else:
                open_rows.setdefault((*key, flipped), []).append(k)
        self.pairs = np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _row_norms(rows: sp.csr_array) -> FloatArray:
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    out: FloatArray = norms
    return out


def _solve(
    rows: sp.csr_array, n_eq: int, t_eq: FloatArray, rhs: FloatArray, delta: FloatArray
) -> tuple[FloatArray, FloatArray] | None:
    """The KKT point of min ½‖d − δ‖² s.t. rows[:n_eq] d = t_eq, rows[n_eq:] d ≤ rhs."""
    m = delta.size
    n_rows = rows.shape[0]
    norms = _row_norms(rows)
    a = sp.csr_array(sp.diags_array(1.0 / norms) @ rows)
    t = np.concatenate([t_eq, rhs]) / norms
    scale = max(1.0, float(np.max(np.abs(delta), initial=0.0)))
    scale = max(
        scale, float(np.max(np.abs(rhs), initial=0.0)), float(np.max(np.abs(t_eq), initial=0.0))
    )
    tol = KKT_TOL * scale
    kkt = _Kkt(a, n_eq, t, delta)
    d = np.zeros(m)
    z = np.zeros(n_rows)
    stats = ProjectionStats()
    history: list[float] = []
    for outer in range(1, MAX_STEPS + 1):
        d, z = _inner(kkt, d, z, tol)
        if kkt.factorisations > MAX_FACTORISATIONS:
            _record(stats)
            return None
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
        history.append(primal)
        z_scale = max(1.0, float(np.max(np.abs(z), initial=0.0)))
        if primal <= tol and dual <= tol and gap <= tol * z_scale:
            break
        # Rounding sets a floor under the residuals (a long chain with large multipliers
        # is solved to ~1/λ_min ulps): once the primal residual stops halving, a point
        # within STALL_TOL (five times inside the certificate's 1e-9) is the answer. One
        # outside it is held up by ε·z: with multipliers of 10^6 (a force summed along a
        # chain of 10^5) ε·z exceeds the gaps between near-binding rows and the working
        # set cannot settle, so ε shrinks (`_Kkt.sharpen`) and the steps go on.
        stalled = len(history) > STALL_STEPS and primal > 0.5 * history[-1 - STALL_STEPS]
        if stalled:
            loose = STALL_TOL * scale
            if primal <= loose and dual <= loose and gap <= loose * z_scale:
                break
            if not kkt.sharpen():
                _record(stats)
                return None
            history.clear()
    else:
        _record(stats)
        return None
    _record(stats)
    y: FloatArray = -z / norms
    return d, y


class _Kkt:
    """The regularised KKT systems of one problem, the last LU kept for its working set."""

    def __init__(self, a: sp.csr_array, n_eq: int, t: FloatArray, delta: FloatArray) -> None:
        self.a, self.n_eq, self.t, self.delta = a, n_eq, t, delta
        self.is_eq = np.arange(a.shape[0]) < n_eq
        self.a_j = a
        self.key: bytes | None = None
        self.lu: SuperLU | None = None
        self.factorisations = 0
        self.eps = REGULARISATION

    def sharpen(self) -> bool:
        """A smaller ε (a larger penalty) after a stall; False when it is at its floor."""
        if self.eps <= MIN_REGULARISATION:
            return False
        self.eps = max(self.eps / 100.0, MIN_REGULARISATION)
        self.key = None  # the matrix changes with ε
        return True

    def working(self, d: FloatArray, z: FloatArray) -> IntArray:
        """J = E ∪ {i ∈ C : z_i + (A_i d − t_i)/ε > 0}."""
        return np.flatnonzero(self.is_eq | (z + (self.a @ d - self.t) / self.eps > 0.0))

    def newton_point(self, working: IntArray, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The minimiser (d, w) of the augmented Lagrangian on the piece J = working."""
        eps = self.eps
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
        if kkt.factorisations > MAX_FACTORISATIONS:
            return d, z  # `_solve` gives up
        working = kkt.working(d, z)
        d_new, w = kkt.newton_point(working, z)
        z_new = np.zeros_like(z)
        z_new[working] = w
        outside = np.ones(z.size, dtype=bool)
        outside[working] = False
        outside[:n_eq] = False
        off = kkt.eps * z[outside] + (kkt.a @ d_new - kkt.t)[outside]
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
    eps = kkt.eps
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
