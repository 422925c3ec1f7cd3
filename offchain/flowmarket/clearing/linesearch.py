"""Exact line search on the dual along a Newton direction (piecewise-linear root).

Along π + t d the column prices move as u − t v (v = Wᵀd), each linear order's
unclipped trade as z(t) = z0 − t b (b = v/slope) and its trade as
x(t) = clip(z(t), lo, hi). The dual's slope along d is ψ'(t) = −Σ_i x_i(t) v_i, so

    φ(t) = −ψ'(t) = φ(0) − Σ_i (x0_i − x_i(t)) v_i

(bounds [lo, hi] = [0, q] for an order taken as it is, [−q, 0] for one taken
with its sign flipped, i.e. z, x, b and v all negated: every product is the same.)

is non-increasing and piecewise linear, with a kink where an order enters or
leaves the inside of its curve. On a bracket [a, b] the orders fall in three
kinds: inside at both ends (inside throughout, since a curve's inside is an
interval and z is monotone: their pull on φ is linear in t), at the same bound at
both ends (constant), and the rest S, whose kinks lie in the bracket. One pass
over all orders sets up [0, T]; the bracket then shrinks by safeguarded secant
steps that touch only S (which shrinks with it) until S is small enough to sort
its kinks and read off the exact root.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from flowmarket.clearing.dual import dot, host, masked_dot, masked_sum
from flowmarket.clearing.model import FloatArray
from flowmarket.clearing.parallel import ColumnSplit
from flowmarket.clearing.passes import ArrayTrial, TrialColumns, TrialPass, along_step

MAX_BRACKET = 1e12  # φ(T) > 0 this far out would mean the dual is unbounded below
SHORT_ENOUGH = 0.1  # a full step with 0 < φ(1) ≤ this × φ(0) is taken as it is
SORT_LIMIT = 20_000  # sort the kinks once S has at most this many orders


@dataclass(frozen=True)
class Workspace:
    """Buffers (l,) reused by every line search of a solve: x(T) and two masks; cols, the
    threads its passes over all the linear orders run on (`ColumnSplit`); passes, the
    implementation of its trial pass (`passes`; None: `ArrayTrial` on cols)."""

    x: FloatArray
    mask: npt.NDArray[np.bool_]
    moved: npt.NDArray[np.bool_]
    cols: ColumnSplit
    passes: TrialPass

    @classmethod
    def like(
        cls, z: FloatArray, passes: TrialPass | None = None, cols: ColumnSplit | None = None
    ) -> Workspace:
        mask, moved = np.empty_like(z, dtype=bool), np.empty_like(z, dtype=bool)
        cols = cols or ColumnSplit.like(z, 1)
        return cls(np.empty_like(z), mask, moved, cols, passes or ArrayTrial(cols))


@dataclass
class _Bracket:
    """[lo, hi] with φ(lo) > 0 ≥ φ(hi); S; rate: pull of the orders inside all of [lo, hi];
    scratch: two buffers of at least S's size that nothing else reads while the bracket
    narrows (the line search's z(T) and x(T)), for its intermediate columns.

    The first Newton step moves many orders across a kink (S was 43 % of the linear
    orders at 10^5 x 10^6), and its line search was the Newton stage's peak memory: the
    intermediate columns go to the scratch buffers instead of new arrays, each value
    computed by the same operation as before, so the step is the same bits."""

    lo: float
    hi: float
    phi_lo: float
    rate: float
    z0: FloatArray
    low: FloatArray
    high: FloatArray
    b: FloatArray
    v: FloatArray
    x_lo: FloatArray  # S's trades at lo
    scratch: tuple[FloatArray, FloatArray]
    threads: int  # the passes over S run on this many (`ColumnSplit`)

    def phi(self, t: float) -> tuple[float, FloatArray]:
        x_t = np.empty_like(self.b)  # a new column: it may become x_lo
        moved = self.scratch[0][: x_t.size]
        cols = ColumnSplit.like(self.b, self.threads)
        cols.run(_at, self.b, self.z0, self.low, self.high, self.x_lo, x_t, moved, first=(t,))
        return self.phi_lo - self.rate * (t - self.lo) - dot(moved, self.v), x_t

    def narrow(self, t: float, phi_t: float, x_t: FloatArray) -> None:
        """Move one end to t and drop from S the orders without a kink in the new bracket."""
        if phi_t > 0.0:
            self.lo, self.phi_lo, self.x_lo = t, phi_t, x_t
        else:
            self.hi = t
        size = self.z0.size
        z_lo, z_hi = self.scratch[0][:size], self.scratch[1][:size]
        both, stay = np.empty_like(self.b, dtype=bool), np.empty_like(self.b, dtype=bool)
        cols = ColumnSplit.like(self.b, self.threads)
        columns = (self.b, self.v, self.z0, self.low, self.high, self.x_lo, z_lo, z_hi)
        cols.run(_kinks_between, *columns, both, stay, first=(self.lo, self.hi))
        self.rate += masked_sum(z_lo, both)  # z_lo holds b·v now
        keep = cols.flatnonzero(stay)
        # One column at a time, each let go as its successor is made: S's columns are the
        # line search's peak (the first step's S is 43 % of the linear orders).
        self.z0 = cols.gather(self.z0, keep)
        self.low = cols.gather(self.low, keep)
        self.high = cols.gather(self.high, keep)
        self.b = cols.gather(self.b, keep)
        self.v = cols.gather(self.v, keep)
        self.x_lo = cols.gather(self.x_lo, keep)

    def root(self) -> float:
        """The exact root from S's sorted kinks (S small: on the CPU, also for a GPU's)."""
        z0, low, high, b, v = (host(a) for a in (self.z0, self.low, self.high, self.b, self.v))
        t_zero = (z0 - low) / b  # z reaches its lower bound
        t_full = (z0 - high) / b  # z reaches its upper bound
        enter = np.clip(np.minimum(t_zero, t_full), self.lo, self.hi)
        leave = np.clip(np.maximum(t_zero, t_full), self.lo, self.hi)
        crossing = enter < leave
        c = (b * v)[crossing]
        times = np.concatenate([enter[crossing], leave[crossing]])
        order = np.argsort(times, kind="stable")
        times = times[order]
        delta = np.concatenate([c, -c])[order]
        rate = self.rate + np.cumsum(delta)  # φ's downward slope after each kink
        before = np.concatenate([[self.rate], rate[:-1]])
        phi = self.phi_lo - np.cumsum(before * np.diff(times, prepend=self.lo))
        past = np.flatnonzero(phi <= 0.0)
        if past.size:
            k = int(past[0])
            start = float(times[k - 1]) if k else self.lo
            phi_start = float(phi[k - 1]) if k else self.phi_lo
            return start + phi_start / float(before[k])
        start = float(times[-1]) if times.size else self.lo
        phi_start = float(phi[-1]) if phi.size else self.phi_lo
        slope = float(rate[-1]) if rate.size else self.rate
        return start + phi_start / slope if slope > 0.0 else self.hi


def _bracket(
    z0: FloatArray,
    x0: FloatArray,
    inside0: npt.NDArray[np.bool_],
    bounds: tuple[FloatArray, FloatArray],
    bv: tuple[FloatArray, FloatArray],
    phi0: float,
    z_t: FloatArray,
    work: Workspace,
) -> tuple[_Bracket | None, float, float]:
    """One pass per trial end T = 1, 4, 16, …: (bracket, T, φ(T)) and z(T) in z_t.

    No bracket when T itself will do (a nearly exact full step, or no root in reach).
    """
    low, high = bounds
    b, v = bv
    x_t, both, moved = work.x, work.mask, work.moved
    columns = TrialColumns(z0, b, low, high, inside0, x0, z_t, x_t, both, moved)
    span = 1.0
    while True:
        work.passes.trial(-span, columns)
        rate = masked_dot(b, v, both)
        rest = work.cols.flatnonzero(moved)
        phi_t = phi0 - rate * span - dot(x0[rest] - x_t[rest], v[rest])
        if 0.0 < phi_t <= SHORT_ENOUGH * phi0 and span == 1.0:
            return None, span, phi_t
        if phi_t <= 0.0:
            break
        if span >= MAX_BRACKET:
            return None, span, phi_t
        span *= 4.0
    gather = work.cols.gather
    bracket = _Bracket(
        0.0, span, phi0, rate, gather(z0, rest), gather(low, rest), gather(high, rest),
        gather(b, rest), gather(v, rest), gather(x0, rest),
        scratch=(x_t, z_t),  # read no more: exact_step writes z(t) to z_t at its end
        threads=work.cols.threads,
    )  # fmt: skip
    return bracket, span, phi_t


def _at(
    t: float,
    b: FloatArray,
    z0: FloatArray,
    low: FloatArray,
    high: FloatArray,
    x_lo: FloatArray,
    x_t: FloatArray,
    moved: FloatArray,
) -> None:
    """S's x(t) and x(lo) − x(t), on a part of its columns."""
    np.multiply(b, t, out=x_t)
    np.subtract(z0, x_t, out=x_t)
    np.clip(x_t, low, high, out=x_t)
    np.subtract(x_lo, x_t, out=moved)


