"""Non-convex orders (all-or-nothing, minimum fill, start-up cost) in the hourly clearing.

A non-convex order j has a portfolio w_j, a valuation V_j(x) = ∫_0^x P_j (P_j its
curve, or the constant limit price of an all-or-nothing order) and a decision set D_j:

- all_or_nothing: x ∈ {0, q} (q < 0 sells), V(x) = price · x;
- min_fill: x = 0 or m ≤ |x| ≤ the curve's extent on its one side;
- startup: x anywhere on the curve, and the fixed cost F is paid when it is accepted.

Clearing (docs/nonconvex.md). For an accept set S the allocation is the welfare-maximal
one with every rejected order at 0 and every accepted one in its accepted range (a
convex problem: the engine clears it, an accepted order's forced part — the block, or
the minimum fill — entering as an order priced far above every other so that it always
fills, and its remaining range as an ordinary curve). S is admissible when prices exist
under which every convex order trades what its curve says and no accepted order makes
a loss (V_j(x_j) − F_j − ρ_j x_j ≥ 0, ρ_j = w_j·π):

- Model B (`no_loss`, the default): nothing more;
- Model A (`model_a`): the accepted orders' remaining ranges trade what their curves
  say at the prices too, so each accepted order is surplus-maximising over its D_j.

The clearing is the admissible S of maximal welfare. The prices are the engine's
(closest to the prior among those supporting the allocation) when they leave no loss;
otherwise the prices closest, in L1, to the engine's among the admissible ones (a
linear programme over the connected group of products of the loss-making orders).

Search: with at most `NonConvexOptions.exact_limit` orders every subset is evaluated
(exact); beyond, a heuristic (the convex relaxation rounded, loss-making orders
rejected, then paradoxically rejected orders tried back in) with the relaxation's
welfare as upper bound and the gap reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from flowmarket.clearing.curves import curve_quantity, decompose
from flowmarket.clearing.engine import clear
from flowmarket.clearing.model import (
    ClearingResult,
    FloatArray,
    IntArray,
    OrderBook,
    SolverOptions,
)
from flowmarket.errors import CertificateFailed, InvalidOrder

KINDS = ("all_or_nothing", "min_fill", "startup")
RULES = ("no_loss", "model_a")


@dataclass(frozen=True)
class NonConvexOrder:
    """One non-convex order. products/weights: its portfolio (indices into the book's
    products); curve_qty/curve_price: its curve (all_or_nothing: [0, q] or [q, 0] at
    the constant limit price); min_quantity: GB/h ≥ 0 (min_fill); fixed_cost: tokens/h."""

    order_id: str
    participant: str
    kind: str
    products: IntArray
    weights: FloatArray
    curve_qty: FloatArray
    curve_price: FloatArray
    min_quantity: float = 0.0
    fixed_cost: float = 0.0

    @property
    def block(self) -> float:
        """An all-or-nothing order's signed quantity q."""
        return float(self.curve_qty[-1] if self.curve_qty[-1] != 0 else self.curve_qty[0])

    def value(self, x: float) -> float:
        """V(x) = ∫_0^x P (tokens/h), without the fixed cost."""
        if self.kind == "all_or_nothing":
            return float(self.curve_price[0]) * x
        return curve_value(self.curve_qty, self.curve_price, x)

    def accepted_range(self) -> tuple[float, float]:
        """The signed quantities an accepted order may trade."""
        lo, hi = float(self.curve_qty[0]), float(self.curve_qty[-1])
        if self.kind == "all_or_nothing":
            return (self.block, self.block)
        if self.kind == "min_fill":
            return (self.min_quantity, hi) if hi > 0 else (lo, -self.min_quantity)
        return (lo, hi)

    def best_response(self, rho: float) -> tuple[float, float]:
        """(x, surplus): its surplus-maximising accepted quantity at portfolio price rho,
        and that surplus (fixed cost included)."""
        lo, hi = self.accepted_range()
        if self.kind == "all_or_nothing":
            x = self.block
        else:
            x = float(np.interp(rho, self.curve_price[::-1], self.curve_qty[::-1]))
            x = min(max(x, lo), hi)
        return x, self.value(x) - self.fixed_cost - rho * x


