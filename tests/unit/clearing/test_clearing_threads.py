"""The engine's sparse products and passes over columns split over threads give the same bits
as on one thread."""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
from multiprocessing.connection import Connection

import numpy as np
import pytest
import scipy.sparse as sp

from flowmarket.clearing import SolverOptions, clear, krylov, parallel
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.parallel import SPLIT_MIN_NNZ, SPLIT_MIN_SIZE, ColumnSplit, RowSplit
from flowmarket.clearing.synthetic import random_book


def _random_product(seed: int, rows: int, cols: int = 3_000) -> tuple[sp.csr_array, np.ndarray]:
    """A random CSR matrix of 2 × SPLIT_MIN_NNZ entries (enough to split) and a vector."""
    rng = np.random.default_rng(seed)
    nnz = 2 * SPLIT_MIN_NNZ
    where = (rng.integers(0, rows, nnz), rng.integers(0, cols, nnz))
    matrix = sp.csr_array((rng.standard_normal(nnz), where), shape=(rows, cols))
    return matrix, rng.standard_normal(cols)


@pytest.mark.parametrize("threads", [2, 3])
def test_a_product_split_by_rows_is_the_unsplit_product_bit_for_bit(threads: int) -> None:
    rows = 5_000
    matrix, vector = _random_product(11, rows)
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


@pytest.mark.parametrize("threads", [2, 3])
def test_the_row_blocks_are_views_of_the_matrix_not_copies(threads: int) -> None:
    # scipy's constructor copies a slice of under half its array; the engine splits its
    # largest matrices (Bᵀ at the paper's size: 2.3·10^7 rows) and must not hold them twice.
    matrix, vector = _random_product(13, 6_000)
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    split = RowSplit(matrix, threads)
    assert len(split.blocks) == threads
    first_entry = 0
    for block in split.blocks:
        assert np.shares_memory(block.data, matrix.data)
        assert np.shares_memory(block.indices, matrix.indices)
        assert block.indptr[0] == 0 and block.indptr.dtype == np.int32
        assert block.data[0] == matrix.data[first_entry]  # its own entries, from the start
        first_entry += block.nnz
    assert first_entry == matrix.nnz
    assert np.shares_memory(split.blocks[0].indptr, matrix.indptr)  # the first needs no shift
    assert (split @ vector).tobytes() == (matrix @ vector).tobytes()


@pytest.mark.parametrize("threads", [1, 2])
def test_a_product_into_kept_memory_overwrites_it_with_the_product_bit_for_bit(
    threads: int,
) -> None:
    rows = 4_000
    matrix, vector = _random_product(12, rows)
    split = RowSplit(matrix, threads)
    assert len(split.blocks) == (threads if threads > 1 else 0)
    kept = np.full(rows, np.nan)  # whatever the memory held before is overwritten
    out = split.into(vector, kept)
    assert out is kept
    assert kept.tobytes() == (matrix @ vector).tobytes()
    assert split.into(vector, kept).tobytes() == (matrix @ vector).tobytes()  # and again


def test_a_product_into_kept_memory_by_hand_and_its_fallbacks() -> None:
    matrix = sp.csr_array(np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [0.5, -1.0, 0.0]]))
    kept = np.full(3, 7.0)
    assert RowSplit(matrix, 1).into(np.array([1.0, 2.0, 3.0]), kept).tolist() == [7.0, 0.0, -1.5]
    # an integer vector, or a matrix that is not CSR: the product as it comes, kept untouched
    kept = np.full(3, 7.0)
    assert RowSplit(matrix, 1).into(np.array([1, 2, 3]), kept).tolist() == [7.0, 0.0, -1.5]
    assert kept.tolist() == [7.0, 7.0, 7.0]
    assert RowSplit(sp.csc_array(matrix), 2).into(np.ones(3), kept).tolist() == [3.0, 0.0, -0.5]
    assert kept.tolist() == [7.0, 7.0, 7.0]
    short = np.full(2, 7.0)  # memory of another shape is never written (no bounds checks)
    assert RowSplit(matrix, 1).into(np.ones(3), short).tolist() == [3.0, 0.0, -0.5]
    assert short.tolist() == [7.0, 7.0]


def test_a_product_with_an_integer_vector_is_split_too() -> None:
    matrix = sp.csr_array(np.arange(2 * SPLIT_MIN_NNZ, dtype=np.float64).reshape(4, -1))
    vector = np.ones(matrix.shape[1], dtype=np.int64)
    # rows 0..3 hold 0..k−1, k..2k−1, …: each row's sum by hand
    k = matrix.shape[1]
    expected = [k * (k - 1) / 2 + row * k * k for row in range(4)]
    assert (RowSplit(matrix, 2) @ vector).tolist() == expected


def _ramp(size: int) -> np.ndarray:
    return np.arange(size, dtype=np.float64) * 0.1


