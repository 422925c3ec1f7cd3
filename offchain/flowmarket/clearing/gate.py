"""Stage 5: the certificate gate. A clearing is used only when its certificate is within
tolerances that scale with the book; otherwise the engine raises `CertificateFailed`
naming the orders that make the tolerance unreachable.

Tolerances, with τ = `SolverOptions.gate_tol` (10⁻⁸, a hundred times the solver's own
target `SolverOptions.tol`, so that a book the solver balanced always passes):

- product k's imbalance |Σ_i w_ki x_i| ≤ τ · max(1, G_k) GB/h, where G_k = Σ_i |w_ki| x_i
  is the gross flow through k (everything the linear orders buy and sell of it, GB/h):
  at most a hundred-millionth of what trades in a product may be unmatched;
- order j's gap |quantity_j − curve_j(portfolio price_j)| ≤ τ · max(1, Q_j) GB/h, Q_j the
  largest |quantity| on its curve;
- the duality gap |π·r| ≤ τ · Σ_k |π_k| · max(1, G_k) tokens/h;
- every price, quantity and residual is a finite number.

Offenders. Double precision resolves a product's balance to about ε·(w·q + w²·|π|/slope)
GB/h per linear order on it (ε = 2.2·10⁻¹⁶: the rounding of its quantity, and of its
price times its elasticity). At a product beyond its tolerance, every order whose own
resolution reaches a hundredth of the tolerance is an offender (an honest order at a
product the solver merely did not finish, because an offender elsewhere held it up, is
not); when no order anywhere does, the one that comes closest. An order beyond its own
gap tolerance is an offender too. Removing
the offenders and clearing again (the oracle's quarantine) always progresses: each
failed round names at least one order.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.curves import curve_gap
from flowmarket.clearing.dual import DualOperators, net_demand
from flowmarket.clearing.model import (
    ClearingResult,
    FloatArray,
    LinearOrders,
    OrderBook,
    OrderGaps,
    Residuals,
)
from flowmarket.errors import CertificateFailed

EPS = float(np.finfo(np.float64).eps)
OFFENDER_SHARE = 1e-2  # an order whose own resolution reaches this share of a tolerance


def gross_flow(lin: LinearOrders, x: FloatArray) -> FloatArray:
    """G (n,) GB/h: Σ_i |w_ki| x_i over the linear orders' quantities x (l,) ≥ 0."""
    weights = lin.weights
    absolute = sp.csc_array((np.abs(weights.data), weights.indices, weights.indptr), weights.shape)
    gross: FloatArray = absolute @ x
    return gross


def curve_extent(book: OrderBook) -> FloatArray:
    """Q (m,) GB/h: the largest |quantity| on each order's curve."""
    if book.n_orders == 0:
        return np.zeros(0)
    # every curve has a point (`validate_book`), so no segment of reduceat is empty
    extent: FloatArray = np.maximum.reduceat(np.abs(book.curve_qty), book.curve_ptr[:-1])
    return extent


def check_representable(book: OrderBook, lin: LinearOrders) -> None:
    """Raise `CertificateFailed` naming the orders whose linear pieces are not finite
    numbers (a curve whose quantities, prices or slope leave double range)."""
    with np.errstate(all="ignore"):
        inverse = 1.0 / lin.slope
    finite = np.isfinite(lin.p_high) & np.isfinite(lin.p_low) & np.isfinite(lin.q)
    flat = lin.slope == 0  # a limit price (`flat`)
    finite &= np.isfinite(lin.slope) & (flat | (np.isfinite(inverse) & (lin.slope > 0)))
    if finite.all():
        return
    offenders = np.unique(lin.parent[~finite])
    names = ", ".join(repr(book.order_ids[j]) for j in offenders[:10])
    raise CertificateFailed(
        f"clearing: the certificate is out of reach: the curves of {names} leave the range "
        "of double precision (their quantities, prices or slopes are not finite)",
        orders=tuple(book.order_ids[j] for j in offenders),
    )