def curve_value(qty: FloatArray, price: FloatArray, x: float) -> float:
    """∫_0^x of the piecewise-linear curve through (qty, price) (exact trapezoids)."""
    lo, hi = (0.0, x) if x >= 0 else (x, 0.0)
    inner = qty[(qty > lo) & (qty < hi)]
    grid = np.concatenate(([lo], inner, [hi]))
    area = float(np.trapezoid(np.interp(grid, qty, price), grid))
    return area if x >= 0 else -area


@dataclass(frozen=True)
class NonConvexOptions:
    """exact_limit: most orders for which every accept set is evaluated (2^k clearings);
    max_evaluations: clearings the heuristic may spend; surplus_tol: a loss smaller than
    surplus_tol × max(1, |V| + |ρ x|) tokens/h counts as none; welfare_tol: relative
    welfare ties; lp_product_limit: largest product group the price LP is solved on."""

    exact_limit: int = 10
    max_evaluations: int = 24
    surplus_tol: float = 1e-9
    welfare_tol: float = 1e-9
    lp_product_limit: int = 500


@dataclass(frozen=True)
class Evaluation:
    """One accept set cleared: admissible or not, its welfare, prices, quantities."""

    accepted: frozenset[int]
    admissible: bool
    welfare: float
    prices: FloatArray
    result: ClearingResult
    quantity: FloatArray  # (k,) signed GB/h of each non-convex order
    surplus: FloatArray  # (k,) tokens/h at `prices` (0 for rejected orders)
    losers: frozenset[int]
    price_lp: bool = False


@dataclass(frozen=True)
class NonConvexResult:
    """The chosen accept set and the search's account of itself."""

    best: Evaluation
    upper_bound: float
    gap: float  # (upper_bound − welfare) / max(1, |upper_bound|), ≥ 0
    exact: bool  # every accept set was evaluated
    evaluations: int
    paradoxically_rejected: dict[int, float]  # order index -> lost surplus tokens/h
    seconds: dict[str, float] = field(default_factory=dict)


class _Builder:
    """Appends non-convex orders (as convex pieces) to a convex book."""

    def __init__(self, book: OrderBook, orders: list[NonConvexOrder], prior: FloatArray) -> None:
        self.book = book
        self.orders = orders
        prices = [np.abs(book.curve_price), np.abs(prior)]
        prices += [np.abs(o.curve_price) for o in orders]
        top = max((float(np.max(p, initial=0.0)) for p in prices), default=0.0)
        self.high = 10.0 * (1.0 + top)  # a forced piece's price: above every clearing price
        names = list(book.participants)
        self.who = {name: k for k, name in enumerate(names)}
        for o in orders:
            self.who.setdefault(o.participant, len(self.who))
        self.participants = tuple(self.who)

    def pieces(self, j: int, relaxed: bool) -> list[tuple[str, FloatArray, FloatArray]]:
        """(role, qty, price) curves standing for order j: accepted, or relaxed (convexified)."""
        o = self.orders[j]
        if relaxed:
            if o.kind == "all_or_nothing":
                q, p = o.block, float(o.curve_price[0])
                eta = 1e-2 * (1.0 + abs(p))
                pts = ([0.0, q], [p + eta, p]) if q > 0 else ([q, 0.0], [p, p - eta])
                return [("relaxed", np.array(pts[0]), np.array(pts[1]))]
            return [("relaxed", o.curve_qty, o.curve_price)]
        out: list[tuple[str, FloatArray, FloatArray]] = []
        lo, hi = o.accepted_range()
        forced = lo if lo > 0 else (hi if hi < 0 else 0.0)
        if forced > 0:
            out.append(("forced", np.array([0.0, forced]), np.array([2 * self.high, self.high])))
        elif forced < 0:
            out.append(("forced", np.array([forced, 0.0]), np.array([-self.high, -2 * self.high])))
        if o.kind == "all_or_nothing":
            return out
        keep = (o.curve_qty > lo) & (o.curve_qty < hi)
        qty = np.concatenate(([lo], o.curve_qty[keep], [hi])) - forced
        price = np.interp(qty + forced, o.curve_qty, o.curve_price)
        if qty[-1] - qty[0] > 0:
            out.append(("curve", qty, price))
        return out

    def build(
        self, accepted: frozenset[int] | None
    ) -> tuple[OrderBook, list[tuple[int, str, int]]]:
        """The convex book plus the pieces of the accepted orders (every order relaxed
        when accepted is None); and (order, role, column) of each piece."""
        book = self.book
        chosen = range(len(self.orders)) if accepted is None else sorted(accepted)
        ids = list(book.order_ids)
        owner = [book.order_participant]
        cols = [book.portfolios]
        ptr = [book.curve_ptr]
        qty = [book.curve_qty]
        price = [book.curve_price]
        n_pts = int(book.curve_ptr[-1])
        parts: list[tuple[int, str, int]] = []
        for j in chosen:
            o = self.orders[j]
            for role, q, p in self.pieces(j, accepted is None):
                parts.append((j, role, len(ids)))
                ids.append(f"{o.order_id}\x00{role}")
                owner.append(np.array([self.who[o.participant]], dtype=np.int64))
                cols.append(
                    sp.csc_array(
                        (o.weights, (o.products, np.zeros(len(o.products), dtype=np.int64))),
                        shape=(book.n_products, 1),
                    )
                )
                n_pts += len(q)
                ptr.append(np.array([n_pts], dtype=np.int64))
                qty.append(q)
                price.append(p)
        aug = OrderBook(
            products=book.products,
            participants=self.participants,
            order_ids=tuple(ids),
            order_participant=np.concatenate(owner),
            portfolios=sp.csc_array(sp.hstack(cols, format="csc")),
            curve_ptr=np.concatenate(ptr),
            curve_qty=np.concatenate(qty),
            curve_price=np.concatenate(price),
        )
        return aug, parts


