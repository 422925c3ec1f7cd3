"""The Newton stage's passes over all the linear orders, as one interface.

Each Newton iteration reads every linear order a few times (`newton`, `linesearch`):
its trade and the Jacobian's weights with their group sums, the direction's column
prices, and the line search's first trial. `ArrayPasses` runs them as numpy's (or a
device's) array operations, on `ColumnSplit`'s threads, the sums whole (`bincount`).
A faster implementation, one compiled loop per pass (`solvers.compiled_passes`), is
plugged in through `SolverOptions.passes`. Every implementation must give the same
bits as this one, so the prices do not depend on which ran: each group sum adds its
group's values in order from 0.0, as `bincount` does, and each elementwise value is
the same sequence of roundings (tests/unit/clearing/test_compiled_passes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Protocol

import numpy as np
import numpy.typing as npt

from flowmarket.clearing.dual import DualOperators, Operators
from flowmarket.clearing.model import FloatArray
from flowmarket.clearing.parallel import ColumnSplit

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TrialColumns:
    """The line search's columns for its trials (`linesearch._bracket`): read, the
    unclipped trades z0 and their trades x0 = clip(z0, low, high), inside0 = low < z0 <
    high, and b (how fast z moves along the step); written, z_t = z0 − T·b, x_t =
    clip(z_t, low, high), both (inside at 0 and at T) and moved (x changed and not
    inside throughout)."""

    z0: FloatArray
    b: FloatArray
    low: FloatArray
    high: FloatArray
    inside0: BoolArray
    x0: FloatArray
    z_t: FloatArray
    x_t: FloatArray
    both: BoolArray
    moved: BoolArray

    def all(self) -> tuple[FloatArray | BoolArray, ...]:
        """The ten columns in the order above (a compiled loop's arguments)."""
        return tuple(getattr(self, f.name) for f in fields(self))


class TrialPass(Protocol):
    """The line search's pass over all the linear orders (`linesearch._bracket`)."""

    def trial(self, step: float, columns: TrialColumns) -> None:
        """The trial end T = −step's columns (`TrialColumns`)."""
        ...


@dataclass(frozen=True)
class NearKinks:
    """Engine 3's band (docs/engine-versions.md): the last step moved ζ by −t·β, and an
    order outside its inside whose ζ lies closer to a kink than that move, |β|·t, joins
    the Hessian's weights with `weight` × 1/slope. Such an order is about to cross, or
    has just crossed, its kink; leaving it out of the Hessian made the next direction
    overshoot and the line search damp it (bench/README.md)."""

    beta: FloatArray
    t: float
    weight: float


class Passes(TrialPass, Protocol):
    """The passes over the linear orders (l,) of one book's operators, oriented as the
    Newton stage sees them (ζ = sign·z, bounds lo ≤ 0 ≤ hi: `newton._Oriented`)."""

    def step(
        self,
        zeta: FloatArray,
        lo: FloatArray,
        hi: FloatArray,
        xi: FloatArray,
        inside: BoolArray,
        scratch: FloatArray,
        near: NearKinks | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """(sums, a), both (m,): xi = clip(ζ, lo, hi) and its group sums; inside = lo < ζ
        < hi and a = the group sums of each order's Hessian weight: 1/slope inside, with
        `near` weight/slope for an order near a kink (`NearKinks`), else 0. scratch: an
        (l,) buffer free to overwrite (not near's β)."""
        ...

    def along(self, per_row: FloatArray, nu: FloatArray, beta: FloatArray) -> None:
        """nu = per_row[row_of] (a direction's Bᵀd, by the rows of Bᵀ) and beta =
        nu/slope: how each order's column price and unclipped trade move along it."""
        ...


# Builds a book's passes from its operators and the threads its columns are cut for.
PassesFactory = Callable[[DualOperators, ColumnSplit], Passes]


class ArrayTrial:
    """`TrialPass` as array operations, cut over `cols`'s threads."""

    def __init__(self, cols: ColumnSplit) -> None:
        self.cols = cols

    def trial(self, step: float, columns: TrialColumns) -> None:
        self.cols.run(_trial, *columns.all(), first=(step,))


class ArrayPasses(ArrayTrial):
    """`Passes` as array operations, cut over `cols`'s threads; the sums whole."""

    def __init__(self, ops: Operators, cols: ColumnSplit) -> None:
        super().__init__(cols)
        self.ops = ops

    def step(
        self,
        zeta: FloatArray,
        lo: FloatArray,
        hi: FloatArray,
        xi: FloatArray,
        inside: BoolArray,
        scratch: FloatArray,
        near: NearKinks | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        ops, cols = self.ops, self.cols
        cols.run(np.clip, zeta, lo, hi, xi)
        sums = ops.group_sum(xi)
        cols.run(_strictly_inside, zeta, lo, hi, inside)
        if near is None:
            cols.run(np.multiply, ops.inv_slope, inside, scratch)
        else:
            weights = (near.t, near.weight)
            cols.run(_near_weights, zeta, lo, hi, inside, near.beta, ops.inv_slope, scratch,
                     first=weights)  # fmt: skip
        return sums, ops.group_sum(scratch)

    def along(self, per_row: FloatArray, nu: FloatArray, beta: FloatArray) -> None:
        self.cols.take(per_row, self.ops.row_of, nu)
        self.cols.run(np.multiply, nu, self.ops.inv_slope, beta)


def passes_for(ops: Operators, cols: ColumnSplit, factory: PassesFactory | None) -> Passes:
    """`factory`'s passes for a CPU book's operators, else `ArrayPasses` (a device's)."""
    if factory is not None and isinstance(ops, DualOperators):
        return factory(ops, cols)
    return ArrayPasses(ops, cols)


def _strictly_inside(zeta: FloatArray, lo: FloatArray, hi: FloatArray, out: BoolArray) -> None:
    """out = lo < ζ < hi (on a part of the columns)."""
    np.greater(zeta, lo, out=out)
    out &= zeta < hi


def _near_weights(
    t: float,
    weight: float,
    zeta: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    inside: BoolArray,
    beta: FloatArray,
    inv_slope: FloatArray,
    out: FloatArray,
) -> None:
    """out = the Hessian weight of each order (a part of the columns): 1/slope inside;
    weight/slope outside, within |β|·t of a kink (distance max(lo − ζ, ζ − hi), exact
    for an order outside); else 0. The factor 1, weight or 0 is made exactly first and
    then multiplied by 1/slope once, as `solvers.compiled_passes._step_near` does."""
    np.subtract(lo, zeta, out=out)
    np.maximum(out, zeta - hi, out=out)
    move = np.abs(beta)
    move *= t
    close = np.less(out, move)
    np.greater(close, inside, out=close)  # close and not inside
    np.multiply(close, weight, out=move)
    move += inside
    np.multiply(inv_slope, move, out=out)


def along_step(step: float, b: FloatArray, z0: FloatArray, out: FloatArray) -> None:
    """out = z0 − t·b (step = −t), on a part of the columns."""
    np.multiply(b, step, out=out)
    out += z0


def _trial(
    step: float,
    z0: FloatArray,
    b: FloatArray,
    low: FloatArray,
    high: FloatArray,
    inside0: BoolArray,
    x0: FloatArray,
    z_t: FloatArray,
    x_t: FloatArray,
    both: BoolArray,
    moved: BoolArray,
) -> None:
    along_step(step, b, z0, z_t)
    np.greater(z_t, low, out=both)
    np.less(z_t, high, out=moved)
    both &= moved
    both &= inside0
    np.clip(z_t, low, high, out=x_t)
    np.not_equal(x_t, x0, out=moved)
    np.greater(moved, both, out=moved)  # moved and not inside throughout