def check(
    book: OrderBook,
    lin: LinearOrders,
    ops: DualOperators,
    result: ClearingResult,
    tol: float,
    flows: tuple[FloatArray, FloatArray] | None = None,
    gap_allowance: float = 0.0,
    price_slack: float = 0.0,
    residuals: Residuals | None = None,
    gaps: OrderGaps = curve_gap,
) -> None:
    """Raise `CertificateFailed` unless `result` is within the gate's tolerances.

    flows: with a network, (outflow − inflow, outflow + inflow) per product (n,) GB/h:
    part of each product's balance and of its gross flow; gap_allowance: what the
    network adds to the duality gap's tolerance (tokens/h, `networked`); price_slack:
    how far (tokens per GB) from its portfolio price an order's curve may be read
    (`curves.curve_gap`; `flat`'s tie tolerance, 0 without flat pieces); residuals:
    the imbalance and order gaps the certificate measured of this very result
    (`certificate.assemble`), read instead of measured again (slack 0 only); gaps: how
    the orders' gaps are measured otherwise (`SolverOptions.order_gaps`).
    """
    x = result.linear_quantity
    prices = result.prices
    imbalance = residuals.imbalance if residuals is not None else net_demand(ops, x)
    gross = gross_flow(lin, x)
    if flows is not None:
        imbalance = imbalance + flows[0]
        gross = gross + flows[1]
    bound = tol * np.maximum(1.0, gross)
    if residuals is not None and price_slack == 0.0:
        gap = residuals.gap
    else:
        gap = gaps(book, book.portfolios.T @ prices, result.order_quantity, price_slack)
    gap_bound = tol * np.maximum(1.0, curve_extent(book))
    bad_products = ~(np.abs(imbalance) <= bound) | ~np.isfinite(prices)
    bad_orders = ~(gap <= gap_bound)
    duality_ok = result.certificate.duality_gap <= float(np.abs(prices) @ bound) + gap_allowance
    if not (bad_products.any() or bad_orders.any()) and duality_ok and np.isfinite(x).all():
        return
    if not (bad_products.any() or bad_orders.any()):
        bad_products = ~np.isfinite(imbalance) | (np.abs(imbalance) > 0.5 * bound)
    failing = np.flatnonzero(bad_products)
    blamed = _offenders(lin, prices, x, tol, failing)
    offenders = np.union1d(blamed, np.flatnonzero(bad_orders))
    if offenders.size == 0:  # none beyond precision: the one closest to it
        suspects = failing if failing.size else np.arange(book.n_products)
        offenders = _offenders(lin, prices, x, tol, suspects, only_worst=True)
    raise CertificateFailed(
        _message(book, imbalance, bound, np.flatnonzero(bad_products), offenders),
        orders=tuple(book.order_ids[j] for j in offenders),
    )


def resolution(lin: LinearOrders, prices: FloatArray) -> sp.csc_array:
    """(n, l) GB/h: ε·|w_ki|·(q_i + |w_ki|·|π_k|/slope_i), what rounding leaves of linear
    order i's contribution to product k's balance (non-finite for orders beyond range)."""
    weights = lin.weights
    rows = weights.indices
    cols = np.repeat(np.arange(lin.n_linear), np.diff(weights.indptr))
    w = np.abs(weights.data)
    with np.errstate(all="ignore"):
        values = EPS * w * (lin.q[cols] + w * np.abs(prices[rows]) / lin.slope[cols])
    values = np.where(np.isfinite(values), values, np.inf)
    return sp.csc_array((values, weights.indices, weights.indptr), shape=weights.shape)


def _offenders(
    lin: LinearOrders,
    prices: FloatArray,
    x: FloatArray,
    tol: float,
    products: npt.NDArray[np.int64],
    *,
    only_worst: bool = False,
) -> npt.NDArray[np.int64]:
    """Orders (indices into the book) to blame for the products beyond their bound: at
    each, those whose resolution reaches OFFENDER_SHARE of the bound the product would
    have without them (tol × max(1, G_k − their own flow): a giant order's own fill must
    not excuse it). With `only_worst`, the single order whose resolution is the largest
    share of that bound, over all these products."""
    if products.size == 0 or lin.n_linear == 0:
        return np.zeros(0, dtype=np.int64)
    demand = sp.csr_array(resolution(lin, prices))[products]
    if demand.nnz == 0:
        return np.zeros(0, dtype=np.int64)
    gross = gross_flow(lin, x)[products]
    rows = np.repeat(np.arange(products.size), np.diff(demand.indptr))
    w = lin.weights
    columns = np.repeat(np.arange(lin.n_linear), np.diff(w.indptr))
    flows = sp.csc_array((np.abs(w.data) * x[columns], w.indices, w.indptr), shape=w.shape)
    own = sp.csr_array(flows)[products].data  # the same structure, in the same order
    with np.errstate(all="ignore"):
        share = demand.data / (tol * np.maximum(1.0, gross[rows] - own))
    share = np.where(np.isnan(share), np.inf, share)
    if only_worst:
        return np.array([lin.parent[demand.indices[int(np.argmax(share))]]])
    blamed = lin.parent[demand.indices[share >= OFFENDER_SHARE]]
    return np.unique(blamed).astype(np.int64)


def _message(
    book: OrderBook,
    imbalance: FloatArray,
    bound: FloatArray,
    products: npt.NDArray[np.int64],
    offenders: npt.NDArray[np.int64],
) -> str:
    names = ", ".join(repr(book.order_ids[j]) for j in offenders[:10])
    more = f" and {offenders.size - 10} more" if offenders.size > 10 else ""
    where = ""
    if products.size:
        with np.errstate(all="ignore"):
            ratio = np.abs(imbalance[products]) / bound[products]
        worst = products[int(np.argmax(np.where(np.isfinite(ratio), ratio, np.inf)))]
        where = (
            f": product {book.products[worst]!r} is left unbalanced by "
            f"{abs(imbalance[worst]):.3g} GB/h, tolerance {bound[worst]:.3g} GB/h"
        )
    return (
        f"clearing: the certificate is out of tolerance{where}; the orders that make it "
        f"unreachable in double precision: {names}{more}"
    )
