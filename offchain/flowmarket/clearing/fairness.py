"""Fairness of a networked clearing: who is treated unfairly at which prices, and the price
of fairness (PoF) of several settlement mechanisms on the same cleared quantities.

Everything is evaluated on one cleared hour: the accepted quantity x_j of each order
(GB/h of its portfolio) is fixed; a *mechanism* only decides the price u_j each order
settles at (u_j = w_j · prices of its portfolio, tokens per GB) and what it must be
compensated.

- Surplus of order j at price u: S_j(q; u) = ∫_0^q P_j(s) ds − u·q (tokens/h), P_j the
  price on its curve at quantity s; its *curve quantity* D_j(u) (what it asks for at u)
  maximises it.
- Classes (the fairness notions of networked auctions): *forced* — accepted beyond its
  curve at u (it loses against trading D_j(u)); *unfairly rejected* — it asks for more
  than it got, strictly in the money; otherwise it traded what its curve says:
  *strictly competitive* if that is not 0, *competitive* if its price at 0 is u (the
  margin), *noncompetitive* (out of the money) if not.
- Compensation C_j(u) = S_j(D_j(u); u) − S_j(x_j; u) ≥ 0: what makes the order as well
  off as trading its curve at u (a forced order's loss, an unfairly rejected one's lost
  profit). Paid, every order is treated as its own curve says at its own price (no
  individual loss, no strictly competitive order short).
- PoF(u) = Σ_j C_j(u) + |W − Σ_j S_j(x_j; u_j)|, W the as-bid welfare net of transport
  charges: the compensations plus the welfare the prices leave undistributed (the
  congestion rent, at nodal prices) or that they hand out without anyone paying for it
  (the transport charges, at one price for all nodes).

Mechanisms: `nodal` (LMP: the clearing's prices, no compensation, PoF = the congestion
rent), `uniform` (each commodity's price of the *unconstrained* market, where links
are ignored, plus compensations) and the virtual-node family u = λ + δ + θ·(π − λ)
(market price λ + δ at a virtual node, plus θ times the nodal components π − λ): θ = 0
is one price, θ = 1 and δ = 0 the nodal prices. For fixed components the PoF is convex
in δ; with θ = 0 it is least at δ = 0, the unconstrained market price (the classic
result that the PoF is least there, not at the nodal prices), and with θ = 1 too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.curves import curve_quantity
from flowmarket.clearing.engine import clear
from flowmarket.clearing.model import FloatArray, IntArray, OrderBook

TOL = 1e-9  # relative to max(1, the curve's largest |quantity|), GB/h


class OrderClass(IntEnum):
    """How an order is treated at a mechanism's price (see the module docstring)."""

    STRICTLY_COMPETITIVE = 0
    COMPETITIVE = 1
    NONCOMPETITIVE = 2
    FORCED = 3
    UNFAIRLY_REJECTED = 4


@dataclass(frozen=True)
class Fairness:
    """One mechanism on one clearing: per order (m,) and in total (tokens/h).

    prices: (n,) tokens per GB; classes: (m,) `OrderClass` values; compensation: (m,)
    C_j ≥ 0; surplus: (m,) S_j(x_j; u_j); compensations: Σ C_j; undistributed:
    W − Σ S_j (+ left with the market, − handed out unfunded); pof: Σ C_j + |undistributed|.
    """

    prices: FloatArray
    classes: IntArray
    compensation: FloatArray
    surplus: FloatArray
    compensations: float
    undistributed: float
    pof: float

    def count(self, kind: OrderClass) -> int:
        return int(np.sum(self.classes == kind))


def _segments(book: OrderBook) -> tuple[IntArray, IntArray]:
    owner = np.repeat(np.arange(book.n_orders, dtype=np.int64), np.diff(book.curve_ptr))
    return owner, np.asarray(book.curve_ptr[:-1], dtype=np.int64)


def curve_area(book: OrderBook, quantity: FloatArray) -> FloatArray:
    """A_j(q_j) = ∫_0^{q_j} P_j(s) ds (m,) tokens/h, for q_j (m,) within each curve's range."""
    owner, first = _segments(book)
    q, p = book.curve_qty, book.curve_price
    # integral from each curve's first point to each point, by trapezoids
    step = np.zeros_like(q)
    same = owner[1:] == owner[:-1]
    step[1:] = np.where(same, 0.5 * (p[1:] + p[:-1]) * (q[1:] - q[:-1]), 0.0)
    cumulative = np.cumsum(step)
    cumulative -= np.repeat(cumulative[first], np.diff(book.curve_ptr))

    def integral(at: FloatArray) -> FloatArray:
        below = q <= at[owner]
        last = first + np.bincount(owner, weights=below, minlength=book.n_orders).astype(np.int64)
        k = np.clip(last - 1, first, book.curve_ptr[1:] - 2)
        frac = (at - q[k]) / (q[k + 1] - q[k])
        price_at = p[k] + frac * (p[k + 1] - p[k])
        out: FloatArray = cumulative[k] + 0.5 * (p[k] + price_at) * (at - q[k])
        return out

    return integral(np.asarray(quantity, dtype=np.float64)) - integral(np.zeros(book.n_orders))


