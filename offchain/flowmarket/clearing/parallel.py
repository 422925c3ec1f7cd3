"""Sparse matrix–vector products split by rows, and elementwise work on long columns
(the linear orders', the CG's vectors) split into consecutive parts, over threads: bit
for bit as on one.

scipy's CSR product (`csr_matvec`) releases the GIL while it runs (measured: a
Python thread keeps running through a 0.5 s product on another thread), so
threads multiplying different row blocks of one matrix run on different cores.
Each row's sum is computed by the same loop, in the same order, whichever thread
computes it, so the split product equals the unsplit one exactly: the prices do
not depend on the number of threads (tests/unit/clearing/test_clearing_threads.py).

The caller's thread multiplies the first block; a block that no helper thread has
started by the time it is done is taken back (its task cancelled) and multiplied by
the caller too, so a machine whose other core is busy never makes the caller wait
for a thread that is not running.

Only products with at least SPLIT_MIN_NNZ stored entries are split: handing a
block to another thread and waiting for it costs tens of microseconds, as much as
a product of ~10^4 entries.

numpy's ufuncs, `take` and `flatnonzero` release the GIL on numeric arrays too, and an
elementwise result does not depend on where its column is cut, so `ColumnSplit` runs
the Newton stage's passes over the linear orders (clips, masks, products, gathers) and
the CG's long vector updates on consecutive parts at once (measured on 2.6·10^6 linear
orders, 2 cores: 1.7–1.9x for each). Sums stay whole: a sum cut in two adds in another
order.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse._sparsetools import csr_matvec

from flowmarket.clearing.model import FloatArray

SPLIT_MIN_NNZ = 100_000
SPLIT_MIN_SIZE = 100_000  # columns shorter than this are worked whole (`ColumnSplit`)
POSITIONS_AT_ONCE = 1 << 20  # a split flatnonzero's stretch (8 MB of positions)

_POOLS: dict[int, ThreadPoolExecutor] = {}


def _pool(workers: int) -> ThreadPoolExecutor:
    """A process-wide pool of `workers` helper threads (the caller's thread is the other)."""
    pool = _POOLS.get(workers)
    if pool is None:
        pool = _POOLS.setdefault(
            workers, ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clearing")
        )
    return pool


def _row_blocks(matrix: sp.csr_array, parts: int) -> list[sp.csr_array]:
    """`parts` consecutive row blocks of about equal stored entries, views of `matrix`."""
    indptr = matrix.indptr
    targets = np.arange(1, parts) * (matrix.nnz / parts)
    cuts = np.searchsorted(indptr, targets).tolist()
    bounds = [0, *cuts, matrix.shape[0]]
    blocks = []
    for part in range(parts):
        lo, hi = bounds[part], bounds[part + 1]
        start, stop = int(indptr[lo]), int(indptr[hi])
        # Set on an empty matrix, not passed to the constructor: its format check copies
        # a slice of less than half its array (scipy's `prune`), so one block of two was
        # a copy (0.24 GB more held on two threads than on one at 10^6 x 10^7). The
        # matrix's index arrays share one dtype, which scipy's product loop needs.
        block = sp.csr_array((hi - lo, matrix.shape[1]), dtype=matrix.data.dtype)
        block.indptr = indptr[lo : hi + 1] if start == 0 else indptr[lo : hi + 1] - start
        block.indices = matrix.indices[start:stop]
        block.data = matrix.data[start:stop]
        blocks.append(block)
    return blocks


class RowSplit:
    """A CSR matrix whose products with vectors run on `threads` threads (1: as it is;
    any other matrix, as it is on any number)."""

    def __init__(self, matrix: sp.csr_array | sp.csc_array, threads: int) -> None:
        self.matrix = matrix
        # A GPU's matrix (`cuda`) is one kernel over all rows already.
        on_host = isinstance(matrix, sp.csr_array)
        split = threads > 1 and on_host and matrix.nnz >= SPLIT_MIN_NNZ
        split = split and matrix.shape[0] >= threads
        self.blocks = _row_blocks(matrix, threads) if split else []
        ends = np.cumsum([0, *(block.shape[0] for block in self.blocks)]).tolist()
        self.rows = [slice(ends[k], ends[k + 1]) for k in range(len(self.blocks))]

    def __matmul__(self, vector: FloatArray) -> FloatArray:
        if not self.blocks:
            product: FloatArray = self.matrix @ vector
            return product
        if vector.dtype != np.float64 or self.matrix.dtype != np.float64:
            parts = [_bound(block.__matmul__, (vector,)) for block in self.blocks]
            joined: FloatArray = np.concatenate(on_all(len(parts) - 1, parts))
            return joined
        # Each block adds into its own rows of one zeroed result, as scipy's product does
        # into its own (`csr_matvec`): the same bits, and no copy to join the blocks.
        return self.into(vector, np.empty(self.matrix.shape[0]))

    def into(self, vector: FloatArray, out: FloatArray) -> FloatArray:
        """self @ vector written over `out` (rows,) and returned: the same bits as the
        product, in memory the caller keeps. A new result of more than 32 MB is a fresh
        mapping of pages from the system each time (glibc), which the kernel zeroes on
        first touch; the CG's product with B_Mᵀ made one every iteration (73 MB at the
        paper's size). Without a CSR matrix and float64 vectors of its shapes to write
        into (scipy's loop checks neither), the product as it comes."""
        fits = out.shape == self.matrix.shape[:1] and vector.shape == self.matrix.shape[1:]
        if not isinstance(self.matrix, sp.csr_array) or not fits:
            return self @ vector
        if not _float64(vector, out, self.matrix):
            return self @ vector
        blocks, rows = self.blocks or [self.matrix], self.rows or [slice(None)]
        if len(blocks) == 1:
            _over(blocks[0], vector, out)
            return out
        tasks = [_bound(_over, (b, vector, out[r])) for b, r in zip(blocks, rows, strict=True)]
        on_all(len(tasks) - 1, tasks)
        return out


def on_all(pool_size: int, tasks: list[Callable[[], Any]]) -> list[Any]:
    """Each task's result; the caller runs the first, helpers the rest, and a task no
    helper has started when the caller gets to it is taken back (see the module)."""
    pool = _pool(pool_size)
    rest: list[Future[Any]] = [pool.submit(task) for task in tasks[1:]]
    results = [tasks[0]()]
    for task, future in zip(tasks[1:], rest, strict=True):
        # A task no helper has started yet (all busy, or not scheduled on a loaded
        # machine) is taken back and done here: never wait for a thread that is not
        # running, so a busy machine costs at most the one-thread time.
        results.append(task() if future.cancel() else future.result())
    return results


class ColumnSplit:
    """Columns of one length (the linear orders', the CG's vectors) cut into `threads`
    consecutive parts, elementwise work on which runs on as many threads (1, a column
    shorter than min_size, or a device's arrays: whole).

    `run(work, *columns, first=args)` calls work(*args, *parts) on each part of every
    column (the columns cut alike) and returns the results in order; `take` gathers
    into a column."""

    def __init__(
        self, size: int, threads: int, *, on_host: bool = True, min_size: int = SPLIT_MIN_SIZE
    ) -> None:
        self.threads = threads
        parts = threads if threads > 1 and on_host and size >= min_size else 1
        cuts = [size * k // parts for k in range(parts + 1)]
        self.slices = [slice(cuts[k], cuts[k + 1]) for k in range(parts)]

    @classmethod
    def like(cls, column: Any, threads: int, min_size: int = SPLIT_MIN_SIZE) -> ColumnSplit:
        """Parts of columns of `column`'s length and kind; `min_size`: the shortest split."""
        on_host = type(column) is np.ndarray
        return cls(int(column.shape[0]), threads, on_host=on_host, min_size=min_size)

    def run(
        self, work: Callable[..., Any], *columns: Any, first: tuple[Any, ...] = ()
    ) -> list[Any]:
        if len(self.slices) == 1:
            return [work(*first, *columns)]
        tasks = [_bound(work, (*first, *(c[part] for c in columns))) for part in self.slices]
        return on_all(len(tasks) - 1, tasks)

    def take(self, source: Any, index: Any, out: Any) -> Any:
        """out[i] = source[index[i]] (index valid: numpy's clip mode then neither checks
        nor buffers, 1.5x faster than its default on 2.6·10^6 random reads)."""
        if type(source) is not np.ndarray:  # a device's take (no modes)
            return np.take(source, index, out=out)
        self.run(_take_clipped, index, out, first=(source,))
        return out

    def gather(self, source: Any, index: Any) -> Any:
        """source[index] on these threads (`gather`)."""
        return gather(source, index, self.threads)

    def flatnonzero(self, mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
        """np.flatnonzero(mask), its parts found at once."""
        if len(self.slices) == 1:
            return np.flatnonzero(mask)
        # Counted first, so that each part writes its positions into its own stretch of
        # the one result (no joined copy: the first line search's S is 43 % of l).
        counts = self.run(np.count_nonzero, mask)
        ends = np.cumsum([0, *counts]).tolist()
        out = np.empty(ends[-1], dtype=np.intp)
        into = [out[ends[k] : ends[k + 1]] for k in range(len(counts))]
        starts = [part.start for part in self.slices]
        tasks = [
            _bound(_positions, (mask[part], into[k], starts[k]))
            for k, part in enumerate(self.slices)
        ]
        on_all(len(tasks) - 1, tasks)
        return out


def gather(source: Any, index: Any, threads: int = 1) -> Any:
    """source[index], a new column of index's length, its parts gathered on `threads`
    (index valid: `ColumnSplit.take`)."""
    if type(source) is not np.ndarray:
        return source[index]
    out = np.empty(index.shape[0], dtype=source.dtype)
    return ColumnSplit(index.shape[0], threads).take(source, index, out)


def _bound(work: Callable[..., Any], args: tuple[Any, ...]) -> Callable[[], Any]:
    return lambda: work(*args)


def _over(block: sp.csr_array, vector: FloatArray, out: FloatArray) -> None:
    """out = block @ vector: zeroed, then the loop scipy's own product runs into its
    zeroed result (`csr_matvec` adds each row's sum to out's entry)."""
    out.fill(0.0)
    rows, cols = block.shape
    csr_matvec(rows, cols, block.indptr, block.indices, block.data, vector, out)


def _float64(*arrays: Any) -> bool:
    return all(array.dtype == np.float64 for array in arrays)


def _positions(mask: npt.NDArray[np.bool_], out: npt.NDArray[np.intp], start: int) -> None:
    """out = the positions of mask's entries that hold, plus start; found a stretch of
    POSITIONS_AT_ONCE at a time, so that two parts at once hold no second copy of S."""
    at = 0
    for lo in range(0, mask.shape[0], POSITIONS_AT_ONCE):
        found = np.flatnonzero(mask[lo : lo + POSITIONS_AT_ONCE])
        np.add(found, start + lo, out=out[at : at + found.shape[0]])
        at += found.shape[0]


def _take_clipped(source: FloatArray, index: npt.NDArray[np.intp], out: FloatArray) -> None:
    np.take(source, index, out=out, mode="clip")
