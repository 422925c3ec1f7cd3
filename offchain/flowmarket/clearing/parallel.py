"""Sparse matrix–vector products split by rows over threads, bit for bit as on one.

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
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.model import FloatArray

SPLIT_MIN_NNZ = 100_000

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
        block_ptr = indptr[lo : hi + 1] - indptr[lo]
        parts_of = (matrix.data[start:stop], matrix.indices[start:stop], block_ptr)
        blocks.append(sp.csr_array(parts_of, shape=(hi - lo, matrix.shape[1]), copy=False))
    return blocks


class RowSplit:
    """A CSR matrix whose products with vectors run on `threads` threads (1: as it is)."""

    def __init__(self, matrix: sp.csr_array, threads: int) -> None:
        self.matrix = matrix
        # A GPU's matrix (`cuda`) is one kernel over all rows already.
        on_host = isinstance(matrix, sp.csr_array)
        split = threads > 1 and on_host and matrix.nnz >= SPLIT_MIN_NNZ
        split = split and matrix.shape[0] >= threads
        self.blocks = _row_blocks(matrix, threads) if split else []

    def __matmul__(self, vector: FloatArray) -> FloatArray:
        if not self.blocks:
            product: FloatArray = self.matrix @ vector
            return product
        pool = _pool(len(self.blocks) - 1)
        rest = [pool.submit(block.__matmul__, vector) for block in self.blocks[1:]]
        results = [self.blocks[0] @ vector]
        for block, future in zip(self.blocks[1:], rest, strict=True):
            # A block no helper has started yet (all busy, or not scheduled on a loaded
            # machine) is taken back and done here: never wait for a thread that is not
            # running, so a busy machine costs at most the one-thread time.
            results.append(block @ vector if future.cancel() else future.result())
        out: FloatArray = np.concatenate(results)
        return out
