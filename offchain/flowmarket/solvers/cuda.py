"""The clearing's Newton stage on an NVIDIA GPU through CuPy (`flowmarket clear
--backend cuda`, bench/engine_bench.py --backend cuda).

`with_backend(options, "cuda")` sets `SolverOptions.device` to `cuda_operators`: the
dual's operators in GPU memory (`clearing.device`), every sparse product one kernel,
`CSR_ROWS`: one thread per row adds its entries in stored order, each product and sum
rounded on its own (no fused multiply-add), as scipy's CSR product does on the CPU. No atomic
additions anywhere, so a GPU clearing gives the same bits from run to run. Dot
products are CuPy's, summed in another order than numpy's, so a GPU's prices agree
with the CPU's to the certificate's tolerances, not bit for bit: the oracle and
`verify` clear on the CPU (a commitment must be re-derivable to the last bit by
anyone), and the GPU serves the engine's callers.

CuPy is not a dependency: a machine with an NVIDIA GPU installs it (`pip install
cupy-cuda12x` or `cupy-cuda13x`, to match its driver). Without it, or without a
GPU, asking for the backend is an `InvalidInput` naming it.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from types import ModuleType
from typing import Any

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.device import DeviceOperators
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.model import SolverOptions
from flowmarket.errors import InvalidInput

BACKENDS = ("cpu", "cuda")

CSR_ROWS = r"""
extern "C" __global__ void csr_rows(
    const long long rows, const {index}* indptr, const {index}* indices,
    const double* data, const double* x, double* y)
{
    long long row = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= rows) return;
    double sum = 0.0;
    for ({index} j = indptr[row]; j < indptr[row + 1]; ++j) {
        sum = __dadd_rn(sum, __dmul_rn(data[j], x[indices[j]]));
    }
    y[row] = sum;
}
"""
THREADS_PER_BLOCK = 256


def cupy_module() -> ModuleType:
    """CuPy, with a GPU it can use; `InvalidInput` naming the setting when there is none."""
    try:
        cupy = importlib.import_module("cupy")
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise InvalidInput("backend: 'cuda' needs an NVIDIA GPU; CuPy sees none")
    except InvalidInput:
        raise
    except Exception as exc:  # ImportError, or CUDA's own error without a driver
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise InvalidInput(f"backend: 'cuda' needs CuPy and an NVIDIA GPU ({reason})") from None
    return cupy


class DeviceCsr:
    """A CSR matrix in GPU memory whose product with a vector is `CSR_ROWS`."""

    def __init__(self, cupy: ModuleType, matrix: sp.csr_array) -> None:
        index = "int" if matrix.nnz < 2**31 - 1 and max(matrix.shape) < 2**31 - 1 else "long long"
        dtype = np.int32 if index == "int" else np.int64
        self.cupy = cupy
        self.shape: tuple[int, int] = (int(matrix.shape[0]), int(matrix.shape[1]))
        self.nnz = int(matrix.nnz)
        self.indptr = cupy.asarray(matrix.indptr.astype(dtype, copy=False))
        self.indices = cupy.asarray(matrix.indices.astype(dtype, copy=False))
        self.data = cupy.asarray(matrix.data.astype(np.float64, copy=False))
        self.kernel = _kernel(cupy, index)

    def __matmul__(self, vector: Any) -> Any:
        rows = self.shape[0]
        out = self.cupy.empty(rows, dtype=np.float64)
        if rows:
            blocks = (rows + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
            args = (np.int64(rows), self.indptr, self.indices, self.data, vector, out)
            self.kernel((blocks,), (THREADS_PER_BLOCK,), args)
        return out


_KERNELS: dict[tuple[int, str], Any] = {}


def _kernel(cupy: ModuleType, index: str) -> Any:
    key = (id(cupy), index)
    if key not in _KERNELS:
        _KERNELS[key] = cupy.RawKernel(CSR_ROWS.replace("{index}", index), "csr_rows")
    return _KERNELS[key]


def cuda_operators(ops: DualOperators) -> DeviceOperators:
    """`ops` in GPU memory, every sparse product `CSR_ROWS` (a `SolverOptions.device`)."""
    cupy = cupy_module()
    return DeviceOperators.of(ops, cupy, lambda matrix: DeviceCsr(cupy, sp.csr_array(matrix)))


def with_backend(options: SolverOptions, backend: str) -> SolverOptions:
    """`options` with the Newton stage on `backend` ("cpu" or "cuda"): `InvalidInput`
    naming the field for any other."""
    if backend not in BACKENDS:
        raise InvalidInput(f"backend: expected one of {list(BACKENDS)}, got {backend!r}")
    return replace(options, device=cuda_operators if backend == "cuda" else None)
