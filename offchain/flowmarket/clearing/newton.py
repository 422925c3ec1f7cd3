"""Stage 2: minimise the dual g(π) by a regularised semismooth Newton method.

Each iteration, with r = W x(π) the aggregate net demand (GB/h per product):

    (W_A D_A⁻¹ W_Aᵀ + μ I) d = r − μ (π − π_prior)     (Jacobi-preconditioned CG)
    π ← π + t d,   t = argmin_t g(π + t d) + μ/2 ‖π + t d − π_prior‖²

The proximal weight μ shrinks with ‖r‖, so the iterates converge to a minimiser
of g (a clearing price) and keep products without active orders near the prior.
The 1-D line search is exact and costs only vector operations: u(t) = u + t Wᵀd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowmarket.clearing.dual import DualOperators, column_prices, inside, response
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
    ops: DualOperators, h: FloatArray, mu: float, rhs: FloatArray, tol: float, max_iter: int
) -> tuple[FloatArray, int]:
    """Solve (W diag(h) Wᵀ + μ I) d = rhs to ‖residual‖₂ ≤ tol; returns (d, iterations)."""
    active = np.flatnonzero(h)
    w_a = ops.weights[:, active]
    w_at = ops.weights_t[active]
    h_a = h[active]
    precond = 1.0 / (ops.weights_sq[:, active] @ h_a + mu)
    d = np.zeros_like(rhs)
    res = rhs.copy()
    z = precond * res
    direction = z.copy()
    rz = float(res @ z)
    for it in range(1, max_iter + 1):
        hd = w_a @ (h_a * (w_at @ direction)) + mu * direction
        alpha = rz / float(direction @ hd)
        d += alpha * direction
        res -= alpha * hd
        if float(np.linalg.norm(res)) <= tol:
            return d, it
        z = precond * res
        rz_new = float(res @ z)
        direction *= rz_new / rz
        direction += z
        rz = rz_new
    return d, max_iter


def _line_search(
    lin: LinearOrders, u: FloatArray, v: FloatArray, mu: float, c0: float, c1: float
) -> float:
    """argmin_t of the dual plus μ/2‖·‖² along d; u = Wᵀπ, v = Wᵀd, c0 = μ(π−π₀)·d, c1 = ‖d‖²."""

    def slope_at(t: float) -> tuple[float, float]:
        ut = u + t * v
        deriv = -float(response(lin, ut) @ v) + c0 + mu * t * c1
        curv = float(inside(lin, ut) @ (v * v)) + mu * c1
        return deriv, curv

    d0, _ = slope_at(0.0)
    lo, hi, t = 0.0, np.inf, 1.0
    for _ in range(60):
        deriv, curv = slope_at(t)
        if abs(deriv) <= 1e-3 * abs(d0):
            return t
        if deriv > 0:
            hi = t
        else:
            lo = t
        step = t - deriv / curv if curv > 0 else np.nan
        fallback = 0.5 * (lo + hi) if np.isfinite(hi) else 2.0 * t
        t = step if lo < step < hi else fallback
    return lo if lo > 0 else t


def solve_dual(
    lin: LinearOrders, ops: DualOperators, prior: FloatArray, options: SolverOptions
) -> DualSolution:
    """Semismooth Newton from the prior prices to max imbalance ≤ `imbalance_target`."""
    target = imbalance_target(lin, options)
    price_scale = max(1.0, float(np.max(np.abs(lin.p_high), initial=0.0)))
    prices = prior.copy()
    cg_total = 0
    for it in range(options.max_iter + 1):
        u = column_prices(ops, prices)
        r = ops.weights @ response(lin, u)
        r_max = float(np.max(np.abs(r), initial=0.0))
        if r_max <= target:
            return DualSolution(prices, it, cg_total, r_max)
        if it == options.max_iter:
            break
        mu = min(1.0, 0.1 * r_max / price_scale)
        grad = r - mu * (prices - prior)
        h = inside(lin, u)
        cg_tol = max(0.1 * target, min(0.1, float(np.sqrt(r_max))) * float(np.linalg.norm(grad)))
        d, n_cg = _pcg(ops, h, mu, grad, cg_tol, options.cg_max_iter)
        cg_total += n_cg
        v = column_prices(ops, d)
        t = _line_search(lin, u, v, mu, float(mu * (prices - prior) @ d), float(d @ d))
        prices = prices + t * d
    raise ClearingFailed(
        f"clearing: Newton did not reach imbalance {target:.3g} GB/h in "
        f"{options.max_iter} iterations (last {r_max:.3g})"
    )
