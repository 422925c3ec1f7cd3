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

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.model import FloatArray, IntArray, LinearOrders
from flowmarket.clearing.parallel import gather

# Multi-product groups in the Jacobian at most this share of them: CG slices B_M to them
# (slicing costs about two products, so it pays only then).
SLICE_SHARE = 0.5


class Operators(Protocol):
    """What the Newton stage (`newton`, `krylov`, `linesearch`) asks of the dual's
    operators: `DualOperators` on the CPU, `device.DeviceOperators` on a GPU. Its vectors
    are arrays of the operators' own array module (numpy here, CuPy there) and its
    matrices multiply them; `put` and `fetch` move a vector there and back."""

    @property
    def group(self) -> IntArray: ...
    @property
    def sign(self) -> FloatArray: ...
    @property
    def inv_slope(self) -> FloatArray: ...
    @property
    def groups(self) -> Any: ...
    @property
    def groups_t(self) -> Any: ...
    @property
    def row_of(self) -> IntArray: ...
    @property
    def groups_sq(self) -> Any: ...

    def group_sum(self, values: FloatArray) -> FloatArray: ...
    def lone_diagonal(self, a: FloatArray, mu: float, threads: int = 1) -> FloatArray: ...
    def coupling(self, a: FloatArray, threads: int = 1) -> tuple[Any, Any, FloatArray]: ...
    def gross_flow(self, sums: FloatArray) -> FloatArray: ...
    def put(self, host: FloatArray) -> FloatArray: ...
    def fetch(self, array: FloatArray) -> FloatArray: ...


def by_size(count: IntArray) -> IntArray:
    """Groups by portfolio size, book order within a size: the order in which the CG's
    B_Mᵀ and the dual's Bᵀ store their rows. A row is 1–6 entries, and rows of one length
    in a run let the CPU predict the end of each row in a sparse product (B_Mᵀ's took 3×
    less time on a 10^5 x 10^6 book than in book order). A radix sort: 10 ms for 10^6."""
    return np.argsort(np.minimum(count, 255).astype(np.uint8), kind="stable")


def _compact_indices(matrix: sp.csr_array) -> sp.csr_array:
    """Same matrix with 32-bit indices when they fit (sparse products read less memory)."""
    if matrix.nnz < 2**31 - 1 and max(matrix.shape) < 2**31 - 1:
        matrix.indices = matrix.indices.astype(np.int32, copy=False)
        matrix.indptr = matrix.indptr.astype(np.int32, copy=False)
    return matrix


