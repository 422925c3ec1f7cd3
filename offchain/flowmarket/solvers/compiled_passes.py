"""The Newton stage's passes over the linear orders as compiled loops (numba): one read
of each column a pass, where numpy's operations read and write it once per operation.

`clearing.passes.ArrayPasses` computes an iteration's trades, Jacobian mask and their
group sums in nine array operations and two `bincount`s, each a full pass over up to
10^8 linear orders; here they are one loop (`_step`), as are the direction's column
prices (`_along`) and the line search's trial (`_trial`). Each loop does what numpy
does, value by value, in the same order, so the prices are the same bits:

- a group sum adds its group's values from 0.0 in index order, as `bincount` does
  (a book's linear orders of one group are consecutive: `DualOperators.group` counts
  0, 1, 2, … up the book);
- each clip is numpy's: NaN stays NaN, otherwise max(x, low) then min(·, high), each
  taking the bound unless x is strictly beyond it (so clip(−0.0, 0.0, q) is +0.0);
- z0 − t·b is a product rounded, then a sum rounded (numba, without fastmath, never
  fuses them into one multiply-add).

The columns are cut into one part per thread at group boundaries, and the parts run
on the clearing's own threads (`clearing.parallel.on_all`): the loops release the GIL
and never enter numba's threading layer, so any number of clearings, and the API's
compiled hashing, may run at once. A part's sums depend only on its groups, so the
bits do not depend on the number of threads either
(tests/unit/clearing/test_compiled_passes.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.model import FloatArray, IntArray
from flowmarket.clearing.parallel import ColumnSplit, on_all
from flowmarket.clearing.passes import (
    ArrayPasses,
    BoolArray,
    NearKinks,
    Passes,
    TrialColumns,
)

_F = TypeVar("_F", bound=Callable[..., Any])


def _compiled(function: _F) -> _F:
    """numba's `njit`, cached on disk and releasing the GIL (typed for mypy as is)."""
    return cast(_F, numba.njit(cache=True, nogil=True)(function))


@numba.njit(cache=True, inline="always")
def _clip(x: float, low: float, high: float) -> float:
    """numpy's clip: NaN stays NaN, otherwise max(x, low) then min(·, high), each taking
    the bound unless x is strictly beyond it. Selects, not branches: the loops that
    inline it vectorise."""
    above = x if x > low else low
    clipped = above if above < high else high
    return x if x != x else clipped


@_compiled
def _consecutive(group: IntArray) -> bool:
    """group counts 0, 1, 2, … from 0 in steps of 0 or 1 (each group's orders
    consecutive)."""
    previous = -1
    for i in range(group.shape[0]):
        step = group[i] - previous
        if step != 1 and (step != 0 or i == 0):
            return False
        previous = group[i]
    return True


@numba.njit(cache=True, inline="always")
def _zero_groups(group: IntArray, sums: FloatArray, a: FloatArray, start: int, stop: int) -> None:
    """The sums of the groups of orders start … stop − 1 set to 0.0, as `bincount` starts."""
    sums[group[start] : group[stop - 1] + 1] = 0.0
    a[group[start] : group[stop - 1] + 1] = 0.0


@numba.njit(cache=True, inline="always")
def _trade(
    zeta: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    group: IntArray,
    xi: FloatArray,
    inside: BoolArray,
    sums: FloatArray,
    i: int,
) -> tuple[int, bool, float, float, float]:
    """Order i's trade xi = clip(ζ) added to its group's sum, and inside = lo < ζ < hi:
    (its group, inside, ζ, lo, hi), for the step's Hessian weight."""
    z, low, high = zeta[i], lo[i], hi[i]
    x = _clip(z, low, high)
    xi[i] = x
    g = group[i]
    sums[g] += x
    strictly = (z > low) & (z < high)
    inside[i] = strictly
    return g, strictly, z, low, high


@_compiled
def _step(
    zeta: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    inv_slope: FloatArray,
    group: IntArray,
    xi: FloatArray,
    inside: BoolArray,
    sums: FloatArray,
    a: FloatArray,
    start: int,
    stop: int,
) -> None:
    if stop <= start:
        return
    # Branch-free, so that the loop vectorises: each sum is bincount's own scatter-add
    # (the group's entries zeroed first), each clip selects (19.7 → 11.3 ms a pass over
    # 2.6·10^6 linear orders with a branch per group change, against numpy's 23.4 ms).
    _zero_groups(group, sums, a, start, stop)
    for i in range(start, stop):
        g, strictly, _, _, _ = _trade(zeta, lo, hi, group, xi, inside, sums, i)
        a[g] += inv_slope[i] * (1.0 if strictly else 0.0)


