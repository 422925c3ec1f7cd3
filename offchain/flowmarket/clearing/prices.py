"""Stage 3: the unique clearing prices (§5 rule), given converged Newton prices π̂.

With x* fixed, the optimal price set is the polyhedron

    w_i·π = p_high_i − slope_i x_i   (order strictly inside its curve, set E)
    w_i·π ≥ p_high_i                 (x_i = 0, set Z)
    w_i·π ≤ p_low_i                  (x_i = q_i, set F)

and the published prices are the Euclidean projection of the prior onto it.
Equalities group products into components (products linked by orders in E).
A component is *free* where the prior differs from π̂ along the null space of
its equalities; free components move, coupled through the multi-product orders
of Z ∪ F that touch them, while the others are held at π̂. A held component that
a row tight at the result links to a moved one moves too, and the projection is
redone until no tight row links the two (`_blocking_components`):

- a free product with no order in E is a 1-D interval: the prior is clipped to
  it (vectorised; this covers products whose only orders overlap, and markets
  with no possible trade);
- any other group is projected exactly by least-distance programming in the
  null-space coordinates (`ldp`), up to `exact_projection_limit` products, and
  beyond by a sparse QP with a KKT certificate (`sparse_projection`, solved by the
  package's own `projection_qp` unless the options name another solver);
- products with no orders are unconstrained and keep the prior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from flowmarket.clearing.dual import DualOperators, column_prices, response
from flowmarket.clearing.ldp import project
from flowmarket.clearing.model import (
    FloatArray,
    IntArray,
    LinearOrders,
    ProjectionQp,
    SolverOptions,
)
from flowmarket.clearing.nullspace import free_part
from flowmarket.clearing.sparse_projection import project_sparse


@dataclass(frozen=True)
class PriceSet:
    """The optimal price polyhedron around π̂: E equalities and Z ∪ F rows c·π ≤ b."""

    equal: IntArray  # (|E|,) linear orders strictly inside
    bound: IntArray  # (|Z ∪ F|,) linear orders at an end of their range
    c: sp.csc_array  # (n, |Z ∪ F|) column j = ±w of bound[j]
    b: FloatArray  # (|Z ∪ F|,) right-hand sides, tokens per GB


def _classify(
    lin: LinearOrders, ops: DualOperators, prices: FloatArray, tol_x: float
) -> tuple[IntArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """At π̂: (E = orders strictly inside (k,), at zero (l,), at full (l,))."""
    x = response(lin, column_prices(ops, prices))
    zero = x <= tol_x
    full = (x >= lin.q - tol_x) & ~zero
    return np.flatnonzero(~zero & ~full), zero, full


def _bound_rows(
    lin: LinearOrders, ops: DualOperators, zero: npt.NDArray[np.bool_], full: npt.NDArray[np.bool_]
) -> tuple[IntArray, sp.csc_array, FloatArray]:
    """The Z ∪ F rows c·π ≤ b of the polyhedron: (orders, c (n, |Z ∪ F|), b)."""
    bound = np.flatnonzero(zero | full)
    sign = np.where(zero[bound], -1.0, 1.0)
    c = sp.csc_array(lin.weights[:, bound])
    c.data *= np.repeat(sign, np.diff(c.indptr))
    b = np.where(zero[bound], -lin.p_high[bound], lin.p_low[bound])
    return bound, c, b


def _chain_components(n_nodes: int, nodes: IntArray, sets: IntArray) -> IntArray:
    """Component label (n_nodes,) of each node when the nodes of one set are linked.

    nodes, sets: (e,) membership entries sorted by set; each set's members are
    chained (first–second, second–third, …), which links them like a star would.
    """
    same = sets[1:] == sets[:-1]
    head, tail = nodes[:-1][same], nodes[1:][same]
    graph = sp.csr_array((np.ones(head.size), (head, tail)), shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


def _components(w_e: sp.csc_array) -> IntArray:
    """Component label (n,) of each product, products linked by a common order of E."""
    columns = np.repeat(np.arange(w_e.shape[1]), np.diff(w_e.indptr))
    return _chain_components(w_e.shape[0], w_e.indices.astype(np.int64), columns)


def _groups(comp: IntArray, free_comp: IntArray, c: sp.csc_array) -> IntArray:
    """Merge free components linked by a bound row; label (n,) per product, −1 if fixed."""
    is_free = np.isin(comp, free_comp)
    relabel = np.full(int(comp.max()) + 1, -1, dtype=np.int64)
    relabel[free_comp] = np.arange(free_comp.size)
    coo = c.tocoo()  # column-major: entries sorted by bound row
    mask = is_free[coo.row]
    labels = _chain_components(free_comp.size, relabel[comp[coo.row[mask]]], coo.col[mask])
    group = np.full(comp.size, -1, dtype=np.int64)
    group[is_free] = labels[relabel[comp[is_free]]]
    return group


def _clip_singletons(
    products: IntArray, ps: PriceSet, prices: FloatArray, prior: FloatArray
) -> FloatArray:
    """Clip the prior of lone free products (no E order) to their price interval."""
    lo = np.full(prices.size, -np.inf)
    hi = np.full(prices.size, np.inf)
    coo = ps.c.tocoo()
    keep = np.isin(coo.row, products)
    row, col, a = coo.row[keep], coo.col[keep], coo.data[keep]
    # a·π_k + (rest at π̂) ≤ b  ⇔  a·π_k ≤ b − c_j·π̂ + a·π̂_k
    rhs = (ps.b - ps.c.T @ prices)[col] + a * prices[row]
    bound = rhs / a
    np.minimum.at(hi, row[a > 0], bound[a > 0])
    np.maximum.at(lo, row[a < 0], bound[a < 0])
    out = prices.copy()
    inside = lo[products] <= hi[products]
    clipped = np.clip(prior[products], lo[products], hi[products])
    out[products] = np.where(inside, clipped, prices[products])
    return out


def _project_group(
    products: IntArray,
    ps: PriceSet,
    w_e: sp.csc_array,
    prices: FloatArray,
    prior: FloatArray,
    checked: bool,
) -> FloatArray | None:
    """Exact projection of the prior for one group of free products (dense); checked: the
    least-distance solve's own check (`ldp`, engine 5)."""
    rows_e = w_e[products].tocsc()
    eqs = rows_e[:, np.flatnonzero(np.diff(rows_e.indptr))].toarray().T
    if eqs.size:
        _, s, vt = np.linalg.svd(eqs, full_matrices=True)
        rank = int(np.sum(s > max(eqs.shape) * np.finfo(float).eps * s[0]))
        basis = vt[rank:].T
    else:
        basis = np.eye(products.size)
    c_g = ps.c[products]
    touching = np.flatnonzero(np.diff(c_g.tocsc().indptr))
    c_dense = c_g[:, touching].toarray().T @ basis
    slack = ps.b[touching] - ps.c[:, touching].T @ prices
    z0 = basis.T @ (prior[products] - prices[products])
    # π̂ may violate a row by rounding; the exact rows first, then π̂'s own slack.
    z = project(z0, c_dense, slack, checked=checked)
    if z is None:
        z = project(z0, c_dense, np.maximum(slack, 0.0), checked=checked)
    if z is None:
        return None
    out: FloatArray = prices[products] + basis @ z
    return out


