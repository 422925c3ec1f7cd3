"""The expansion auction's winner determination: a MILP solved by HiGHS.

Variables (amounts in capacity tokens, capacities in GB per hour, as floats):

    y[k,a] ∈ {0,1}   alternative a of leg k is built (at most one per leg)
    x[j]   ∈ {0,1}   package bid j wins (all or nothing)
    P[k]   ∈ [0, M_k] the uniform price per unit of capacity on leg k
    z[j,k] ∈ [0, M_k] = P[k]·x[j], for every leg j's package uses (d[j,k] > 0)

    maximise    Σ_j B_j x_j − Σ_{k,a} K_{k,a} y_{k,a}            (as-bid surplus)
    subject to  Σ_a y_{k,a} ≤ 1                                     one alternative
                Σ_j d_{j,k} x_j ≤ Σ_a Q_{k,a} y_{k,a}               capacity
                Σ_k d_{j,k} z_{j,k} ≤ B_j x_j                       a winner pays ≤ bid
                Σ_j d_{j,k} z_{j,k} ≥ Σ_a K_{k,a} y_{k,a}           cost recovery per leg
                z ≤ P,  z ≤ M x,  z ≥ P − M (1 − x)                 z = P·x (x binary)

M_k = max_j B_j / d_{j,k} over the packages on leg k bounds any price a winner on k
could pay, so the linearisation of P·x is exact. A feasible point therefore has
per-leg prices at which every winner pays at most its bid and every built leg's
revenue covers its cost; `expansion_prices` then sets the lowest such prices.
The solution is re-checked in exact arithmetic; if HiGHS's tolerances accepted a
selection that fails exactly, that selection is cut off and the MILP solved again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

from flowmarket.auctions.expansion_spec import ExpansionSpec, PackageBid
from flowmarket.errors import ClearingFailed
from flowmarket.money import WAD


@dataclass(frozen=True)
class Selection:
    """built: {leg: index of the alternative built} (legs not built are absent);
    winners: indices of the winning bids; surplus: the MILP's objective, tokens."""

    built: dict[str, int]
    winners: tuple[int, ...]
    surplus: float


@dataclass
class _Model:
    """Column bounds, objective, integrality and rows as triplets, built column by column."""

    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[float, float]] = field(default_factory=list)
    entries: list[tuple[int, int, float]] = field(default_factory=list)

    def column(self, cost: float, upper: float, integer: bool) -> int:
        self.cost.append(cost)
        self.lower.append(0.0)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, low: float, high: float, terms: Sequence[tuple[int, float]]) -> None:
        index = len(self.rows)
        self.rows.append((low, high))
        self.entries.extend((index, col, value) for col, value in terms if value != 0.0)


def select(
    spec: ExpansionSpec, bids: Sequence[PackageBid], excluded: Sequence[Selection] = ()
) -> Selection:
    """The surplus-maximising configuration and winners, other than `excluded` ones
    (no-good cuts over every binary variable). ClearingFailed if HiGHS does not prove
    an optimum."""
    model, y, x = _build(spec, bids)
    for old in excluded:
        on = [
            y[k, a]
            for k, leg in enumerate(spec.legs)
            for a in range(len(leg.alternatives))
            if old.built.get(leg.name) == a
        ]
        on += [x[j] for j in old.winners]
        off = [c for c in [*y.values(), *x] if c not in set(on)]
        # Σ_{on} (1 − v) + Σ_{off} v ≥ 1
        model.row(
            1.0 - len(on), highspy.kHighsInf, [(c, -1.0) for c in on] + [(c, 1.0) for c in off]
        )
    values, objective = _solve(model)
    built = {
        leg.name: a
        for k, leg in enumerate(spec.legs)
        for a in range(len(leg.alternatives))
        if values[y[k, a]] > 0.5
    }
    winners = tuple(j for j in range(len(bids)) if values[x[j]] > 0.5)
    return Selection(built, winners, objective)


def _build(
    spec: ExpansionSpec, bids: Sequence[PackageBid]
) -> tuple[_Model, dict[tuple[int, int], int], list[int]]:
    """The model, the column of each y[k,a] and of each x[j]."""
    m, inf = _Model(), highspy.kHighsInf
    y = {
        (k, a): m.column(-alt.cost / WAD, 1.0, True)
        for k, leg in enumerate(spec.legs)
        for a, alt in enumerate(leg.alternatives)
    }
    x = [m.column(bid.amount / WAD, 1.0, True) for bid in bids]
    index = {leg.name: k for k, leg in enumerate(spec.legs)}
    uses: list[list[tuple[int, float]]] = [[] for _ in spec.legs]  # (bid, d) per leg
    for j, bid in enumerate(bids):
        for name, capacity in bid.capacities.items():
            uses[index[name]].append((j, capacity / WAD))
    big = [max((bids[j].amount / WAD / d for j, d in on), default=0.0) for on in uses]
    price = [m.column(0.0, big[k], False) for k in range(len(spec.legs))]
    z = {(j, k): m.column(0.0, big[k], False) for k, on in enumerate(uses) for j, _ in on}
    for k, leg in enumerate(spec.legs):
        alts = range(len(leg.alternatives))
        m.row(-inf, 1.0, [(y[k, a], 1.0) for a in alts])
        m.row(
            -inf,
            0.0,
            [(x[j], d) for j, d in uses[k]]
            + [(y[k, a], -leg.alternatives[a].capacity / WAD) for a in alts],
        )
        m.row(
            0.0,
            inf,
            [(z[j, k], d) for j, d in uses[k]]
            + [(y[k, a], -leg.alternatives[a].cost / WAD) for a in alts],
        )
        # Valid: sold ≤ capacity, so a built leg's price is at least its unit cost K/Q.
        m.row(
            0.0,
            inf,
            [(price[k], 1.0)]
            + [(y[k, a], -leg.alternatives[a].cost / leg.alternatives[a].capacity) for a in alts],
        )
    for j, bid in enumerate(bids):
        on = [(index[name], capacity / WAD) for name, capacity in bid.capacities.items()]
        m.row(-inf, 0.0, [(z[j, k], d) for k, d in on] + [(x[j], -bid.amount / WAD)])
        for k, d in on:
            m.row(-inf, 0.0, [(z[j, k], 1.0), (price[k], -1.0)])
            # Valid and tighter than z ≤ M x: a winner pays at most its bid on any leg.
            m.row(-inf, 0.0, [(z[j, k], 1.0), (x[j], -min(big[k], bid.amount / WAD / d))])
            m.row(-big[k], inf, [(z[j, k], 1.0), (price[k], -1.0), (x[j], -big[k])])
    return m, y, x


def _solve(m: _Model) -> tuple[npt.NDArray[np.float64], float]:
    rows, cols, values = zip(*m.entries, strict=True) if m.entries else ((), (), ())
    matrix = sparse.csc_matrix((values, (rows, cols)), shape=(len(m.rows), len(m.cost)))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(m.cost), len(m.rows)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.array(m.cost)
    lp.col_lower_, lp.col_upper_ = np.array(m.lower), np.array(m.upper)
    lp.row_lower_ = np.array([low for low, _ in m.rows])
    lp.row_upper_ = np.array([high for _, high in m.rows])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = matrix.indptr, matrix.indices
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in m.integer
    ]
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise ClearingFailed(
            f"expansion MILP: HiGHS ended with {h.modelStatusToString(h.getModelStatus())}"
        )
    return np.array(h.getSolution().col_value), float(h.getInfo().objective_function_value)
