"""The clearing pipeline on arrays: validate → decompose → solve dual → unique prices →
certify → gate (with flat pieces, `flat`: proximal steps, unique prices, tie rule).
The Newton stage runs on a device (a GPU) when `SolverOptions.device` says so (`device`).

`clear` is the array API (an `OrderBook` in, a `ClearingResult` out), used by the
benchmarks and the tests. The oracle, `flowmarket clear` and the agents' simulation all
go through the JSON contract layered on it (`document.clear_document`, documents typed
in `schema`), so the oracle clears exactly what a verifier re-clears from the published
order set.
"""

from __future__ import annotations

import time

import numpy as np

from flowmarket.clearing import gate
from flowmarket.clearing.certificate import assemble
from flowmarket.clearing.curves import (
    decompose,
    line_builder,
    order_gaps,
    restore,
    validate_book,
)
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.flat import clear_flat
from flowmarket.clearing.model import (
    ENGINES,
    ENGINES_TEXT,
    ClearingResult,
    FloatArray,
    OrderBook,
    SolverOptions,
    SolverStats,
)
from flowmarket.clearing.network import Network
from flowmarket.clearing.networked import clear_with_network
from flowmarket.clearing.newton import hessian_scale, imbalance_target, solve_dual
from flowmarket.clearing.prices import unique_prices
from flowmarket.errors import InvalidInput


def clear(
    book: OrderBook,
    prior: FloatArray | None = None,
    options: SolverOptions | None = None,
    *,
    network: Network | None = None,
    link_prior: FloatArray | None = None,
) -> ClearingResult:
    """Clear one hour.

    prior: (n,) previous prices in tokens per GB (tie-break and starting point);
    None means all zeros, so without history the prices closest to 0 are chosen.
    network: links between the products' nodes (`networked`; `InvalidInput` when
    bad); link_prior: (L,) previous link prices (0 without). Raises `InvalidOrder`
    for a bad order, and `CertificateFailed` naming the orders that make it
    unreachable when the certificate is beyond the gate's tolerances (`gate`): a
    result is never returned unchecked.
    """
    opts = options or SolverOptions()
    check_engine(opts.engine)
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = now - clock
        clock = now

    start = _prior_array(book, prior)
    # Orders beyond double precision overflow here and there; the gate checks every
    # number that comes out (and names those orders), so the floating-point warnings
    # would only repeat it.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        validate_book(book)
        builder = line_builder(opts)
        lin = decompose(book, builder)
        gate.check_representable(book, lin)
        if np.any(lin.slope == 0):  # flat pieces: limit prices
            if network is not None:
                raise InvalidInput("network: curves with flat pieces clear without a network")
            lap("build")
            return clear_flat(book, lin, start, opts, (lap, seconds))
        ops = DualOperators.of(lin)
        lap("build")
        if network is not None:
            priors = (start, link_prior)
            return clear_with_network(book, lin, ops, priors, opts, network, (lap, seconds))
        # The clearing's peak memory is in the Newton stage, which never reads W, p_low
        # or slope: they are let go through it and made again after (`NewtonLines`).
        lines = lin.newton_lines()
        del lin
        linear_model = _linear_model_start(opts.engine, start)
        if opts.device is None:
            solution = solve_dual(lines, ops, start, opts, cold_start=linear_model)
        else:  # the same Newton stage on the device's operators (`device`)
            h_scale = hessian_scale(ops, ops.inv_slope)
            device_ops = opts.device(ops)
            solution = solve_dual(
                lines, device_ops, start, opts, h_scale=h_scale, cold_start=linear_model
            )
        lap("newton")
        lin = restore(book, lines, builder)
        prices, exact = solution.prices, False
        if solution.converged:
            target = imbalance_target(lin, opts)
            prices, exact = unique_prices(lin, ops, solution.prices, start, opts, tol_x=target)
        lap("unique_prices")
        stats = SolverStats(
            solution.iterations, solution.cg_iterations, seconds, opts.device is not None
        )
        gaps = order_gaps(opts)
        result, residuals = assemble(book, lin, ops, prices, exact, stats, gaps)
        gate.check(book, lin, ops, result, opts.gate_tol, residuals=residuals, gaps=gaps)
    lap("certificate")
    return result


def check_engine(engine: object) -> int:
    """`engine` if this package runs that clearing engine (`ENGINES`), else `InvalidInput`."""
    if isinstance(engine, bool) or not isinstance(engine, int) or engine not in ENGINES:
        raise InvalidInput(
            f"engine: {engine!r} is not a clearing engine this version runs ({ENGINES_TEXT}); "
            "an hour cleared by a later engine needs a later flowmarket"
        )
    return engine


def _linear_model_start(engine: int, start: FloatArray) -> bool:
    """Whether the Newton stage tries the linear model's prices before the prior.

    Engine 1 always does and keeps whichever of the two is nearer balance. From the
    previous hour's prices the prior was kept in the books measured, and the linear
    model's CG solve (every order in it) and its two passes were 6–7 % of the next
    hour's Newton stage for nothing (docs/engine-versions.md): engine 2 tries it only
    without a prior, when every price is 0."""
    return engine == 1 or not np.any(start)


def _prior_array(book: OrderBook, prior: FloatArray | None) -> FloatArray:
    if prior is None:
        return np.zeros(book.n_products)
    arr = np.asarray(prior, dtype=np.float64)
    if arr.shape != (book.n_products,):
        raise InvalidInput(f"prior: expected {book.n_products} prices, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidInput("prior: prices must be finite numbers")
    return arr.copy()