def _project_group_sparse(
    products: IntArray,
    ps: PriceSet,
    w_e: sp.csc_array,
    prices: FloatArray,
    prior: FloatArray,
    qp: ProjectionQp,
) -> FloatArray | None:
    """Projection of the prior for one group of free products of any size (sparse QP)."""
    rows_e = w_e[products].tocsc()
    equal = rows_e[:, np.flatnonzero(np.diff(rows_e.indptr))]
    c_g = ps.c[products].tocsc()
    touching = np.flatnonzero(np.diff(c_g.indptr))
    slack = ps.b[touching] - ps.c[:, touching].T @ prices
    delta = prior[products] - prices[products]
    d = project_sparse(sp.csc_array(equal), sp.csc_array(c_g[:, touching]), slack, delta, qp)
    return None if d is None else prices[products] + d


def unique_prices(
    lin: LinearOrders,
    ops: DualOperators,
    prices: FloatArray,
    prior: FloatArray,
    options: SolverOptions,
    tol_x: float,
    bounds: LinearOrders | None = None,
) -> tuple[FloatArray, bool]:
    """Projection of the prior onto the optimal price set; (prices (n,), exact?).

    bounds: the problem whose p_high/p_low give the Z ∪ F rows when `lin` is a
    proximal step of it (`proximal`: same columns, shifted prices); default `lin`.
    """
    equal, zero, full = _classify(lin, ops, prices, tol_x)
    w_e = sp.csc_array(lin.weights[:, equal])
    delta = prior - prices
    loose = free_part(w_e, delta, options.cg_max_iter)
    eps = 1e-9 * max(1.0, float(np.max(np.abs(delta), initial=0.0)))
    free = np.abs(loose) > eps
    if not np.any(free):  # the usual case: the prices are unique
        return prices, True
    bound, c, b = _bound_rows(lin if bounds is None else bounds, ops, zero, full)
    ps = PriceSet(equal=equal, bound=bound, c=c, b=b)
    comp = _components(w_e)
    moving = np.unique(comp[free])
    while True:
        out, exact = _project_components(comp, moving, ps, w_e, prices, prior, options)
        blocking = _blocking_components(comp, moving, ps, out)
        if blocking.size == 0:
            return out, exact
        moving = np.union1d(moving, blocking)


