"""Stage 2: minimise the dual g(π) by a regularised semismooth Newton method.

Each iteration, with r = W x(π) the aggregate net demand (GB/h per product):

    (W_A D_A⁻¹ W_Aᵀ + μ I) d = r − ν (π − π_prior)     (Jacobi-preconditioned CG)
    π ← π + t d,   t = argmin_t g(π + t d) + ν/2 ‖π + t d − π_prior‖²

The regularisation μ shrinks with ‖r‖ (superlinear local convergence once the
active set settles); the proximal pull ν ≤ μ toward the prior stays below a
tenth of the imbalance, so the iterates converge to a minimiser of g (a clearing
price) while drifting as little as possible along directions g is flat in. Both
only decrease, so the line-search objective never stiffens (no cycling). The
1-D line search is exact and costs only vector operations: u(t) = u + t Wᵀd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.dual import DualOperators, column_prices, dot
from flowmarket.clearing.model import FloatArray, LinearOrders, SolverOptions
from flowmarket.errors import ClearingFailed


@dataclass(frozen=True)
class DualSolution:
    """Prices (n,) tokens/GB reaching the imbalance target, and the work it took."""

    prices: FloatArray
    iterations: int
    cg_iterations: int
    max_imbalance: float


def imbalance_target(lin: LinearOrders, options: SolverOptions) -> float:
    """Absolute target for max_k |Σ w_ki x_i| (GB/h)."""
    scale = float(lin.q.max()) if lin.q.size else 1.0
    return options.tol * max(1.0, scale)


def _pcg(
    ops: DualOperators,
    near: npt.NDArray[np.bool_],
    mu: float,
    rhs: FloatArray,
    tol: float,
    max_iter: int,
) -> tuple[FloatArray, int]:
    """Solve (W_A diag(1/slope_A) W_Aᵀ + μ I) d = rhs, A = `near`, to ‖residual‖₂ ≤ tol.

    Returns (d (n,), CG iterations); Jacobi preconditioner diag(W_A D_A⁻¹ W_Aᵀ) + μ.
    """
    active = np.flatnonzero(near)
    w_a = ops.weights[:, active]
    w_at = sp.csr_array((w_a.data, w_a.indices, w_a.indptr), shape=(active.size, rhs.size))
    h_a = ops.inv_slope[active]
    precond = 1.0 / (ops.weights_sq @ (ops.inv_slope * near) + mu)
    d = np.zeros_like(rhs)
    res = rhs.copy()
    z = precond * res
    direction = z.copy()
    rz = dot(res, z)
    for it in range(1, max_iter + 1):
        hd = w_a @ (h_a * (w_at @ direction)) + mu * direction
        alpha = rz / dot(direction, hd)
        d += alpha * direction
        res -= alpha * hd
        if dot(res, res) <= tol * tol:
            return d, it
        z = precond * res
        rz_new = dot(res, z)
        direction *= rz_new / rz
        direction += z
        rz = rz_new
    return d, max_iter


def _line_search(
    lin: LinearOrders,
    ops: DualOperators,
    z0: FloatArray,
    x0: FloatArray,
    v: FloatArray,
    c: tuple[float, float, float],
) -> tuple[float, FloatArray]:
    """argmin_t ψ(t) = g(π + t d) + ν/2‖π + t d − π₀‖², exact (safeguarded 1-D Newton).

    z0 = (p_high − Wᵀπ)/slope, x0 = clip(z0, 0, q), v = Wᵀd; c = (ψ'(0), ν, ‖d‖²).
    With z(t) = z0 − t v/slope and x(t) = clip(z(t), 0, q):
    ψ'(t) = ψ'(0) − (x(t) − x0)·v + ν t ‖d‖². Returns (t, z(t)).
    """
    d0, pull, dd = c
    b = v * ops.inv_slope
    vb = v * b
    x0v = dot(x0, v)
    lo, hi, t = 0.0, np.inf, 1.0
    for _ in range(60):
        z = z0 - t * b
        deriv = d0 - dot(np.clip(z, 0.0, lin.q), v) + x0v + pull * t * dd
        # Short of the minimiser (ψ' ≤ 0, so ψ decreased) a loose test suffices;
        # past it, ψ'(t) must be nearly 0 so that ψ(t) < ψ(0) still holds.
        if -LINE_SEARCH_TOL * abs(d0) <= deriv <= 1e-3 * abs(d0):
            return t, z
        if deriv > 0:
            hi = t
        else:
            lo = t
        curv = float(vb.sum(where=(z > 0) & (z < lin.q))) + pull * dd
        step = t - deriv / curv if curv > 0 else np.nan
        fallback = 0.5 * (lo + hi) if np.isfinite(hi) else 2.0 * t
        t = step if lo < step < hi else fallback
    t = lo if lo > 0 else t
    return t, z0 - t * b


# μ = mean Hessian diagonal × min(cap, (‖r‖₂/‖r₀‖₂)^power). Measured on seeded books
# (bench/): (0.1, 2) with the 2-norm took 19–20 iterations at 10^4–3·10^4 products and
# 26–27 at 10^5 × 10^6, against 20–26 / 31–33 with the ∞-norm; caps 0.03 and 1, and
# power 1.5, were no better or worse.
MU_SCHEDULE: tuple[float, float] = (0.1, 2.0)
STALL_STEP = 1e-3
LINE_SEARCH_TOL = 0.1  # accept t once −tol·|ψ'(0)| ≤ ψ'(t) ≤ 0 (same iterations, fewer trials)
PROGRESS_NORM = 2  # 2: progress measured by ‖r‖₂ (smoother than max |r_k|)
MU_FLOOR = 1e-12  # relative to the mean Hessian diagonal; keeps CG's system well-posed


def _jacobian_orders(lin: LinearOrders, z: FloatArray, band: float) -> npt.NDArray[np.bool_]:
    """Mask (l,) of the orders in the generalised Jacobian W_A D_A⁻¹ W_Aᵀ.

    z = (p_high − Wᵀπ)/slope. Strictly inside orders (0 < z < q); after a stalled
    step (t < STALL_STEP) also those within one imbalance of a kink (band = r_max
    GB/h): an order on its kink can absorb the residual, and leaving it out makes
    the Hessian singular exactly where the last digits have to be won (the line
    search takes t > 1 if the step is short).
    """
    near: npt.NDArray[np.bool_] = (z > -band) & (z < lin.q + band)
    return near


def _proximal_weight(progress: float, h_scale: float) -> float:
    """μ (GB/h per token): a share of the mean Hessian diagonal, shrinking with ‖r‖/‖r₀‖."""
    cap, power = MU_SCHEDULE
    return h_scale * min(cap, float(np.power(progress, power)))


def _unclipped(lin: LinearOrders, ops: DualOperators, prices: FloatArray) -> FloatArray:
    """z = (p_high − Wᵀπ)/slope: (l,) GB/h each linear order would trade, unclipped."""
    z: FloatArray = (lin.p_high - column_prices(ops, prices)) * ops.inv_slope
    return z


def solve_dual(
    lin: LinearOrders, ops: DualOperators, prior: FloatArray, options: SolverOptions
) -> DualSolution:
    """Semismooth Newton from the prior prices to max imbalance ≤ `imbalance_target`."""
    target = imbalance_target(lin, options)
    diag_full = ops.weights_sq @ ops.inv_slope
    h_scale = float(np.mean(diag_full[diag_full > 0])) if np.any(diag_full > 0) else 1.0
    prices = prior.copy()
    cg_total = 0
    r_first = 0.0
    mu = pull = np.inf
    t = 1.0
    z = _unclipped(lin, ops, prices)
    for it in range(options.max_iter + 1):
        x = np.clip(z, 0.0, lin.q)
        r = ops.weights @ x
        r_max = float(np.max(np.abs(r), initial=0.0))
        if r_max <= target:
            # z was updated incrementally (z −= t·Wᵀd/slope); confirm exactly.
            z = _unclipped(lin, ops, prices)
            x = np.clip(z, 0.0, lin.q)
            r = ops.weights @ x
            r_max = float(np.max(np.abs(r), initial=0.0))
            if r_max <= target:
                return DualSolution(prices, it, cg_total, r_max)
        if it == options.max_iter:
            break
        r_norm = float(np.sqrt(dot(r, r))) if PROGRESS_NORM == 2 else r_max
        r_first = r_first or r_norm
        # Both weights only shrink: the objective of the line search never gets stiffer,
        # which rules out cycling. The pull toward the prior stays below a tenth of the
        # imbalance, so the iterates still converge to a clearing price.
        mu = max(min(mu, _proximal_weight(r_norm / r_first, h_scale)), MU_FLOOR * h_scale)
        spread = max(1.0, float(np.max(np.abs(prices - prior))))
        pull = min(pull, mu, 0.1 * r_max / spread)
        grad = r - pull * (prices - prior)
        near = _jacobian_orders(lin, z, r_max if t < STALL_STEP else 0.0)
        forcing = min(0.1, float(np.sqrt(r_norm / r_first)))
        cg_tol = max(0.1 * target, forcing * np.sqrt(dot(grad, grad)))
        d, n_cg = _pcg(ops, near, mu, grad, cg_tol, options.cg_max_iter)
        cg_total += n_cg
        v = column_prices(ops, d)
        t, z = _line_search(lin, ops, z, x, v, (-dot(grad, d), pull, dot(d, d)))
        prices = prices + t * d
    raise ClearingFailed(
        f"clearing: Newton did not reach imbalance {target:.3g} GB/h in "
        f"{options.max_iter} iterations (last {r_max:.3g})"
    )