def _extent(book: OrderBook) -> FloatArray:
    owner, _ = _segments(book)
    extent = np.zeros(book.n_orders)
    np.maximum.at(extent, owner, np.abs(book.curve_qty))
    return extent


def _price_at_zero(book: OrderBook) -> FloatArray:
    """P_j(0) (m,): the price on each curve where it trades nothing (its end if 0 is one)."""
    owner, first = _segments(book)
    q, p = book.curve_qty, book.curve_price
    above = q <= 0.0
    last = first + np.bincount(owner, weights=above, minlength=book.n_orders).astype(np.int64)
    k = np.clip(last - 1, first, book.curve_ptr[1:] - 2)
    frac = (0.0 - q[k]) / (q[k + 1] - q[k])
    out: FloatArray = p[k] + frac * (p[k + 1] - p[k])
    return out


def evaluate(book: OrderBook, quantity: FloatArray, prices: FloatArray, welfare: float) -> Fairness:
    """The mechanism settling `book`'s accepted quantities (m,) at `prices` (n,)."""
    u = book.portfolios.T @ prices
    wanted = curve_quantity(book, u)
    tol = TOL * np.maximum(1.0, _extent(book))
    surplus = curve_area(book, quantity) - u * quantity
    best = curve_area(book, wanted) - u * wanted
    compensation = np.maximum(best - surplus, 0.0)
    forced = (quantity * wanted < 0) | (np.abs(quantity) > np.abs(wanted) + tol)
    short = ~forced & (np.abs(quantity) < np.abs(wanted) - tol)
    on_curve = ~forced & ~short
    margin = np.abs(_price_at_zero(book) - u) <= TOL * np.maximum(1.0, np.abs(u))
    classes = np.full(book.n_orders, OrderClass.NONCOMPETITIVE, dtype=np.int64)
    classes[on_curve & margin] = OrderClass.COMPETITIVE
    classes[on_curve & (np.abs(wanted) > tol)] = OrderClass.STRICTLY_COMPETITIVE
    classes[forced] = OrderClass.FORCED
    classes[short] = OrderClass.UNFAIRLY_REJECTED
    compensations = float(np.sum(compensation))
    undistributed = welfare - float(np.sum(surplus))
    return Fairness(
        prices=np.asarray(prices, dtype=np.float64),
        classes=classes,
        compensation=compensation,
        surplus=surplus,
        compensations=compensations,
        undistributed=undistributed,
        pof=compensations + abs(undistributed),
    )


def merged_book(book: OrderBook, group: IntArray, names: tuple[str, ...]) -> OrderBook:
    """The same orders on merged products: product k becomes names[group[k]]. An order
    whose weights cancel there (a spread between two nodes of one commodity, +1 at one
    and −1 at the other) moves nothing in the merged market and is left out of it."""
    portfolios = sp.coo_array(book.portfolios)
    merged = sp.csc_array(
        (portfolios.data, (group[portfolios.row], portfolios.col)),
        shape=(len(names), book.n_orders),
    )
    merged.sum_duplicates()
    merged.eliminate_zeros()
    keep = np.diff(merged.indptr) > 0
    kept = np.flatnonzero(keep)
    counts = np.diff(book.curve_ptr)
    points = np.repeat(keep, counts)
    counts = counts[kept]
    return OrderBook(
        products=names,
        participants=book.participants,
        order_ids=tuple(book.order_ids[k] for k in kept),
        order_participant=book.order_participant[kept],
        portfolios=sp.csc_array(merged[:, kept]),
        curve_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(book.curve_ptr.dtype),
        curve_qty=book.curve_qty[points],
        curve_price=book.curve_price[points],
    )


def unconstrained_prices(
    book: OrderBook, commodity: npt.NDArray[np.int64], prior: FloatArray
) -> FloatArray:
    """λ (n,): each product's price in the market without links, every product of one
    commodity merged into one (commodity: (n,) index, −1 for a product on no network).
    The merged market's prior is the mean of its products' `prior`."""
    located = commodity >= 0
    n_comm = int(commodity.max()) + 1 if located.any() else 0
    group = np.where(located, commodity, n_comm + np.cumsum(~located) - 1)
    n_groups = int(group.max()) + 1 if group.size else 0
    names = tuple(f"g{k}" for k in range(n_groups))
    count = np.bincount(group, minlength=n_groups)
    merged_prior = np.bincount(group, weights=prior, minlength=n_groups) / np.maximum(count, 1)
    result = clear(merged_book(book, group, names), merged_prior)
    out: FloatArray = result.prices[group]
    return out


def virtual_node_prices(
    uniform: FloatArray, nodal: FloatArray, theta: float, delta: float
) -> FloatArray:
    """u = λ + δ + θ·(π − λ) (n,): the virtual-node family (see the module docstring)."""
    out: FloatArray = uniform + delta + theta * (nodal - uniform)
    return out