@_compiled
def _step_near(
    zeta: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    inv_slope: FloatArray,
    group: IntArray,
    beta: FloatArray,
    t: float,
    weight: float,
    xi: FloatArray,
    inside: BoolArray,
    sums: FloatArray,
    a: FloatArray,
    start: int,
    stop: int,
) -> None:
    """`_step` with engine 3's band (`clearing.passes.NearKinks`): an order outside its
    inside within |β|·t of a kink weighs weight/slope, the factor made as
    `clearing.passes._near_weights` makes it."""
    if stop <= start:
        return
    _zero_groups(group, sums, a, start, stop)
    for i in range(start, stop):
        g, strictly, z, low, high = _trade(zeta, lo, hi, group, xi, inside, sums, i)
        below, above = low - z, z - high
        distance = below if below > above else above  # NaN only when ζ is: never close
        close = (distance < abs(beta[i]) * t) & (not strictly)
        factor = 1.0 if strictly else (weight if close else 0.0)
        a[g] += inv_slope[i] * factor


@_compiled
def _along(
    per_row: FloatArray,
    row_of: IntArray,
    inv_slope: FloatArray,
    nu: FloatArray,
    beta: FloatArray,
    start: int,
    stop: int,
) -> None:
    for i in range(start, stop):
        value = per_row[row_of[i]]
        nu[i] = value
        beta[i] = value * inv_slope[i]


@_compiled
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
    start: int,
    stop: int,
) -> None:
    for i in range(start, stop):
        product = b[i] * step
        z = product + z0[i]
        z_t[i] = z
        lo, hi = low[i], high[i]
        throughout = (z > lo) & (z < hi) & inside0[i]
        both[i] = throughout
        x = _clip(z, lo, hi)
        x_t[i] = x
        moved[i] = (x != x0[i]) & (not throughout)


def group_cuts(group: IntArray, parts: int) -> list[int]:
    """parts + 1 increasing positions 0 … l, each inner one the first order of a group
    near an equal share (fewer parts when groups are that long)."""
    size = int(group.shape[0])
    cuts = [0]
    for k in range(1, parts):
        at = int(np.searchsorted(group, group[size * k // parts], side="left"))
        if at > cuts[-1]:
            cuts.append(at)
    cuts.append(size)
    return cuts


class CompiledPasses:
    """`clearing.passes.Passes` as compiled loops over a book's linear orders, one part
    of the columns per thread (`ColumnSplit`'s count), cut at group boundaries."""

    def __init__(self, ops: DualOperators, cols: ColumnSplit) -> None:
        self.ops = ops
        self.cuts = group_cuts(ops.group, len(cols.slices)) if ops.group.size else [0, 0]

    def _on_parts(self, kernel: Callable[..., None], *args: Any) -> None:
        spans = zip(self.cuts[:-1], self.cuts[1:], strict=True)
        tasks: list[Callable[[], Any]] = [
            functools.partial(kernel, *args, start, stop) for start, stop in spans
        ]
        if len(tasks) == 1:
            tasks[0]()
        else:
            on_all(len(tasks) - 1, tasks)

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
        ops = self.ops
        sums, a = np.empty(ops.n_groups), np.empty(ops.n_groups)
        if near is None:
            self._on_parts(_step, zeta, lo, hi, ops.inv_slope, ops.group, xi, inside, sums, a)
        else:
            band = (near.beta, float(near.t), float(near.weight))
            columns = (zeta, lo, hi, ops.inv_slope, ops.group, *band, xi, inside, sums, a)
            self._on_parts(_step_near, *columns)
        return sums, a

    def along(self, per_row: FloatArray, nu: FloatArray, beta: FloatArray) -> None:
        self._on_parts(_along, per_row, self.ops.row_of, self.ops.inv_slope, nu, beta)

    def trial(self, step: float, columns: TrialColumns) -> None:
        self._on_parts(_trial, float(step), *columns.all())


def compiled_passes(ops: DualOperators, cols: ColumnSplit) -> Passes:
    """A `SolverOptions.passes`: `CompiledPasses` for `ops`, or `ArrayPasses` unless its
    groups are consecutive runs 0, 1, …, m − 1 covering every group (always so from
    `DualOperators.of`; checked, since every group sum relies on it)."""
    last = int(ops.group[-1]) if ops.group.size else -1
    if last + 1 != ops.n_groups or not _consecutive(ops.group):
        return ArrayPasses(ops, cols)
    return CompiledPasses(ops, cols)
