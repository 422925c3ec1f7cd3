"""The engine's sparse products split over threads give the same bits as on one thread."""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
from multiprocessing.connection import Connection

import numpy as np
import pytest
import scipy.sparse as sp

from flowmarket.clearing import SolverOptions, clear
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.parallel import SPLIT_MIN_NNZ, RowSplit
from flowmarket.clearing.synthetic import random_book


@pytest.mark.parametrize("threads", [2, 3])
def test_a_product_split_by_rows_is_the_unsplit_product_bit_for_bit(threads: int) -> None:
    rng = np.random.default_rng(11)
    rows, cols, nnz = 5_000, 3_000, 2 * SPLIT_MIN_NNZ
    matrix = sp.csr_array(
        (rng.standard_normal(nnz), (rng.integers(0, rows, nnz), rng.integers(0, cols, nnz))),
        shape=(rows, cols),
    )
    vector = rng.standard_normal(cols)
    split = RowSplit(matrix, threads)
    assert len(split.blocks) == threads  # really split, every row in one block
    assert sum(block.shape[0] for block in split.blocks) == rows
    assert max(block.nnz for block in split.blocks) <= matrix.nnz / threads + 200
    product = split @ vector
    assert product.tobytes() == (matrix @ vector).tobytes()
    # and the same as a sum taken row by row in stored order, by hand
    for row in (0, 1234, rows - 1):
        start, stop = matrix.indptr[row], matrix.indptr[row + 1]
        total = 0.0
        for k in range(start, stop):
            total += float(matrix.data[k]) * float(vector[matrix.indices[k]])
        assert product[row] == pytest.approx(total, rel=1e-12, abs=1e-12)


def test_small_products_stay_on_one_thread() -> None:
    matrix = sp.csr_array(np.eye(50))
    assert RowSplit(matrix, 2).blocks == []
    assert (RowSplit(matrix, 2) @ np.arange(50.0)).tolist() == list(range(50))


def _digest(*arrays: np.ndarray) -> str:
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()


def test_a_clearing_on_two_threads_is_the_one_thread_clearing_bit_for_bit() -> None:
    book = random_book(10_000, 100_000, 4242)
    ops = DualOperators.of(decompose(book))
    assert ops.coupled_bt.nnz >= SPLIT_MIN_NNZ  # the CG products are split on 2 threads
    one = clear(book, options=SolverOptions(threads=1))
    two = clear(book, options=SolverOptions(threads=2))
    again = clear(book, options=SolverOptions(threads=2))
    assert one.certificate.max_imbalance <= 1e-8 * max(1.0, float(book.curve_qty.max()))
    digests = {_digest(r.prices, r.order_quantity, r.cash) for r in (one, two, again)}
    assert len(digests) == 1
    assert (one.stats.iterations, one.stats.cg_iterations) == (
        two.stats.iterations,
        two.stats.cg_iterations,
    )
    # the next hour from these prices too (every curve's prices moved 2 %)
    factor = 1.0 + 0.02 * np.random.default_rng(1).uniform(-1.0, 1.0, book.n_orders)
    moved = dataclasses.replace(
        book, curve_price=book.curve_price * np.repeat(factor, np.diff(book.curve_ptr))
    )
    warm = [clear(moved, one.prices, SolverOptions(threads=t)) for t in (1, 2)]
    assert warm[0].prices.tobytes() == warm[1].prices.tobytes()


def _product_in_child(send: Connection) -> None:
    rng = np.random.default_rng(3)
    nnz = 2 * SPLIT_MIN_NNZ
    matrix = sp.csr_array(
        (rng.standard_normal(nnz), (rng.integers(0, 4_000, nnz), rng.integers(0, 2_000, nnz))),
        shape=(4_000, 2_000),
    )
    vector = rng.standard_normal(2_000)
    send.send((RowSplit(matrix, 2) @ vector).tobytes() == (matrix @ vector).tobytes())


def test_a_forked_child_whose_pool_threads_were_not_copied_still_multiplies() -> None:
    """A process forked after a split product has the pool but not its threads: the
    caller takes every block back instead of waiting for a thread that never runs."""
    matrix = sp.csr_array(np.ones((2, 2 * SPLIT_MIN_NNZ)))
    RowSplit(matrix, 2) @ np.ones(2 * SPLIT_MIN_NNZ)  # the pool's thread exists here
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_product_in_child, args=(send,), daemon=True)
    child.start()
    assert receive.poll(60), "the forked child's split product did not finish"
    assert receive.recv() is True
    child.join(10)
