"""The Newton stage on a device's operators (`clearing.device`) and the CUDA backend
(`solvers.cuda`).

Without a GPU, the device is emulated twice: with numpy itself as its array module
(every branch the CPU takes: the same bits as the CPU's operators), and with an
ndarray subclass that takes the device branches of the reductions (`dual.dot` and
the rest: its own sums, so prices within the certificate's tolerances). With CuPy
and a GPU (the device machine), the real backend clears the same books.
"""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from flowmarket.clearing import SolverOptions, clear
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.device import DeviceOperators, segment_matrix
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.synthetic import random_book
from flowmarket.errors import InvalidInput
from flowmarket.solvers.cuda import cuda_operators, with_backend


def _numpy_device(ops: DualOperators) -> DeviceOperators:
    return DeviceOperators.of(ops, np, lambda matrix: sp.csr_array(matrix))


class Emulated(np.ndarray):  # type: ignore[type-arg]
    """An array the reductions treat as a device's: not `np.ndarray` itself, with get()."""

    def get(self) -> np.ndarray:  # type: ignore[type-arg]
        return np.asarray(self)


class _EmulatedCsr:
    def __init__(self, matrix: sp.csr_array) -> None:
        self.matrix = sp.csr_array(matrix)
        self.shape, self.nnz = self.matrix.shape, self.matrix.nnz

    def __matmul__(self, vector: Any) -> Emulated:
        return np.asarray(self.matrix @ np.asarray(vector)).view(Emulated)


EMULATED = SimpleNamespace(asarray=lambda a: np.asarray(a).view(Emulated), abs=np.abs)


def _emulated_device(ops: DualOperators) -> DeviceOperators:
    return DeviceOperators.of(ops, EMULATED, _EmulatedCsr)


def test_segment_matrix_adds_in_bincounts_order() -> None:
    # rows [1, 0, 1, 1]: row 0 holds entry 1, row 1 entries 0, 2, 3 (by hand)
    matrix = segment_matrix(
        np.array([1, 0, 1, 1]), np.array([2.0, 3.0, 5.0, 7.0]), np.array([4, 0, 1, 2]), (3, 5)
    )
    assert matrix.toarray().tolist() == [
        [3.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 5.0, 7.0, 0.0, 2.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
    ]
    assert matrix.indices.tolist() == [0, 4, 1, 2]  # row 1 in the order of its positions
    # 1e16 + 1 + 1 rounds twice (to 1e16) in bincount's order; another order would not
    values = np.array([1e16, 1.0, 1.0])
    ones = segment_matrix(np.zeros(3, dtype=np.int64), np.ones(3), np.arange(3), (1, 3))
    assert (ones @ values)[0] == np.bincount([0, 0, 0], weights=values)[0] == 1e16


@pytest.mark.parametrize(("seed", "engine"), [(11, 1), (12, 1), (11, 3), (12, 3)])
def test_the_newton_stage_on_a_numpy_device_is_the_cpus_bit_for_bit(seed: int, engine: int) -> None:
    # Engine 3's band runs as array operations on a device (`passes._near_weights`).
    book = random_book(2000, 20_000, seed)
    host = SolverOptions(engine=engine)
    cpu = clear(book, options=host)
    device = clear(book, options=SolverOptions(device=_numpy_device, engine=engine))
    assert device.stats.on_device and not cpu.stats.on_device
    assert device.prices.tobytes() == cpu.prices.tobytes()
    assert (device.stats.iterations, device.stats.cg_iterations) == (
        cpu.stats.iterations,
        cpu.stats.cg_iterations,
    )
    # the next hour, from these prices: the same again
    moved = clear(book, cpu.prices * 1.01, SolverOptions(device=_numpy_device, engine=engine))
    assert moved.prices.tobytes() == clear(book, cpu.prices * 1.01, host).prices.tobytes()


def test_the_device_operators_group_sums_lone_diagonal_and_gross_flow_are_the_cpus() -> None:
    ops = DualOperators.of(decompose(random_book(300, 3000, 5)))
    device = _numpy_device(ops)
    rng = np.random.default_rng(0)
    values = rng.normal(size=ops.group.size)
    a = rng.uniform(0.0, 2.0, ops.n_groups)
    assert device.group_sum(values).tobytes() == ops.group_sum(values).tobytes()
    assert device.lone_diagonal(a, 0.5).tobytes() == ops.lone_diagonal(a, 0.5).tobytes()
    sums = ops.group_sum(values)
    assert device.gross_flow(sums).tobytes() == ops.gross_flow(sums).tobytes()
    b_m, b_mt, a_m = device.coupling(a)
    host_b, host_bt, host_a = ops.coupling(a)
    d = rng.normal(size=ops.groups.shape[0])
    assert np.array_equal(b_m @ (a_m * (b_mt @ d)), host_b @ (host_a * (host_bt @ d)))


def test_a_device_with_its_own_sums_clears_to_the_certificates_tolerance() -> None:
    book = random_book(2000, 20_000, 13)
    cpu = clear(book)
    device = clear(book, options=SolverOptions(device=_emulated_device))
    assert device.stats.on_device
    scale = max(1.0, float(np.max(np.abs(cpu.prices))))
    assert np.max(np.abs(device.prices - cpu.prices)) <= 1e-7 * scale
    assert device.certificate.max_imbalance <= 1e-8 * max(1.0, float(book.curve_qty.max()))
    assert abs(device.stats.iterations - cpu.stats.iterations) <= 2


def test_an_unknown_backend_is_refused_naming_the_field() -> None:
    expected = r"backend: expected one of \['cpu', 'cuda'\], got 'gpu'"
    with pytest.raises(InvalidInput, match=expected):
        with_backend(SolverOptions(), "gpu")
    assert with_backend(SolverOptions(), "cpu").device is None


HAS_GPU = False
if importlib.util.find_spec("cupy") is not None:
    try:
        import cupy

        HAS_GPU = cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # CuPy without a driver
        HAS_GPU = False


@pytest.mark.skipif(HAS_GPU, reason="this machine has a GPU")
def test_the_cuda_backend_without_a_gpu_is_a_clear_error() -> None:
    book = random_book(50, 200, 1)
    with pytest.raises(InvalidInput, match=r"^backend: 'cuda' needs CuPy and an NVIDIA GPU \("):
        clear(book, options=with_backend(SolverOptions(), "cuda"))


@pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and an NVIDIA GPU")
def test_the_cuda_backend_clears_as_the_cpu_and_the_same_bits_twice() -> None:
    book = random_book(10_000, 100_000, 4242)
    cpu = clear(book)
    options = SolverOptions(device=cuda_operators)
    gpu = clear(book, options=options)
    again = clear(book, options=options)
    assert gpu.stats.on_device
    assert gpu.prices.tobytes() == again.prices.tobytes()
    scale = max(1.0, float(np.max(np.abs(cpu.prices))))
    assert np.max(np.abs(gpu.prices - cpu.prices)) <= 1e-7 * scale
    assert gpu.certificate.max_imbalance <= 1e-8 * max(1.0, float(book.curve_qty.max()))
    # the sparse products themselves are the CPU's bits
    ops = DualOperators.of(decompose(book))
    device = cuda_operators(ops)
    x = np.random.default_rng(2).normal(size=ops.groups.shape[1])
    assert np.array_equal((device.groups @ cupy.asarray(x)).get(), ops.groups @ x)
    values = np.random.default_rng(3).normal(size=ops.group.size)
    assert np.array_equal(device.group_sum(cupy.asarray(values)).get(), ops.group_sum(values))