def _kinks_between(
    lo: float,
    hi: float,
    b: FloatArray,
    v: FloatArray,
    z0: FloatArray,
    low: FloatArray,
    high: FloatArray,
    x_lo: FloatArray,
    z_lo: FloatArray,
    z_hi: FloatArray,
    both: npt.NDArray[np.bool_],
    stay: npt.NDArray[np.bool_],
) -> None:
    """On a part of S's columns: `both`, inside at lo and at hi (so throughout), with
    b·v in z_lo for their pull; `stay`, the rest whose trade moves between lo and hi."""
    np.multiply(b, lo, out=z_lo)
    np.subtract(z0, z_lo, out=z_lo)
    np.multiply(b, hi, out=z_hi)
    np.subtract(z0, z_hi, out=z_hi)
    np.greater(z_lo, low, out=both)
    both &= z_lo < high
    both &= z_hi > low
    both &= z_hi < high
    np.multiply(b, v, out=z_lo)
    np.clip(z_hi, low, high, out=z_hi)
    np.not_equal(x_lo, z_hi, out=stay)
    np.greater(stay, both, out=stay)  # moves, and not inside throughout


def exact_step(
    z0: FloatArray,
    x0: FloatArray,
    inside0: npt.NDArray[np.bool_],
    bounds: tuple[FloatArray, FloatArray],
    bv: tuple[FloatArray, FloatArray],
    phi0: float,
    out: FloatArray,
    work: Workspace,
) -> float:
    """argmin_t ψ(t), t ≥ 0, given φ(0) = −ψ'(0) = phi0; returns t and writes z(t) to out.

    z0, x0 = clip(z0, lo, hi), inside0 = (lo < z0 < hi), bounds = (lo, hi), bv = (b, v):
    (l,), see above; out (l,) must not be z0; work: buffers, see `Workspace`.
    """
    if not phi0 > 0.0:  # not a descent direction (rounding at convergence): stay
        np.copyto(out, z0)
        return 0.0
    bracket, span, phi_hi = _bracket(z0, x0, inside0, bounds, bv, phi0, out, work)
    if bracket is None:
        return span
    while bracket.z0.size > SORT_LIMIT:
        width = bracket.hi - bracket.lo
        t = bracket.lo + width * bracket.phi_lo / (bracket.phi_lo - phi_hi)
        if not bracket.lo + 0.01 * width < t < bracket.hi - 0.01 * width:
            t = bracket.lo + 0.5 * width
        phi_t, x_t = bracket.phi(t)
        if phi_t <= 0.0:
            phi_hi = phi_t
        bracket.narrow(t, phi_t, x_t)
    t = min(max(bracket.root(), 0.0), span)
    work.cols.run(along_step, bv[0], z0, out, first=(-t,))
    return t
