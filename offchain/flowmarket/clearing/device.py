"""The dual's operators on a device: the Newton stage's arrays in another array module.

The Newton stage (`newton`, `krylov`, `linesearch`) is written against the dual's
operators (`dual.Operators`), so it runs unchanged on `DeviceOperators`: the same
vectors in a device's memory (array module `xp`, numpy's interface: CuPy for an
NVIDIA GPU, `solvers.cuda`) and the same matrices, multiplied there by a sparse
product the caller supplies. Everything before and after the Newton stage
(validating and decomposing the book, unique prices, the certificate and its gate)
stays on the CPU, so a device's clearing is judged by exactly the checks a CPU one is.

The group sums and the one-product groups' diagonal, `bincount`s on the CPU, are
sparse products here too: a matrix of ones over each group's linear orders, and of
the weights squared over each product's one-product groups, each row's entries in
`bincount`'s order. A product that adds each row's entries in stored order, each
product and sum rounded on its own (what scipy's CSR product does), then gives the
CPU's bits for every sparse product and every group sum; the dot products are the
device's own (`dual.dot`). `SolverOptions.device` selects it; books with flat
pieces or a network clear on the CPU whatever it says (`SolverStats.on_device`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.dual import DualOperators, host
from flowmarket.clearing.model import FloatArray, IntArray


def segment_matrix(
    rows: IntArray, values: FloatArray, columns: IntArray, shape: tuple[int, int]
) -> sp.csr_array:
    """CSR matrix of `shape`: row k holds values[j] in column columns[j] for every j with
    rows[j] = k, in increasing j, so its product with x adds in `bincount`'s order."""
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return sp.csr_array((values[order], columns[order], indptr), shape=shape)


@dataclass(frozen=True)
class DeviceOperators:
    """`dual.Operators` of one book on a device: `DualOperators`' vectors in its memory
    (array module `xp`), its matrices multiplied there (`matrix`: host CSR → device)."""

    xp: Any
    group: Any
    sign: Any
    inv_slope: Any
    groups: Any
    groups_t: Any
    row_of: Any
    groups_sq: Any
    coupled: Any
    coupled_b: Any
    coupled_bt: Any
    absolute: Any  # |B| (n, m), for the gross flow
    sums: Any  # (m, l): ones over each group's linear orders
    lone: Any  # (n, m): each one-product group's weight squared at its product

    @classmethod
    def of(cls, ops: DualOperators, xp: Any, matrix: Any) -> DeviceOperators:
        b = ops.groups
        n, m = b.shape
        l_count = ops.group.size
        absolute = sp.csr_array((np.abs(b.data), b.indices, b.indptr), shape=b.shape)
        sums = segment_matrix(ops.group, np.ones(l_count), np.arange(l_count), (m, l_count))
        lone = segment_matrix(ops.lone_product, ops.lone_sq, ops.lone, (n, m))
        return cls(
            xp=xp,
            group=xp.asarray(ops.group),
            sign=xp.asarray(ops.sign),
            inv_slope=xp.asarray(ops.inv_slope),
            groups=matrix(ops.groups),
            groups_t=matrix(ops.groups_t),
            row_of=xp.asarray(ops.row_of),
            groups_sq=matrix(ops.groups_sq),
            coupled=xp.asarray(ops.coupled),
            coupled_b=matrix(ops.coupled_b()),
            coupled_bt=matrix(ops.coupled_bt),
            absolute=matrix(absolute),
            sums=matrix(sums),
            lone=matrix(lone),
        )

    def group_sum(self, values: FloatArray) -> FloatArray:
        out: FloatArray = self.sums @ values
        return out

    def lone_diagonal(self, a: FloatArray, mu: float, threads: int = 1) -> FloatArray:
        diag: FloatArray = self.lone @ a  # one kernel: threads are the host's
        diag += mu
        return diag

    def coupling(self, a: FloatArray, threads: int = 1) -> tuple[Any, Any, FloatArray]:
        # All multi-product groups: a group with a = 0 adds an exact 0 to its products.
        return self.coupled_b, self.coupled_bt, a[self.coupled]

    def gross_flow(self, sums: FloatArray) -> FloatArray:
        gross: FloatArray = self.absolute @ self.xp.abs(sums)
        return gross

    def put(self, host: FloatArray) -> FloatArray:
        out: FloatArray = self.xp.asarray(host)
        return out

    def fetch(self, array: FloatArray) -> FloatArray:
        out: FloatArray = host(array)
        return out