class _Search:
    def __init__(
        self,
        book: OrderBook,
        orders: list[NonConvexOrder],
        prior: FloatArray,
        rule: str,
        options: NonConvexOptions,
        solver: SolverOptions | None,
    ) -> None:
        self.solver = solver
        self.builder = _Builder(book, orders, prior)
        self.orders = orders
        self.prior = prior
        self.rule = rule
        self.options = options
        self.cache: dict[frozenset[int], Evaluation] = {}
        self.seconds = {"convex": 0.0, "price_lp": 0.0}
        self.portfolio = [
            sp.csr_array(
                (o.weights, (np.zeros(len(o.products), dtype=np.int64), o.products)),
                shape=(1, book.n_products),
            )
            for o in orders
        ]
        self._label: IntArray | None = None
        self._adjacency = sp.csr_array((book.n_products, book.n_products))

    def _moved(self, losers: frozenset[int]) -> npt.NDArray[np.bool_] | None:
        """The products whose prices the LP may move: the loss-makers' whole connected
        group when it has at most `lp_product_limit` products, else their portfolios'
        products and those one order away; None when even that is too big."""
        if self._label is None:
            book = self.builder.book
            pattern = sp.csc_array(book.portfolios, copy=True)
            pattern.data = np.ones_like(pattern.data)
            extra = sp.vstack(self.portfolio, format="csr").T if self.portfolio else None
            adjacency = sp.csr_array(pattern @ pattern.T)
            if extra is not None:
                e = sp.csc_array(extra)
                e.data = np.ones_like(e.data)
                adjacency = sp.csr_array(adjacency + e @ e.T)
            self._adjacency = adjacency
            self._label = connected_components(adjacency, directed=False)[1]
        label = self._label
        seeds = np.zeros(len(label), dtype=bool)
        for j in losers:
            seeds[self.orders[j].products] = True
        group = np.isin(label, np.unique(label[seeds]))
        if int(group.sum()) <= self.options.lp_product_limit:
            return group
        near = (self._adjacency @ seeds.astype(np.float64)) > 0
        moved = seeds | near
        return moved if int(moved.sum()) <= self.options.lp_product_limit else None

    def rho(self, j: int, prices: FloatArray) -> float:
        o = self.orders[j]
        return float(np.dot(o.weights, prices[o.products]))

    def _tol(self, j: int, x: float, rho: float) -> float:
        o = self.orders[j]
        scale = abs(o.value(x)) + abs(rho * x) + o.fixed_cost
        return self.options.surplus_tol * max(1.0, scale)

    def relaxation(self) -> ClearingResult:
        aug, _ = self.builder.build(None)
        clock = time.perf_counter()
        try:
            out = clear(aug, self.prior, self.solver)
        except CertificateFailed as err:
            names = tuple(dict.fromkeys(name.split("\x00")[0] for name in err.orders))
            raise CertificateFailed(
                "clearing: the convex relaxation of the non-convex orders cannot be "
                f"certified; the orders that make it unreachable: {', '.join(map(repr, names))}",
                orders=names,
            ) from err
        self.seconds["convex"] += time.perf_counter() - clock
        return out

    def evaluate(self, accepted: frozenset[int]) -> Evaluation:
        if accepted in self.cache:
            return self.cache[accepted]
        aug, parts = self.builder.build(accepted)
        clock = time.perf_counter()
        try:
            result = clear(aug, self.prior, self.solver)
        except CertificateFailed:
            if not accepted:
                raise  # the convex book alone cannot be certified: the caller's error
            # This accept set cannot be cleared to the gate's tolerances (a forced block
            # far beyond what the market holds): not admissible, its orders to blame.
            self.seconds["convex"] += time.perf_counter() - clock
            empty = self.evaluate(frozenset())
            out = Evaluation(
                accepted,
                False,
                -np.inf,
                empty.prices,
                empty.result,
                np.zeros(len(self.orders)),
                np.zeros(len(self.orders)),
                accepted,
            )
            self.cache[accepted] = out
            return out
        self.seconds["convex"] += time.perf_counter() - clock
        k = len(self.orders)
        quantity = np.zeros(k)
        filled = True
        added_value = 0.0
        for j, role, col in parts:
            x = float(result.order_quantity[col])
            quantity[j] += x
            lo = int(aug.curve_ptr[col])
            hi = int(aug.curve_ptr[col + 1])
            added_value += curve_value(aug.curve_qty[lo:hi], aug.curve_price[lo:hi], x)
            if role == "forced":
                target = float(
                    aug.curve_qty[hi - 1] if aug.curve_qty[hi - 1] else aug.curve_qty[lo]
                )
                filled &= abs(x - target) <= 1e-9 * max(1.0, abs(target))
        welfare = result.welfare - added_value
        welfare += sum(
            self.orders[j].value(quantity[j]) - self.orders[j].fixed_cost for j in accepted
        )
        prices = result.prices
        surplus, losers = self._surplus(accepted, quantity, prices)
        used_lp = False
        if filled and losers:
            clock = time.perf_counter()
            lp_prices = self._price_lp(aug, parts, result, accepted, quantity, losers)
            self.seconds["price_lp"] += time.perf_counter() - clock
            used_lp = True
            if lp_prices is not None:
                prices = lp_prices
                surplus, losers = self._surplus(accepted, quantity, prices)
        admissible = filled and not losers
        out = Evaluation(
            accepted, admissible, welfare, prices, result, quantity, surplus, losers, used_lp
        )
        self.cache[accepted] = out
        return out

    def _surplus(
        self, accepted: frozenset[int], quantity: FloatArray, prices: FloatArray
    ) -> tuple[FloatArray, frozenset[int]]:
        surplus = np.zeros(len(self.orders))
        losers = set()
        for j in accepted:
            x, rho = float(quantity[j]), self.rho(j, prices)
            o = self.orders[j]
            surplus[j] = o.value(x) - o.fixed_cost - rho * x
            if surplus[j] < -self._tol(j, x, rho):
                losers.add(j)
        return surplus, frozenset(losers)

    def _price_lp(
        self,
        aug: OrderBook,
        parts: list[tuple[int, str, int]],
        result: ClearingResult,
        accepted: frozenset[int],
        quantity: FloatArray,
        losers: frozenset[int],
    ) -> FloatArray | None:
        """Prices closest in L1 to the engine's that support every convex order (and, in
        Model A, the accepted orders' curve pieces) at the allocation and leave no
        accepted order a loss; None when there are none (or the group is too big)."""
        moved = self._moved(losers)
        if moved is None:
            return None
        products = np.flatnonzero(moved)
        n_c = len(products)
        local = np.full(aug.n_products, -1, dtype=np.int64)
        local[products] = np.arange(n_c)
        lin = decompose(aug)
        x = result.linear_quantity
        free = {col for _, role, col in parts if role == "forced" or self.rule == "no_loss"}
        touch_w = sp.csc_array(abs(lin.weights))
        touches = (touch_w.T @ moved.astype(np.float64)) > 0
        scope = touches & ~np.isin(lin.parent, list(free))
        cols = np.flatnonzero(scope)
        sub = sp.csr_array(lin.weights[:, cols].T)
        rows_w = sub[:, products]  # (c, n_c): u = rows_w @ π_moved + the fixed part
        fixed_prices = np.where(moved, 0.0, result.prices)
        fixed_u = sub @ fixed_prices
        top = float(np.max(np.abs(self.builder.book.curve_price), initial=0.0))
        eps = 1e-9 * (1.0 + max(top, float(np.max(np.abs(result.prices), initial=0.0))))
        q = lin.q[cols]
        xc = x[cols]
        at_zero = xc <= 1e-9 * q
        at_full = xc >= q * (1 - 1e-9)
        inner = ~at_zero & ~at_full
        mid = lin.p_high[cols] - lin.slope[cols] * xc - fixed_u
        a_rows = [-rows_w[at_zero], rows_w[at_full], rows_w[inner], -rows_w[inner]]
        b_rows = [
            -(lin.p_high[cols][at_zero] - fixed_u[at_zero] - eps),
            lin.p_low[cols][at_full] - fixed_u[at_full] + eps,
            mid[inner] + eps,
            -(mid[inner] - eps),
        ]
        for j in accepted:
            o = self.orders[j]
            if not np.any(moved[o.products]):
                continue
            xj = float(quantity[j])
            row = np.zeros(n_c)
            inside = local[o.products] >= 0
            np.add.at(row, local[o.products][inside], o.weights[inside] * xj)
            rest = float(o.weights[~inside] @ result.prices[o.products[~inside]]) * xj
            a_rows.append(sp.csr_array(row.reshape(1, -1)))
            b_rows.append(np.array([o.value(xj) - o.fixed_cost - rest]))
        a_ub = sp.vstack([sp.csr_array(a) for a in a_rows], format="csr")
        b_ub = np.concatenate(b_rows)
        # variables [π (n_c), t (n_c)], t ≥ |π − π_engine|
        eye = sp.eye_array(n_c, format="csr")
        a_full = sp.vstack(
            [
                sp.hstack([a_ub, sp.csr_array((a_ub.shape[0], n_c))]),
                sp.hstack([eye, -eye]),
                sp.hstack([-eye, -eye]),
            ],
            format="csr",
        )
        base = result.prices[products]
        b_full = np.concatenate([b_ub, base, -base])
        cost = np.concatenate([np.zeros(n_c), np.ones(n_c)])
        bounds = [(None, None)] * n_c + [(0, None)] * n_c
        lp = linprog(cost, A_ub=a_full, b_ub=b_full, bounds=bounds, method="highs")
        if lp.status != 0:
            return None
        prices = result.prices.copy()
        prices[products] = lp.x[:n_c]
        return prices

    def paradoxical(self, best: Evaluation) -> dict[int, float]:
        out: dict[int, float] = {}
        for j in range(len(self.orders)):
            if j in best.accepted:
                continue
            x, s = self.orders[j].best_response(self.rho(j, best.prices))
            if s > self._tol(j, x, self.rho(j, best.prices)):
                out[j] = s
        return out


