"""Stage 2: minimise the dual g(π) by a regularised semismooth Newton method.

Starting point: the better (smaller imbalance) of the prior prices and the
prices at which the market would clear if every linear order traded along its
line without the bounds 0 ≤ x ≤ q (one linear solve with the Hessian of all
orders). From a cold start that skips most of the iterations in which the
active set forms (measured at 10^5 × 10^6, w = 50: 27 → 13 iterations; 11 with
the exact line search).

Each iteration, with r = W x(π) the aggregate net demand (GB/h per product):

    (W_A D_A⁻¹ W_Aᵀ + μ I) d = r                        (Jacobi-preconditioned CG)
    π ← π + t d,   t = argmin_t g(π + t d)             (exact, `linesearch`)

Under engine 3 the Hessian's weights also count, at 1/8 of their 1/slope, the orders
outside their curve's inside that lie within the last step's move of a kink
(`passes.NearKinks`): fewer steps are cut short by the line search. Under engine 4 the
CG's preconditioner also inverts the 2 x 2 blocks of the most strongly coupled pairs of
products (`pairs`): about half the CG iterations of engine 3.

The regularisation μ shrinks with ‖r‖ (superlinear local convergence once the
active set settles) and only decreases. There is no pull toward the prior in
the iteration: the unique-price stage projects the prior onto the optimal set
exactly afterwards, and a pull fought the market's own gradient (measured: 27
iterations with it against 23 without, from the same start).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from flowmarket.clearing.dual import DualOperators, Operators, dot, largest_abs
from flowmarket.clearing.krylov import PreconditionerFactory, pcg
from flowmarket.clearing.linesearch import Workspace, exact_step
from flowmarket.clearing.model import FloatArray, Lines, SolverOptions
from flowmarket.clearing.pairs import pair_preconditioner
from flowmarket.clearing.parallel import ColumnSplit, RowSplit
from flowmarket.clearing.passes import NearKinks, passes_for


@dataclass(frozen=True)
class DualSolution:
    """Prices (n,) tokens/GB and the work it took; `converged` when every product's
    imbalance is within its bound (`balance_bound`). Otherwise the prices are the last
    iterate and the certificate gate (`gate`) decides what to do with them."""

    prices: FloatArray
    iterations: int
    cg_iterations: int
    max_imbalance: float
    converged: bool = True


def imbalance_target(lin: Lines, options: SolverOptions) -> float:
    """Absolute target for max_k |Σ w_ki x_i| (GB/h), the first stopping test."""
    scale = float(lin.q.max()) if lin.q.size else 1.0
    return options.tol * max(1.0, scale)


def balance_bound(ops: Operators, sums: FloatArray, tol: float) -> FloatArray:
    """Each product's imbalance bound (n,) GB/h: tol × max(1 GB/h, its gross flow). One
    giant order loosens the bound of its own products only, and only relative to what
    flows there; `max_k |r_k| ≤ tol × max q` alone let a 10³⁰ GB/h order leave 10¹⁸."""
    return tol * np.maximum(1.0, ops.gross_flow(sums))


# μ = mean Hessian diagonal × min(cap, (‖r‖₂/‖r₀‖₂)^power). Measured on seeded books
# (bench/): (0.1, 2) with the 2-norm took 19–20 iterations at 10^4–3·10^4 products and
# 26–27 at 10^5 × 10^6, against 20–26 / 31–33 with the ∞-norm; caps 0.03 and 1, and
# power 1.5, were no better or worse. With the linear-model start and the exact line
# search (11 iterations at 10^5 × 10^6, w = 50): caps 0.01 and 1, powers 1 and 3, a
# forcing term ‖r‖/‖r₀‖ instead of its square root and start tolerances 1e-2 and
# 1e-4 all took 10–13 iterations and no less CPU time.
MU_SCHEDULE: tuple[float, float] = (0.1, 2.0)
STALL_STEP = 1e-3
# Iterations allowed after max |r| first met `imbalance_target` while some product still
# exceeded its own bound. Books that clear take 0–3 here (measured on the seeded books of
# tests/ and bench/); a book whose orders are beyond double precision never gets there.
EXTRA_ITERATIONS = 30
# Engine 3 (`passes.NearKinks`): the weight of an order near a kink in the Hessian, as a
# share of its slope's. Measured at 10^5 x 10^6 (bench/README.md): 1/8 took 13 Newton
# steps the next hour against 16, 1/4 the same, 1 more than none (25 against 23 cold).
NEAR_KINK_WEIGHT = 0.125
MU_FLOOR = 1e-12  # relative to the mean Hessian diagonal; keeps CG's system well-posed
START_TOL = 1e-3  # relative CG residual of the linear-model starting point


@dataclass(frozen=True)
class _Oriented:
    """The linear orders as their group sees them: ζ = sign·z, ξ = sign·x ∈ [lo, hi].

    Then Wᵀ and W act through B without signs: ζ(π) = top − (Bᵀπ)[group]/slope and
    W x = B Σ_group ξ. top = sign·p_high/slope, made again at each use (the start and the
    final check, not every iteration: one column less through the Newton stage);
    lo, hi = min, max of 0 and sign·q (GB/h).
    """

    p_high: FloatArray
    lo: FloatArray
    hi: FloatArray

    @classmethod
    def of(cls, lin: Lines, ops: Operators) -> _Oriented:
        signed_q = ops.sign * ops.put(lin.q)
        return cls(ops.put(lin.p_high), np.minimum(signed_q, 0.0), np.maximum(signed_q, 0.0))

    def unclipped(
        self,
        ops: Operators,
        prices: FloatArray,
        into: tuple[FloatArray, FloatArray] | None = None,
        cols: ColumnSplit | None = None,
    ) -> FloatArray:
        """ζ (l,) at prices π (n,); into: two (l,) buffers to compute it in (ζ lands in
        the first), so that the Newton loop's confirmation needs no new columns; cols:
        the threads its passes run on (`ColumnSplit`, default one)."""
        zeta, top = into or (np.empty_like(self.p_high), np.empty_like(self.p_high))
        cols = cols or ColumnSplit.like(zeta, 1)
        cols.take(ops.groups_t @ prices, ops.row_of, zeta)
        cols.run(_unclipped, zeta, top, ops.sign, self.p_high, ops.inv_slope)
        return zeta

    def imbalance(self, ops: Operators, zeta: FloatArray) -> FloatArray:
        """r = W x (n,) GB/h for unclipped ζ (l,)."""
        r: FloatArray = ops.groups @ ops.group_sum(np.clip(zeta, self.lo, self.hi))
        return r

    def near_kinks(self, zeta: FloatArray, band: float) -> npt.NDArray[np.bool_]:
        """Mask (l,) of the orders in the generalised Jacobian after a stalled step (t <
        STALL_STEP): those strictly inside (lo < ζ < hi, `passes.Passes.step`'s mask) and
        those within one imbalance of a kink (band = r_max GB/h). An order on its kink
        can absorb the residual, and leaving it out makes the Hessian singular exactly
        where the last digits have to be won."""
        near = zeta > self.lo - band
        near &= zeta < self.hi + band
        return near


def _unclipped(
    zeta: FloatArray, top: FloatArray, sign: FloatArray, p_high: FloatArray, inv_slope: FloatArray
) -> None:
    """ζ = top − ζ/slope in place, zeta holding (Bᵀπ)[group] (a part of the columns)."""
    np.multiply(sign, p_high, out=top)
    zeta *= inv_slope
    top *= inv_slope
    np.subtract(top, zeta, out=zeta)


def _proximal_weight(progress: float, h_scale: float) -> float:
    """μ (GB/h per token): a share of the mean Hessian diagonal, shrinking with ‖r‖/‖r₀‖."""
    cap, power = MU_SCHEDULE
    return h_scale * min(cap, float(np.power(progress, power)))


def _starting_point(
    ops: Operators,
    box: _Oriented,
    prior: FloatArray,
    h_scale: float,
    options: SolverOptions,
    cols: ColumnSplit,
) -> tuple[FloatArray, FloatArray, int]:
    """(prices (n,), their ζ (l,), CG iterations): the prior or the linear-model prices.

    Linear model: W D⁻¹ (p_high − Wᵀπ) = 0, solved from the prior by CG on the
    Hessian of all orders.
    """
    zeta_prior = box.unclipped(ops, prior, cols=cols)
    rhs = ops.groups @ ops.group_sum(zeta_prior)
    a_all = ops.group_sum(ops.inv_slope)
    tol = START_TOL * np.sqrt(dot(rhs, rhs))
    max_cg, threads = options.cg_max_iter, options.threads
    step, n_cg = pcg(ops, a_all, MU_FLOOR * h_scale, rhs, tol, max_cg, threads=threads)
    candidate = prior + step
    zeta_cand = box.unclipped(ops, candidate, cols=cols)
    r_prior = box.imbalance(ops, zeta_prior)
    r_cand = box.imbalance(ops, zeta_cand)
    if dot(r_cand, r_cand) < dot(r_prior, r_prior):
        return candidate, zeta_cand, n_cg
    return prior.copy(), zeta_prior, n_cg


def hessian_scale(ops: Operators, inv_slope: FloatArray) -> float:
    """Mean of the positive diagonal of W diag(inv_slope) Wᵀ (GB/h per token), else 1."""
    diag = ops.groups_sq @ ops.group_sum(inv_slope)
    return float(np.mean(diag[diag > 0])) if np.any(diag > 0) else 1.0


def solve_dual(
    lin: Lines,
    ops: Operators,
    prior: FloatArray,
    options: SolverOptions,
    *,
    h_scale: float | None = None,
    cold_start: bool = True,
    target: float | None = None,
    preconditioner: PreconditionerFactory | None = None,
) -> DualSolution:
    """Semismooth Newton from the starting point until every product's imbalance is within
    `balance_bound`: first to max imbalance ≤ `imbalance_target`, then, if a product is
    still beyond its own bound, on to the smallest bound for at most EXTRA_ITERATIONS
    more. Returns the last iterate, `converged` False, when it gets no further.

    Hooks for `proximal`: h_scale, the Hessian scale μ is measured against (default
    `hessian_scale` of all orders); cold_start=False starts at the prior itself;
    target, an imbalance to stop at instead (GB/h; the per-product bounds are then
    left to the caller); preconditioner, for CG (`pcg`): by default Jacobi, and under
    engine 4 on the CPU `pairs.pair_preconditioner` (a device's operators keep Jacobi:
    their prices agree to the certificate's tolerances, never to the bit).
    """
    bounded = target is None
    if preconditioner is None and options.engine >= 4 and isinstance(ops, DualOperators):
        preconditioner = pair_preconditioner(ops, options.threads, options.pair_strengths)
    target = imbalance_target(lin, options) if target is None else target
    extra_from = options.max_iter
    box = _Oriented.of(lin, ops)
    prior = ops.put(prior)
    if h_scale is None:
        h_scale = hessian_scale(ops, ops.inv_slope)
    cols = ColumnSplit.like(box.p_high, options.threads)
    if cold_start:
        prices, zeta, cg_total = _starting_point(ops, box, prior, h_scale, options, cols)
    else:
        prices, zeta, cg_total = prior.copy(), box.unclipped(ops, prior, cols=cols), 0
    r_first = 0.0
    mu = np.inf
    t = 1.0
    groups = RowSplit(ops.groups, options.threads)
    groups_t = RowSplit(ops.groups_t, options.threads)
    xi, nu, beta, z_next = (np.empty_like(zeta) for _ in range(4))
    inside = np.empty_like(zeta, dtype=bool)
    passes = passes_for(ops, cols, options.passes)
    work = Workspace.like(zeta, passes, cols)
    band: NearKinks | None = None  # engine 3's band, once there is a last step
    for it in range(options.max_iter + 1):
        # xi = clip(ζ), inside = lo < ζ < hi, and their group sums: `a` is the Hessian's
        # weights for this iteration's CG (ν is free until `along`; β holds the last step).
        sums, a = passes.step(zeta, box.lo, box.hi, xi, inside, nu, band)
        r = groups @ sums
        r_max = largest_abs(r)
        if not np.isfinite(r_max):
            break  # orders beyond double precision: the gate names them
        if r_max <= target:
            # ζ was updated incrementally (ζ −= t·β); confirm exactly (in z_next and ν,
            # free until `along`; β still holds the last step for engine 3's band).
            zeta, z_next = box.unclipped(ops, prices, into=(z_next, nu), cols=cols), zeta
            sums, a = passes.step(zeta, box.lo, box.hi, xi, inside, nu, band)
            r = ops.groups @ sums
            r_max = largest_abs(r)
            if r_max <= target:
                bound = balance_bound(ops, sums, options.tol)
                if not bounded or np.all(np.abs(r) <= bound):
                    return DualSolution(ops.fetch(prices), it, cg_total, r_max)
                target = float(np.min(bound))  # on to every product's own bound
                extra_from = min(extra_from, it)
        # Let go of each (m,) column as soon as it is read: at the paper's size one is
        # 0.2 GB, and the line search below is the Newton stage's peak.
        del sums
        if it == options.max_iter or it - extra_from >= EXTRA_ITERATIONS:
            break
        r_norm = float(np.sqrt(dot(r, r)))
        r_first = r_first or r_norm
        mu = max(min(mu, _proximal_weight(r_norm / r_first, h_scale)), MU_FLOOR * h_scale)
        if t < STALL_STEP:  # the orders near a kink join the Hessian's weights
            near = box.near_kinks(zeta, r_max)
            cols.run(np.multiply, ops.inv_slope, near, beta)
            a = ops.group_sum(beta)
        forcing = min(0.1, float(np.sqrt(r_norm / r_first)))
        cg_tol = max(0.1 * target, forcing * r_norm)
        d, n_cg = pcg(ops, a, mu, r, cg_tol, options.cg_max_iter, preconditioner, options.threads)
        del a
        cg_total += n_cg
        passes.along(groups_t @ d, nu, beta)  # nu = sign·Wᵀd, beta = nu/slope
        bounds = (box.lo, box.hi)
        t = exact_step(zeta, xi, inside, bounds, (beta, nu), dot(r, d), z_next, work)
        if options.engine >= 3:
            band = NearKinks(beta, t, NEAR_KINK_WEIGHT)
        zeta, z_next = z_next, zeta
        prices = prices + t * d
    return DualSolution(ops.fetch(prices), it, cg_total, r_max, converged=False)