@pytest.mark.parametrize("threads", [2, 3])
def test_column_parts_cover_every_entry_once_and_work_as_whole_columns(threads: int) -> None:
    size = SPLIT_MIN_SIZE + 7
    cols = ColumnSplit(size, threads)
    assert len(cols.slices) == threads
    assert [s.start for s in cols.slices[1:]] == [s.stop for s in cols.slices[:-1]]
    assert (cols.slices[0].start, cols.slices[-1].stop) == (0, size)
    x, lo, hi = _ramp(size), np.full(size, 100.0), np.full(size, 5_000.0)
    out = np.empty(size)
    cols.run(np.clip, x, lo, hi, out)
    assert out.tobytes() == np.clip(x, lo, hi).tobytes()
    assert (out[0], out[999], out[1_001], out[size - 1]) == (100.0, 100.0, x[1_001], 5_000.0)
    # gathers: a reversed index reads the ramp backwards
    index = np.arange(size)[::-1].copy()
    taken = cols.take(x, index, np.empty(size))
    assert (taken[0], taken[size - 1]) == (x[size - 1], 0.0)
    assert taken.tobytes() == x[index].tobytes()
    assert cols.gather(x, index[:5]).tolist() == [x[size - 1 - i] for i in range(5)]
    # nonzero: each part's positions are the whole column's
    mask = np.zeros(size, dtype=bool)
    mask[[0, 5, size // 2, size // 2 + 1, size - 1]] = True
    assert cols.flatnonzero(mask).tolist() == [0, 5, size // 2, size // 2 + 1, size - 1]
    # run returns each part's result in order: here each part's first entry
    assert cols.run(lambda part: part[0], x) == [x[s.start] for s in cols.slices]


def test_a_split_nonzero_found_in_stretches_is_the_whole_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parallel, "POSITIONS_AT_ONCE", 1_000)  # many stretches a part
    mask = np.random.default_rng(9).random(SPLIT_MIN_SIZE + 3) < 0.3
    mask[[0, 999, 1_000, SPLIT_MIN_SIZE + 2]] = True
    found = ColumnSplit(mask.size, 2).flatnonzero(mask)
    assert found.tobytes() == np.flatnonzero(mask).tobytes()
    assert found[:1].tolist() == [0] and found[-1] == SPLIT_MIN_SIZE + 2
    assert {999, 1_000} <= set(found[:400].tolist())


def test_short_columns_and_one_thread_are_worked_whole() -> None:
    assert len(ColumnSplit(SPLIT_MIN_SIZE - 1, 2).slices) == 1
    assert len(ColumnSplit(10 * SPLIT_MIN_SIZE, 1).slices) == 1
    assert len(ColumnSplit(10 * SPLIT_MIN_SIZE, 2, on_host=False).slices) == 1
    x = _ramp(10)
    assert ColumnSplit(10, 2).run(np.sum, x) == [np.sum(x)]


def test_the_cg_with_its_vectors_split_is_the_one_thread_cg_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(krylov, "SPLIT_VECTORS", 1_000)  # this book's 10^4 products split
    ops = DualOperators.of(decompose(random_book(10_000, 100_000, 4242)))
    a = ops.group_sum(ops.inv_slope)
    rhs = np.random.default_rng(5).standard_normal(ops.groups.shape[0])
    assert len(ColumnSplit.like(rhs, 2, krylov.SPLIT_VECTORS).slices) == 2
    one, n_one = krylov.pcg(ops, a, 1e-3, rhs, 1e-9, 300, threads=1)
    two, n_two = krylov.pcg(ops, a, 1e-3, rhs, 1e-9, 300, threads=2)
    assert n_one == n_two > 5
    assert one.tobytes() == two.tobytes()


@pytest.mark.parametrize("share", [1.0, 0.1])  # every coupled group, or a few (sliced)
def test_one_threads_b_m_is_its_transposes_view_and_the_same_product_bit_for_bit(
    share: float,
) -> None:
    ops = DualOperators.of(decompose(random_book(2_000, 20_000, 77)))
    rng = np.random.default_rng(3)
    a = ops.group_sum(ops.inv_slope) * (rng.random(ops.n_groups) < share)
    one, one_t, a_one = ops.coupling(a, 1)
    two, two_t, a_two = ops.coupling(a, 2)
    assert one.format == "csc" and two.format == "csr"
    assert np.shares_memory(one.data, one_t.data)  # a view: no copy of B_M on one thread
    assert one_t.shape == two_t.shape and a_one.tobytes() == a_two.tobytes()
    if share < 1.0:
        assert a_one.size < ops.coupled.size  # sliced to the groups with a > 0
    y = rng.standard_normal(a_one.size)
    product = one @ y
    assert product.tobytes() == (two @ y).tobytes() == (RowSplit(two, 2) @ y).tobytes()
    # product k by hand: its groups' terms in group order, summed from 0
    dense = one_t.toarray()
    for k in np.flatnonzero(np.count_nonzero(dense, axis=0) >= 3)[:5]:
        total = 0.0
        for g in np.flatnonzero(dense[:, k]):
            total += float(dense[g, k]) * float(y[g])
        assert product[k] == total
    assert ops.coupled_b() is ops.coupled_b()  # made once, on the first call


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
    assert ops.group.size >= SPLIT_MIN_SIZE  # and the passes over the linear orders
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