def _better(a: Evaluation, b: Evaluation | None, tol: float) -> bool:
    if b is None:
        return True
    scale = tol * max(1.0, abs(a.welfare), abs(b.welfare))
    if a.welfare > b.welfare + scale:
        return True
    if a.welfare < b.welfare - scale:
        return False
    if len(a.accepted) != len(b.accepted):
        return len(a.accepted) > len(b.accepted)
    return sorted(a.accepted) < sorted(b.accepted)


def clear_nonconvex(
    book: OrderBook,
    orders: list[NonConvexOrder],
    prior: FloatArray,
    rule: str = "no_loss",
    options: NonConvexOptions | None = None,
    solver: SolverOptions | None = None,
) -> NonConvexResult:
    """Clear a convex book with non-convex orders under `rule` ("no_loss" | "model_a")."""
    if rule not in RULES:
        raise InvalidOrder(f"nonconvex_rule: expected one of {list(RULES)}, got {rule!r}")
    opts = options or NonConvexOptions()
    search = _Search(book, orders, prior, rule, opts, solver)
    clock = time.perf_counter()
    k = len(orders)
    best: Evaluation | None = None
    exact = k <= opts.exact_limit
    upper = 0.0
    if exact:
        for mask in sorted(range(1 << k), key=lambda b: (b.bit_count(), b)):
            ev = search.evaluate(frozenset(j for j in range(k) if mask >> j & 1))
            if ev.admissible and _better(ev, best, opts.welfare_tol):
                best = ev
    else:
        relaxed = search.relaxation()
        upper = relaxed.welfare
        best = _heuristic(search, relaxed, opts)
    if best is None:  # unreachable: the empty set has nobody who could lose
        best = search.evaluate(frozenset())
    if exact:
        upper = best.welfare
    gap = max(0.0, upper - best.welfare) / max(1.0, abs(upper))
    total = time.perf_counter() - clock
    seconds = dict(search.seconds)
    seconds["search"] = total - seconds["convex"] - seconds["price_lp"]
    seconds["total"] = total
    return NonConvexResult(
        best=best,
        upper_bound=upper,
        gap=gap,
        exact=exact,
        evaluations=len(search.cache),
        paradoxically_rejected=search.paradoxical(best),
        seconds=seconds,
    )