def _project_components(
    comp: IntArray,
    moving: IntArray,
    ps: PriceSet,
    w_e: sp.csc_array,
    prices: FloatArray,
    prior: FloatArray,
    options: SolverOptions,
) -> tuple[FloatArray, bool]:
    """The prior projected with the components `moving` free and the others held at π̂."""
    group = _groups(comp, moving, ps.c)
    has_equal = np.diff(sp.csr_array(w_e).indptr) > 0
    sizes = np.bincount(group[group >= 0])
    lone = np.flatnonzero((group >= 0) & ~has_equal)
    lone = lone[sizes[group[lone]] == 1]
    out = _clip_singletons(lone, ps, prices, prior)
    exact = True
    rest = np.flatnonzero(group >= 0)
    rest = rest[~np.isin(rest, lone)]
    rest = rest[np.argsort(group[rest], kind="stable")]
    for members in np.split(rest, np.flatnonzero(np.diff(group[rest])) + 1):
        if members.size == 0:
            continue
        if members.size > options.exact_projection_limit:
            qp = options.large_group_qp
            projected = (
                None if qp is None else _project_group_sparse(members, ps, w_e, prices, prior, qp)
            )
        else:
            checked = options.engine >= 5
            projected = _project_group(members, ps, w_e, prices, prior, checked)
        if projected is None:
            exact = False
        else:
            out[members] = projected
    return out, exact


def _blocking_components(
    comp: IntArray, moving: IntArray, ps: PriceSet, out: FloatArray
) -> IntArray:
    """Held components that a moved group leans on: those sharing a Z ∪ F row that is tight
    at `out` with a moving product.

    Holding the other components at π̂ restricts the projection. Where no row tight at
    `out` links a moving product to a held one, that restriction binds nothing: a held
    component's prior differs from π̂ only across its equalities, so its own optimality
    conditions hold with the tight rows' multipliers at zero, and `out` is the projection.
    Otherwise the held components behind the tight rows must move too (a spread order
    between a product whose prior is at π̂ and one whose prior is not holds the second at
    the first's price, where the projection moves both)."""
    moves = np.isin(comp, moving)
    coo = ps.c.tocoo()
    slack = ps.b - ps.c.T @ out
    tight = slack <= 1e-9 * np.maximum(1.0, np.abs(ps.b))
    rows = np.unique(coo.col[moves[coo.row] & tight[coo.col]])
    held = np.isin(coo.col, rows) & ~moves[coo.row]
    return np.unique(comp[coo.row[held]])
