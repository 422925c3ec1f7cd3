"""Independent reference for non-convex clearing: every accept set enumerated, its
allocation solved by Clarabel (a QP over curve segments written here from the JSON
orders), its admissibility by a price LP (scipy's HiGHS) on the curves' marginal
price intervals, and the best admissible set kept."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import clarabel
import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

TOL = 1e-6


@dataclass
class RefOrder:
    oid: str
    kind: str  # curve | all_or_nothing | min_fill | startup
    w: dict[str, float]
    qty: list[float]
    price: list[float]
    minimum: float = 0.0
    fixed: float = 0.0


def ref_orders(doc: dict[str, Any]) -> list[RefOrder]:
    out = []
    for o in doc["orders"]:
        kind = o.get("kind", "curve")
        if kind == "all_or_nothing":
            q, p = float(o["quantity"]), float(o["price"])
            qty, price = ([0.0, q], [p, p]) if q > 0 else ([q, 0.0], [p, p])
        else:
            qty = [float(a) for a, _ in o["curve"]]
            price = [float(b) for _, b in o["curve"]]
        out.append(
            RefOrder(
                o["id"],
                kind,
                dict(o["portfolio"]),
                qty,
                price,
                float(o.get("min_quantity", 0.0)),
                float(o.get("fixed_cost", 0.0)),
            )
        )
    return out


def price_interval(o: RefOrder, x: float) -> tuple[float, float]:
    """[low, high] of portfolio prices at which x maximises the order's surplus over its
    range (convex orders: the curve; accepted min_fill: beyond the minimum)."""
    lo_r, hi_r = o.qty[0], o.qty[-1]
    if o.kind == "min_fill":
        lo_r, hi_r = (o.minimum, hi_r) if hi_r > 0 else (lo_r, -o.minimum)
    if hi_r - lo_r <= 1e-9:
        return -np.inf, np.inf
    if x <= lo_r + 1e-7 * max(1.0, abs(lo_r)):
        return float(np.interp(lo_r, o.qty, o.price)), np.inf
    if x >= hi_r - 1e-7 * max(1.0, abs(hi_r)):
        return -np.inf, float(np.interp(hi_r, o.qty, o.price))
    v = float(np.interp(x, o.qty, o.price))
    return v, v


def value(o: RefOrder, x: float) -> float:
    """∫_0^x P by dense sampling-free summation over segments."""
    total = 0.0
    q, p = o.qty, o.price
    if o.kind == "all_or_nothing":
        return p[0] * x
    lo, hi = min(0.0, x), max(0.0, x)
    for k in range(len(q) - 1):
        a, b = max(q[k], lo), min(q[k + 1], hi)
        if b > a:
            pa = np.interp(a, q, p)
            pb = np.interp(b, q, p)
            total += (pa + pb) / 2 * (b - a)
    return total if x >= 0 else -total


def _segments(o: RefOrder) -> list[tuple[float, float, float, float]]:
    """(a, b, P(a), P(b)) with the curve split at 0."""
    q = list(o.qty)
    p = list(o.price)
    if 0.0 not in q:
        k = int(np.searchsorted(q, 0.0))
        p.insert(k, float(np.interp(0.0, o.qty, o.price)))
        q.insert(k, 0.0)
    return [(q[k], q[k + 1], p[k], p[k + 1]) for k in range(len(q) - 1)]


def solve_allocation(
    orders: list[RefOrder], accepted: set[int], products: list[str]
) -> tuple[float, list[float]] | None:
    """Max welfare with rejected non-convex orders at 0 and accepted in their range."""
    cols: list[tuple[int, float, float, float, float]] = []  # order, sign, len, p0, slope
    lower: list[float] = []
    const = 0.0
    for j, o in enumerate(orders):
        if o.kind != "curve" and j not in accepted:
            continue
        if o.kind != "curve":
            const -= o.fixed
        for a, b, pa, pb in _segments(o):
            length = b - a
            if o.kind == "all_or_nothing":
                lo_y = length
            elif o.kind == "min_fill":
                m = o.minimum
                # the part of the segment within |x| < m must be traded
                lo_y = min(length, max(0.0, m - a)) if b > 0 else min(length, max(0.0, m + b))
            else:
                lo_y = 0.0
            if b > 0:  # buy segment from a up
                cols.append((j, 1.0, length, pa, (pa - pb) / length))
            else:  # sell segment from b down
                cols.append((j, -1.0, length, -pb, (pa - pb) / length))
            lower.append(lo_y)
    n_y = len(cols)
    index = {name: k for k, name in enumerate(products)}
    rows, cidx, vals = [], [], []
    for c, (j, sign, _, _, _) in enumerate(cols):
        for name, w in orders[j].w.items():
            rows.append(index[name])
            cidx.append(c)
            vals.append(sign * w)
    n = len(products)
    bal = sp.csc_array((vals, (rows, cidx)), shape=(n, n_y))
    eye = sp.eye_array(n_y, format="csc")
    a = sp.vstack([bal, eye, -eye], format="csc")
    ub = np.array([c[2] for c in cols])
    b = np.concatenate([np.zeros(n), ub, -np.array(lower)])
    p_mat = sp.csc_array(sp.diags_array(np.array([c[4] for c in cols])))
    q_vec = -np.array([c[3] for c in cols])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = 1e-10
    settings.tol_feas = settings.tol_ktratio = 1e-10
    settings.max_iter = 500
    cones = [clarabel.ZeroConeT(n), clarabel.NonnegativeConeT(2 * n_y)]
    sol = clarabel.DefaultSolver(p_mat, q_vec, a, b, cones, settings).solve()
    if str(sol.status) not in ("Solved", "AlmostSolved"):
        return None
    y = np.clip(np.asarray(sol.x), np.array(lower), ub)
    x = [0.0] * len(orders)
    for c, (j, sign, _, _, _) in enumerate(cols):
        x[j] += sign * float(y[c])
    welfare = const + sum(
        value(orders[j], x[j])
        for j in range(len(orders))
        if orders[j].kind == "curve" or j in accepted
    )
    return welfare, x


def admissible(
    orders: list[RefOrder], accepted: set[int], x: list[float], products: list[str], rule: str
) -> bool:
    """Prices with every convex order on its curve (Model A: accepted curve orders within
    their accepted range too) and no accepted order at a loss."""
    index = {name: k for k, name in enumerate(products)}
    n = len(products)
    a_ub: list[np.ndarray] = []
    b_ub: list[float] = []

    def row(o: RefOrder) -> np.ndarray:
        r = np.zeros(n)
        for name, w in o.w.items():
            r[index[name]] += w
        return r

    for j, o in enumerate(orders):
        if o.kind == "curve" or (
            rule == "model_a" and j in accepted and o.kind != "all_or_nothing"
        ):
            lo, hi = price_interval(o, x[j])
            if np.isfinite(hi):
                a_ub.append(row(o))
                b_ub.append(hi + TOL)
            if np.isfinite(lo):
                a_ub.append(-row(o))
                b_ub.append(-lo + TOL)
        if o.kind != "curve" and j in accepted:
            a_ub.append(row(o) * x[j])
            b_ub.append(value(o, x[j]) - o.fixed + TOL)
    if not a_ub:
        return True
    res = linprog(np.zeros(n), A_ub=np.array(a_ub), b_ub=np.array(b_ub), bounds=[(None, None)] * n)
    return bool(res.status == 0)


def brute_force(doc: dict[str, Any], rule: str) -> list[tuple[float, frozenset[str]]]:
    """Every admissible accept set with its welfare, best first."""
    orders = ref_orders(doc)
    products = sorted({name for o in orders for name in o.w})
    special = [j for j, o in enumerate(orders) if o.kind != "curve"]
    out = []
    for size in range(len(special) + 1):
        for subset in itertools.combinations(special, size):
            solved = solve_allocation(orders, set(subset), products)
            if solved is None:
                continue
            welfare, x = solved
            if admissible(orders, set(subset), x, products, rule):
                out.append((welfare, frozenset(orders[j].oid for j in subset)))
    out.sort(key=lambda t: -t[0])
    return out