def _heuristic(search: _Search, relaxed: ClearingResult, opts: NonConvexOptions) -> Evaluation:
    """Round the relaxation, reject loss-makers, then try paradoxically rejected orders back."""
    n_convex = search.builder.book.n_orders
    k = len(search.orders)
    start: set[int] = set()
    for j in range(k):
        o = search.orders[j]
        x = float(relaxed.order_quantity[n_convex + j])
        rho = search.rho(j, relaxed.prices)
        lo, hi = o.accepted_range()
        reach = max(abs(lo), abs(hi))
        if o.kind == "all_or_nothing":
            keep = abs(x) >= 0.5 * abs(o.block)
        elif o.kind == "min_fill":
            keep = abs(x) >= 0.5 * (o.min_quantity + reach) / 2
        else:
            keep = x != 0 and o.value(x) - rho * x >= o.fixed_cost
        if keep:
            start.add(j)
    best = _settle(search, frozenset(start), frozenset())
    # Paradoxically rejected orders back in: all at once (the new loss-makers out again),
    # then one by one, best first, while the budget lasts.
    while len(search.cache) < opts.max_evaluations:
        cands = search.paradoxical(best)
        if not cands:
            break
        trial = _settle(search, best.accepted | set(cands), best.accepted)
        if not _better(trial, best, opts.welfare_tol) or trial.accepted == best.accepted:
            break
        best = trial
    for j, _ in sorted(search.paradoxical(best).items(), key=lambda kv: -kv[1]):
        if len(search.cache) >= opts.max_evaluations:
            break
        trial = search.evaluate(best.accepted | {j})
        if trial.admissible and _better(trial, best, opts.welfare_tol):
            best = trial
    return best


def _settle(search: _Search, accepted: frozenset[int], base: frozenset[int]) -> Evaluation:
    """Reject loss-makers (those not in the admissible `base` first) until admissible."""
    ev = search.evaluate(accepted)
    while not ev.admissible:
        new = accepted - base
        drop = (ev.losers & new) or new or ev.losers or accepted
        accepted = accepted - drop
        ev = search.evaluate(accepted)
    return ev


def curve_gap(book: OrderBook, result: ClearingResult, prices: FloatArray) -> float:
    """max over the convex orders of |quantity − curve(portfolio price)| at `prices`."""
    n = book.n_orders
    curve = curve_quantity(book, book.portfolios.T @ prices)
    return float(np.max(np.abs(result.order_quantity[:n] - curve), initial=0.0))