@dataclass(frozen=True)
class DualOperators:
    """Precomputed operators of the dual.

    group: (l,) index of each linear order's column in B (its order); sign: (l,) ±1,
    column i of W = sign_i × column group_i of B (W itself is `LinearOrders.weights`, not
    held here, so that the Newton stage can run without it: `model.NewtonLines`);
    groups: B (n, m) CSR; groups_t: Bᵀ (m, n) CSR with its rows by portfolio size
    (`by_size`), row_of: (l,) each linear order's row there, so that Wᵀπ =
    sign·(groups_t π)[row_of]; groups_sq: B∘B (n, m) CSR;
    lone: (m_S,) the one-product groups; lone_product: (m_S,) their product;
    lone_sq: (m_S,) their weight squared; coupled:
    (m_M,) the groups with two or more products, by portfolio size, then
    first product; coupled_bt: B_Mᵀ (m_M, n) CSR, their columns (B_M itself is its
    transpose's view, or a CSR copy made on first use: `coupled_b`); inv_slope: (l,)
    1/slope, GB/h per token.
    """

    group: IntArray
    sign: FloatArray
    groups: sp.csr_array
    groups_t: sp.csr_array
    row_of: IntArray
    groups_sq: sp.csr_array
    lone: IntArray
    lone_product: IntArray
    lone_sq: FloatArray
    coupled: IntArray
    coupled_bt: sp.csr_array
    inv_slope: FloatArray
    # B_M as CSR, made by `coupled_b` for products split over threads (one thread needs none)
    _rows: dict[str, sp.csr_array] = field(default_factory=dict, repr=False, compare=False)

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
        book_t = sp.csr_array((b_csc.data, b_csc.indices, b_csc.indptr), shape=b_csc.shape[::-1])
        groups = _compact_indices(sp.csr_array(b_csc))
        groups_sq = sp.csr_array((groups.data**2, groups.indices, groups.indptr), groups.shape)
        count = np.diff(b_csc.indptr)
        lone = np.flatnonzero(count == 1)
        coupled = np.flatnonzero(count > 1)
        # Within a size by first product too, so that B_M's rows gather from nearby
        # columns (1.91 → 1.67 ms for B_M at 10^5 x 10^6); a full sort, so only here.
        first_product = b_csc.indices[b_csc.indptr[coupled]]
        coupled = coupled[np.lexsort((first_product, count[coupled]))]
        coupled_bt = _compact_indices(sp.csr_array(book_t[coupled]))
        rows = by_size(count)
        row_of = np.empty(rows.size, dtype=np.intp)
        row_of[rows] = np.arange(rows.size)
        return cls(
            group=group,
            sign=lin.sign.astype(np.float64, copy=False),
            groups=groups,
            groups_t=_compact_indices(sp.csr_array(book_t[rows])),
            row_of=row_of[group],
            groups_sq=groups_sq,
            lone=lone,
            lone_product=b_csc.indices[b_csc.indptr[lone]].astype(np.int64),
            lone_sq=b_csc.data[b_csc.indptr[lone]] ** 2,
            coupled=coupled,
            coupled_bt=coupled_bt,
            inv_slope=1.0 / lin.slope,
        )

    def group_sum(self, values: FloatArray) -> FloatArray:
        """Σ over the linear orders of each group: (l,) → (m,)."""
        out = np.bincount(self.group, weights=values, minlength=self.n_groups)
        return out.astype(np.float64, copy=False)  # int64 when there are no orders

    def lone_diagonal(self, a: FloatArray, mu: float, threads: int = 1) -> FloatArray:
        """(n,) the one-product groups' part of diag(B diag(a) Bᵀ), plus μ; threads: its
        gather's (`parallel.gather`; the sum is whole)."""
        weights = gather(a, self.lone, threads)
        weights *= self.lone_sq
        n = self.groups.shape[0]
        diag = np.bincount(self.lone_product, weights, n).astype(np.float64, copy=False)
        diag += mu
        return diag

    def coupled_b(self) -> sp.csr_array:
        """B_M (n, m_M) CSR, made on the first call and kept."""
        rows = self._rows.get("b")
        if rows is None:
            rows = self._rows.setdefault("b", _compact_indices(sp.csr_array(self.coupled_bt.T)))
        return rows

    def coupling(
        self, a: FloatArray, threads: int = 1
    ) -> tuple[sp.csr_array | sp.csc_array, sp.csr_array, FloatArray]:
        """(B_M (n, k), B_Mᵀ (k, n), a (k,)) over the multi-product groups with a > 0, or
        all of them (a = 0 adds nothing to a product); threads: a's gather's, and B_M's
        form: on one thread B_Mᵀ's transpose as it is (CSC), whose product adds each
        group's column into its products; on more a CSR copy, whose product splits by
        rows (`RowSplit`). Both sum each product's terms in group order from 0, so they
        give the same bits; on one thread the CSC product took 25–30 % less time (B_M's
        at 10^5 x 10^6 and 10^6 x 10^7: 1.4 → 1.0 and 42 → 31 ms), its writes landing
        in the n products, the CSR's reads in the k groups."""
        a_m = gather(a, self.coupled, threads)
        if np.count_nonzero(a_m) > SLICE_SHARE * a_m.size:
            rows_t = self.coupled_bt
            return (rows_t.T if threads == 1 else self.coupled_b()), rows_t, a_m
        keep = np.flatnonzero(a_m)
        rows_t = sp.csr_array(self.coupled_bt[keep])
        return (rows_t.T if threads == 1 else sp.csr_array(rows_t.T)), rows_t, a_m[keep]

    def gross_flow(self, sums: FloatArray) -> FloatArray:
        """G (n,) GB/h: Σ_i |w_ki| x_i, what all linear orders buy and sell of each
        product, from the group sums (m,) of ξ. The linear orders of one group (one curve)
        trade on one side of quantity 0 only, so |Σ_group ξ| = Σ_group |ξ|."""
        b = self.groups
        absolute = sp.csr_array((np.abs(b.data), b.indices, b.indptr), shape=b.shape)
        gross: FloatArray = absolute @ np.abs(sums)
        return gross

    def put(self, host: FloatArray) -> FloatArray:
        return host

    def fetch(self, array: FloatArray) -> FloatArray:
        return array


# The Newton stage's reductions below take numpy's arrays or a device's (`device`: any
# other type with numpy's methods and `get()`, e.g. CuPy's), whose own methods then sum.


def dot(a: FloatArray, b: FloatArray) -> float:
    """a·b without BLAS: a threaded ddot stalls badly on a busy machine (measured 14×).
    On a device's arrays, its own product (CuPy's: the same bits from run to run)."""
    if type(a) is np.ndarray:
        return float(np.einsum("i,i->", a, b))
    return float(a.dot(b))


def masked_dot(a: FloatArray, b: FloatArray, mask: npt.NDArray[np.bool_]) -> float:
    """Σ a·b over the entries where mask holds."""
    if type(a) is np.ndarray:
        return float(np.einsum("i,i,i->", a, b, mask))
    return float((a * b * mask).sum())


def masked_sum(values: FloatArray, mask: npt.NDArray[np.bool_]) -> float:
    """Σ values over the entries where mask holds."""
    if type(values) is np.ndarray:
        return float(np.add.reduce(values, where=mask))
    return float((values * mask).sum())


def largest_abs(values: FloatArray) -> float:
    """max |values|, 0 for none."""
    if type(values) is np.ndarray:
        return float(np.max(np.abs(values), initial=0.0))
    return float(abs(values).max()) if values.size else 0.0


def host(values: Any) -> Any:
    """values as a numpy array (a device's array copied back; numpy's as they are)."""
    return values if type(values) is np.ndarray else values.get()


def column_prices(ops: DualOperators, prices: FloatArray) -> FloatArray:
    """u = Wᵀπ: (l,) tokens per GB of each linear order's column."""
    per_group = ops.groups_t @ prices
    u: FloatArray = per_group[ops.row_of]
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
    # The same operations as p_high·x − 0.5·slope·x·x, two columns at a time, not three.
    value = lin.p_high * x
    curvature = 0.5 * lin.slope
    curvature *= x
    curvature *= x
    value -= curvature
    return float(np.sum(value))


def dual_value(lin: LinearOrders, u: FloatArray) -> float:
    """g(π) given u = Wᵀπ (tokens/h)."""
    x = response(lin, u)
    return float(np.sum((lin.p_high - u) * x - 0.5 * lin.slope * x * x))
