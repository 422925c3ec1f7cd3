"""Aggregate net-demand curves of one product, from the order book the oracle cleared.

For product j of an hour with clearing prices π, order i with portfolio weights w_i and
curve x_i(u) (GB/h of its portfolio at portfolio price u, flat beyond its end points)
contributes, at a price p of product j, with every other product held at its cleared
price:

    u_i(p)  = w_i·π + w_ij (p − π_j)             its portfolio price
    z_ij(p) = w_ij · x_i(u_i(p))                  GB/h of product j it buys (− = sells)

and the plotted curves are

    net demand  Z_j(p) = Σ_i z_ij(p)
    demand      D_j(p) = Σ_i max(z_ij(p), 0)      supply S_j(p) = Σ_i max(−z_ij(p), 0)

over every order whose portfolio contains j: single-product orders contribute their
own curves, portfolio orders (spreads, bundles) the slice of theirs through π. This is
the j-th component of the gradient of the clearing dual along price j alone, so at the
clearing price Z_j(π_j) is the hour's imbalance (≈ 0), D_j(π_j) is the traded volume
and dZ_j/dp at π_j is the published slope. Curves are evaluated with the engine's own
`curve_quantity` on every kink (each curve point mapped into p) and a uniform grid.

Only orders that are one curve over one portfolio are drawn: a non-convex order (a
block, a minimum fill, a start-up cost) and an order over named portfolios have no
such curve, and are left out of every product's curves (`n_left_out` counts them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.curves import curve_quantity
from flowmarket.clearing.document import parse_orders
from flowmarket.clearing.model import IntArray, OrderBook
from flowmarket.errors import FieldError
from flowmarket.orders import is_nonconvex, is_portfolio_order

FloatArray = npt.NDArray[np.float64]
GRID = 241


@dataclass(frozen=True)
class NetDemandCurve:
    """One product's aggregate curves at one hour.

    price: (K,) tokens per GB, ascending; demand, supply, net: (K,) GB/h;
    clearing_price: π_j; n_single / n_portfolio: orders on j alone / in portfolios;
    n_left_out: the hour's orders that are not one curve (not drawn, module docstring).
    """

    product: str
    price: FloatArray
    demand: FloatArray
    supply: FloatArray
    net: FloatArray
    clearing_price: float
    n_single: int
    n_portfolio: int
    n_left_out: int = 0

    def at_clearing(self) -> tuple[float, float, float]:
        """(demand, supply, net) GB/h at the clearing price (linear between points)."""
        p = self.clearing_price
        return (
            float(np.interp(p, self.price, self.demand)),
            float(np.interp(p, self.price, self.supply)),
            float(np.interp(p, self.price, self.net)),
        )


def _window(kinks: FloatArray, pi: float) -> tuple[float, float]:
    """A price window around π showing where the curves bend: the 5–95 % range of the
    kinks (always containing π), padded by 15 %."""
    if kinks.size == 0:
        return pi - 1.0, pi + 1.0
    lo = min(pi, float(np.quantile(kinks, 0.05)))
    hi = max(pi, float(np.quantile(kinks, 0.95)))
    pad = 0.15 * (hi - lo) if hi > lo else max(abs(pi), 1.0) * 0.1
    return lo - pad, hi + pad


def net_demand_curves(
    document: Mapping[str, Any], prices: Mapping[str, float], products: Sequence[str]
) -> list[NetDemandCurve]:
    """The curves of each of `products` in an engine document ({"products", "orders"})
    cleared at `prices` ({product: tokens per GB}); see the module docstring."""
    orders = document["orders"]
    curves_only = [o for o in orders if not is_nonconvex(o) and not is_portfolio_order(o)]
    book = parse_orders({**document, "orders": curves_only})
    left_out = len(orders) - len(curves_only)
    for product in products:
        if product not in book.products:
            raise FieldError("product", f"{product!r} is not in the hour's order book")
        if product not in prices:
            raise FieldError("product", f"{product!r} has no clearing price")
    pi = np.array([prices.get(name, 0.0) for name in book.products])
    base = book.portfolios.T @ pi  # (m,) every order's portfolio price at π
    rows = book.portfolios.tocsr()
    curves = []
    for product in products:
        j = book.products.index(product)
        columns, weights = rows[[j], :].indices, rows[[j], :].data
        curve = _curve(_orders_of(book, columns), product, float(pi[j]), base[columns], weights)
        curves.append(replace(curve, n_left_out=left_out))
    return curves


def _orders_of(book: OrderBook, columns: IntArray) -> OrderBook:
    """The sub-book of the orders `columns` (their curves and portfolios, in that order)."""
    ptr = book.curve_ptr
    points = np.concatenate([np.arange(ptr[c], ptr[c + 1]) for c in columns] or [np.empty(0, int)])
    counts = ptr[columns + 1] - ptr[columns]
    return replace(
        book,
        order_ids=tuple(book.order_ids[c] for c in columns),
        order_participant=book.order_participant[columns],
        portfolios=sp.csc_array(book.portfolios[:, columns]),
        curve_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        curve_qty=book.curve_qty[points],
        curve_price=book.curve_price[points],
    )


def _curve(
    orders: OrderBook, product: str, pi: float, base: FloatArray, weights: FloatArray
) -> NetDemandCurve:
    """Curves of one product from the orders containing it: base (m,) their portfolio
    prices at π, weights (m,) their weights on the product."""
    owner = np.repeat(np.arange(orders.n_orders), np.diff(orders.curve_ptr))
    kinks = pi + (orders.curve_price - base[owner]) / weights[owner]
    lo, hi = _window(kinks, pi)
    inside = kinks[(kinks > lo) & (kinks < hi)]
    grid = np.unique(np.concatenate([np.linspace(lo, hi, GRID), inside, [pi]]))
    demand = np.zeros(grid.size)
    supply = np.zeros(grid.size)
    for k, p in enumerate(grid):
        z = weights * curve_quantity(orders, base + weights * (p - pi))
        demand[k] = z[z > 0].sum()
        supply[k] = -z[z < 0].sum()
    nnz = np.diff(orders.portfolios.indptr)
    return NetDemandCurve(
        product=product,
        price=grid,
        demand=demand,
        supply=supply,
        net=demand - supply,
        clearing_price=pi,
        n_single=int(np.sum(nnz == 1)),
        n_portfolio=int(np.sum(nnz > 1)),
    )
