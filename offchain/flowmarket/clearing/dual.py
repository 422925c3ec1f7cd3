"""The dual of the clearing QP, evaluated on arrays (§5).

For prices π (n,), each linear order sees its column price u_i = w_i·π and
trades x_i(u) = clip((p_high_i − u_i)/slope_i, 0, q_i). The dual function

    g(π) = Σ_i max_{0 ≤ x ≤ q_i} (p_high_i − u_i) x − slope_i x²/2

is convex and piecewise quadratic; ∇g(π) = −W x(π) (minus the aggregate net
demand) and its generalised Hessian is W_A diag(1/slope_A) W_Aᵀ over the orders
strictly inside their curves.

The linear orders of one curve share its portfolio up to sign, so W = B S with
B (n, m) the distinct columns (one per group, i.e. per order) and S (m, l) the
sign of each linear order in its group's row. Products with W go through B,
which has 2–3× fewer non-zeros than W: Wᵀπ = sign·(Bᵀπ)[group], W x = B Σ_group
sign·x, and W diag(h) Wᵀ = B diag(Σ_group h) Bᵀ. A group with a single product
(a one-product order) adds to the diagonal of that product only, so Hessian
products split into a diagonal part and B_M diag(a_M) B_Mᵀ over the groups with
two or more products (B_M has half the rows of Bᵀ on typical books).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.model import FloatArray, IntArray, LinearOrders


def _compact_indices(matrix: sp.csr_array) -> sp.csr_array:
    """Same matrix with 32-bit indices when they fit (sparse products read less memory)."""
    if matrix.nnz < 2**31 - 1 and max(matrix.shape) < 2**31 - 1:
        matrix.indices = matrix.indices.astype(np.int32, copy=False)
        matrix.indptr = matrix.indptr.astype(np.int32, copy=False)
    return matrix


@dataclass(frozen=True)
class DualOperators:
    """Precomputed operators of the dual.

    weights: W (n, l) CSC; group: (l,) index of each linear order's column in B
    (its order); sign: (l,) ±1, column i of W = sign_i × column group_i of B;
    groups: B (n, m) CSR; groups_t: Bᵀ (m, n) CSR; groups_sq: B∘B (n, m) CSR;
    lone: (m_S,) the one-product groups; lone_product: (m_S,) their product;
    lone_sq: (m_S,) their weight squared; coupled:
    (m_M,) the groups with two or more products; coupled_b: B_M (n, m_M) CSR and
    coupled_bt: B_Mᵀ (m_M, n) CSR, their columns; inv_slope: (l,) 1/slope, GB/h per token.
    """

    weights: sp.csc_array
    group: IntArray
    sign: FloatArray
    groups: sp.csr_array
    groups_t: sp.csr_array
    groups_sq: sp.csr_array
    lone: IntArray
    lone_product: IntArray
    lone_sq: FloatArray
    coupled: IntArray
    coupled_b: sp.csr_array
    coupled_bt: sp.csr_array
    inv_slope: FloatArray

    @property
    def n_groups(self) -> int:
        return int(self.groups.shape[1])

    @classmethod
    def of(cls, lin: LinearOrders) -> DualOperators:
        """Operators of `lin`; its columns of one `parent` must be ± the same vector."""
        parent = lin.parent
        step = np.diff(parent)
        if parent.size and np.all(step >= 0):
            change = np.flatnonzero(step) + 1
            first = np.concatenate([np.zeros(1, dtype=np.int64), change])
            if parent[0] == 0 and np.all(step <= 1):  # already 0, 1, 2, … (from decompose)
                group = parent
            else:
                group = np.zeros(parent.size, dtype=np.int64)
                group[change] = 1
                group = np.cumsum(group)
        else:  # no grouping to exploit: every linear order is its own group
            first = np.arange(parent.size, dtype=np.int64)
            group = first
        b_csc = sp.csc_array(lin.weights[:, first])
        b_csc.data *= np.repeat(lin.sign[first], np.diff(b_csc.indptr))
        groups_t = _compact_indices(
            sp.csr_array((b_csc.data, b_csc.indices, b_csc.indptr), shape=b_csc.shape[::-1])
        )
        groups = _compact_indices(sp.csr_array(b_csc))
        groups_sq = sp.csr_array((groups.data**2, groups.indices, groups.indptr), groups.shape)
        count = np.diff(b_csc.indptr)
        lone = np.flatnonzero(count == 1)
        coupled = np.flatnonzero(count > 1)
        coupled_bt = _compact_indices(sp.csr_array(groups_t[coupled]))
        return cls(
            weights=lin.weights,
            group=group,
            sign=lin.sign.astype(np.float64, copy=False),
            groups=groups,
            groups_t=groups_t,
            groups_sq=groups_sq,
            lone=lone,
            lone_product=b_csc.indices[b_csc.indptr[lone]].astype(np.int64),
            lone_sq=b_csc.data[b_csc.indptr[lone]] ** 2,
            coupled=coupled,
            coupled_b=_compact_indices(sp.csr_array(coupled_bt.T)),
            coupled_bt=coupled_bt,
            inv_slope=1.0 / lin.slope,
        )

    def group_sum(self, values: FloatArray) -> FloatArray:
        """Σ over the linear orders of each group: (l,) → (m,)."""
        out = np.bincount(self.group, weights=values, minlength=self.n_groups)
        return out.astype(np.float64, copy=False)  # int64 when there are no orders


def dot(a: FloatArray, b: FloatArray) -> float:
    """a·b without BLAS: a threaded ddot stalls badly on a busy machine (measured 14×)."""
    return float(np.einsum("i,i->", a, b))


def column_prices(ops: DualOperators, prices: FloatArray) -> FloatArray:
    """u = Wᵀπ: (l,) tokens per GB of each linear order's column."""
    per_group = ops.groups_t @ prices
    u: FloatArray = per_group[ops.group]
    u *= ops.sign
    return u


def net_demand(ops: DualOperators, x: FloatArray) -> FloatArray:
    """W x: (n,) GB/h of aggregate net demand per product for linear trades x (l,)."""
    r: FloatArray = ops.groups @ ops.group_sum(ops.sign * x)
    return r


def hessian_diagonal(ops: DualOperators, h: FloatArray) -> FloatArray:
    """diag(W diag(h) Wᵀ): (n,) for per-linear-order weights h (l,), GB/h per token."""
    diag: FloatArray = ops.groups_sq @ ops.group_sum(h)
    return diag


def response(lin: LinearOrders, u: FloatArray) -> FloatArray:
    """x(u): (l,) GB/h each linear order trades at column prices u."""
    x: FloatArray = np.clip((lin.p_high - u) / lin.slope, 0.0, lin.q)
    return x


def inside(lin: LinearOrders, u: FloatArray) -> FloatArray:
    """1/slope where the order is strictly inside its curve, else 0: (l,) GB/h per token."""
    h: FloatArray = np.where((u > lin.p_low) & (u < lin.p_high), 1.0 / lin.slope, 0.0)
    return h


def primal_value(lin: LinearOrders, x: FloatArray) -> float:
    """As-bid welfare Σ p_high·x − slope·x²/2 (tokens/h)."""
    return float(np.sum(lin.p_high * x - 0.5 * lin.slope * x * x))


def dual_value(lin: LinearOrders, u: FloatArray) -> float:
    """g(π) given u = Wᵀπ (tokens/h)."""
    x = response(lin, u)
    return float(np.sum((lin.p_high - u) * x - 0.5 * lin.slope * x * x))
