"""Benchmark: the engine's throughput targets on a held-out book, with Clarabel and PDLP.

    .venv/bin/python bench/engine_bench.py --size 100000x1000000
    .venv/bin/python bench/engine_bench.py --size 100000x1000000 --baseline /work/wt/engine-base

The book comes from `held_out_book`, a generator the engine was never tuned on (not
`flowmarket.clearing.synthetic.random_book`): lognormal product values, portfolios of
1–6 products mixing neighbours (hours of one region) with uniform picks, curves of 1–4
segments. For each size the engine clears it cold twice (zero prior; the second run's
prices must be bit-identical to the first's, shown by their SHA-256), once more on two
threads (`SolverOptions.threads`; the same bits again), then clears the
next hour: every order's curve prices moved by a factor uniform in 1 ± `--move`, from
the first run's prices. Each row shows the load average when it started, wall and CPU
seconds (CPU moves less with a shared machine's load), the stages (`SolverStats`),
Newton / CG iterations, the certificate's max imbalance (GB/h) and order gap, the
process's peak RSS so far, and the clearing's own peak: the most the process held
during that clearing less what it held when it began (Linux's VmHWM, reset before
each clearing; "—" where it cannot be). The heading gives the RSS with the books built
and the peak while the generator made them (its temporaries, which the process's
peak keeps). Then Clarabel and OR-Tools PDLP (eps 1e-6, `--threads`)
solve the cold hour's QP in the same run (`network_bench`'s solvers with no links):
time, status, max imbalance of their x and max |their prices − the engine's|.

`--backend cuda` clears the same hours again with the Newton stage on an NVIDIA GPU
(`flowmarket.solvers.cuda`, CuPy): cold (starting CUDA and compiling its kernel
included), cold again and next hour, each with max |its prices − the CPU's|. The
engine rows need numpy and scipy alone; Clarabel, OSQP and OR-Tools are imported only
for the reference rows (`--limit 0` skips them).

`--baseline DIR` runs the engine rows again in a subprocess on DIR's `offchain/` (an
older checkout: the previous main), on the same book, and prints them under the others.
`--engine N` clears this checkout's rows with clearing engine N (`SolverOptions.engine`,
docs/engine-versions.md); the baseline runs its own default, engine 1, unless
`--baseline-engine M` names one, and numpy's passes unless `--baseline-passes compiled`:
`--engine 3 --baseline . --baseline-engine 2 --baseline-passes compiled` sets two engines
of one checkout side by side.
`--passes` picks how the linear orders are made, the Newton stage's passes over them and
the certificate's order gaps run: "compiled" (the default, the market's:
`flowmarket.solvers.compiled_lines`, `compiled_passes` and `compiled_curves`, numba; a
checkout without some of them, numpy's for those) or "numpy" (`clearing.curves`'s and
`clearing.passes.ArrayPasses`); the prices are the same bits. The baseline runs numpy's by
default, so `--baseline .` sets the two side by side.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing import clear
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.model import FloatArray, OrderBook, SolverOptions
from flowmarket.solvers.cuda import with_backend
from peak_memory import peak_rss_gb, release_free_memory, reset_peak_rss, rss_gb

if TYPE_CHECKING:
    from network_bench import Qp, Row

LOCAL_SPAN = 24  # a local portfolio's products lie within this many places of its first


def _portfolios(rng: np.random.Generator, n: int, m: int) -> sp.csc_array:
    """(n, m): the first 2n orders one product each (a buyer and a seller per product),
    the rest 1 + Geometric(½) products (at most 6), 60 % of them local."""
    k = np.minimum(rng.geometric(0.5, m), 6)
    k[: 2 * n] = 1
    cols = np.repeat(np.arange(m), k)
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    start = rng.integers(0, n, m)
    start[: 2 * n] = np.arange(2 * n) // 2
    rows = rng.integers(0, n, cols.size)
    local = np.repeat(rng.random(m) < 0.6, k)
    rows[local] = (start[cols[local]] + rng.integers(1, LOCAL_SPAN + 1, int(local.sum()))) % n
    rows[first] = start
    weights = rng.choice([0.5, 1.0, 1.0, 1.0, 2.0], cols.size)
    weights[rng.random(cols.size) < 0.1] *= -1.0
    on_first = rows == start[cols]
    weights[on_first] = np.abs(weights[on_first])  # never cancels the first product
    out = sp.csc_array((weights, (rows, cols)), shape=(n, m))
    out.sum_duplicates()
    out.eliminate_zeros()  # a repeated product whose legs cancel
    return out


def _curves(
    rng: np.random.Generator, value: FloatArray, m: int, n: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(ptr, qty, price): buyers' curves start at 0 GB/h, sellers' end there, two-sided
    ones cross 0 inside; prices fall from above to below the portfolio's value."""
    side = rng.choice(np.array([0, 1, 2]), m, p=[0.45, 0.45, 0.1])
    side[: 2 * n] = np.arange(2 * n) % 2
    segments = rng.integers(1, 5, m)
    ptr = np.concatenate([[0], np.cumsum(segments + 1)])
    owner = np.repeat(np.arange(m), segments + 1)
    qsteps = rng.lognormal(0.0, 0.7, ptr[-1])
    psteps = rng.uniform(0.1, 1.0, ptr[-1])
    qsteps[ptr[:-1]] = psteps[ptr[:-1]] = 0.0
    qcum, pcum = np.cumsum(qsteps), np.cumsum(psteps)
    qcum -= np.repeat(qcum[ptr[:-1]], segments + 1)
    pcum -= np.repeat(pcum[ptr[:-1]], segments + 1)
    qtotal, ptotal = qcum[ptr[1:] - 1], pcum[ptr[1:] - 1]
    frac = np.where(side == 0, 0.0, np.where(side == 1, 1.0, rng.uniform(0.3, 0.7, m)))
    qty = (qcum - np.repeat(frac * qtotal, segments + 1)) * rng.lognormal(1.0, 0.8, m)[owner]
    qty[ptr[:-1][side == 0]] = 0.0
    qty[ptr[1:][side == 1] - 1] = 0.0
    spread = (0.2 + 0.3 * rng.random(m)) * np.abs(value) + 0.5
    price = value[owner] + spread[owner] * (0.5 - pcum / ptotal[owner])
    return ptr.astype(np.int64), qty, price


def held_out_book(n: int, m: int, seed: int) -> OrderBook:
    """A seeded book of n products and m ≥ 2n orders (see the module)."""
    rng = np.random.default_rng(seed)
    portfolios = _portfolios(rng, n, m)
    value = portfolios.T @ rng.lognormal(np.log(10.0), 0.5, n)
    ptr, qty, price = _curves(rng, value, m, n)
    owners = max(1, m // 20)
    return OrderBook(
        products=tuple(f"h{i}" for i in range(n)),
        participants=tuple(f"a{i}" for i in range(owners)),
        order_ids=tuple(f"x{j}" for j in range(m)),
        order_participant=rng.integers(0, owners, m).astype(np.int64),
        portfolios=portfolios,
        curve_ptr=ptr,
        curve_qty=qty,
        curve_price=price,
    )


def next_hour(book: OrderBook, move: float, seed: int) -> OrderBook:
    """The same book with each order's curve prices × a factor uniform in 1 ± move."""
    factor = 1.0 + move * np.random.default_rng(seed + 1).uniform(-1.0, 1.0, book.n_orders)
    return dataclasses.replace(
        book, curve_price=book.curve_price * np.repeat(factor, np.diff(book.curve_ptr))
    )


def engine_rows(
    book: OrderBook,
    moved: OrderBook | None,
    device: SolverOptions | None = None,
    gpu_only: bool = False,
    threads: int = 1,
    engine: int = 1,
    passes: str = "numpy",
) -> tuple[list[dict[str, object]], FloatArray]:
    """Cold, cold again and warm rows (dicts, for JSON) and the cold prices (n,);
    the cold row alone when `moved` is None (a size where each clearing takes minutes).
    device: options with the Newton stage on a GPU (`--backend cuda`): its cold (the
    first includes starting CUDA and compiling the kernel), cold again and warm rows
    follow, each with max |its prices − the CPU's| of the same hour; gpu_only: those
    alone (a size where the CPU takes many minutes); threads: `SolverOptions.threads` of
    every CPU row but "cold 2 thr" (two); engine: `SolverOptions.engine` of the CPU rows;
    passes: "compiled" or "numpy", `SolverOptions.passes` of the CPU rows."""
    rows: list[dict[str, object]] = []
    cold: FloatArray = np.zeros(0)
    runs: list[tuple[str, OrderBook, int | None]] = [("cold", book, None)]
    if moved is not None:
        runs += [("cold again", book, None), ("warm", moved, 0)]
        if "threads" in {f.name for f in dataclasses.fields(SolverOptions)}:  # not on old mains
            runs.insert(2, ("cold 2 thr", book, None))
    runs = [] if gpu_only else runs
    if device is not None:
        runs += [("gpu cold", book, None), ("gpu again", book, None)]
        runs += [] if moved is None else [("gpu warm", moved, 0)]
    cpu_prices: dict[str, FloatArray] = {}
    for name, hour, prior in runs:
        load = os.getloadavg()[0]
        wanted = 2 if name == "cold 2 thr" else threads
        options = _cpu_options(wanted, engine, passes)
        options = device if name.startswith("gpu") else options
        release_free_memory()  # what an earlier clearing freed: not this one's
        reset = reset_peak_rss()
        before = rss_gb()
        start, cpu = time.perf_counter(), time.process_time()
        result = clear(hour, prior=None if prior is None else cold, options=options)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = peak_rss_gb() if reset else None
        kind = name.removeprefix("gpu ").replace("again", "cold")
        cold = result.prices if kind == "cold" and not cold.size else cold
        if not name.startswith("gpu"):
            cpu_prices.setdefault(kind, result.prices)
        stats, cert = result.stats, result.certificate
        rows.append({
            "run": name, "load": load, "seconds": seconds, "cpu": cpu,
            "stages": " ".join(f"{k[:5]} {v:.2f}" for k, v in stats.seconds.items()),
            "iterations": f"{stats.iterations}/{stats.cg_iterations}",
            "imbalance": cert.max_imbalance, "gap": cert.max_order_gap,
            "sha": hashlib.sha256(result.prices.tobytes()).hexdigest()[:12],
            "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
            "own_gb": None if peak is None or before is None else peak - before,
        })  # fmt: skip
        if name.startswith("gpu") and kind in cpu_prices:
            rows[-1]["vs_cpu"] = float(np.max(np.abs(result.prices - cpu_prices[kind]), initial=0))
        print(f"[{name}] {rows[-1]}", file=sys.stderr, flush=True)  # a long run's progress
    return rows, cold


def print_engine(label: str, rows: list[dict[str, object]], title: str = "") -> None:
    if title:
        print(title)
    print(f"{'engine':<9}{'run':<11}{'load':>6}{'wall s':>8}{'CPU s':>7}  {'stages (wall s)':<45}"
          f"{'N/CG':>7}{'imbal':>9}{'gap':>9}  {'prices sha':<13}{'RSS GB':>6}"
          f"{'own GB':>7}")  # fmt: skip
    for r in rows:
        print(f"{label:<9}{r['run']!s:<11}{r['load']:>6.2f}{r['seconds']:>8.2f}{r['cpu']:>7.2f}  "
              f"{r['stages']!s:<44} {r['iterations']!s:>7}{r['imbalance']:>9.1e}{r['gap']:>9.1e}  "
              f"{r['sha']!s:<13}{r['rss_gb']:>6.1f}{_gb(r.get('own_gb')):>7}"
              + (f"  |Δprice| vs CPU {r['vs_cpu']:.1e}" if "vs_cpu" in r else ""))  # fmt: skip


def _gb(value: object) -> str:
    """A row's GB, or "—" where it was not measured (no /proc; an older checkout's row)."""
    return f"{value:.1f}" if isinstance(value, float) else "—"


def _cpu_options(threads: int, engine: int, passes: str) -> SolverOptions | None:
    """The CPU rows' options, each field set only away from its default (an older
    checkout, the baseline's, may lack it: its own default then runs)."""
    fields: dict[str, object] = {}
    fields |= {"threads": threads} if threads > 1 else {}
    fields |= {"engine": engine} if engine != 1 else {}
    has = {f.name for f in dataclasses.fields(SolverOptions)}
    if passes == "compiled" and "passes" in has:
        from flowmarket.solvers.compiled_passes import compiled_passes

        fields["passes"] = compiled_passes
    if passes == "compiled" and "order_gaps" in has:
        from flowmarket.solvers.compiled_curves import curve_gap

        fields["order_gaps"] = curve_gap
    if passes == "compiled" and "lines" in has:
        from flowmarket.solvers.compiled_lines import COMPILED_LINES

        fields["lines"] = COMPILED_LINES
    if passes == "compiled" and "pair_strengths" in has:
        from flowmarket.solvers.compiled_pairs import strong_pairs

        fields["pair_strengths"] = strong_pairs
    return SolverOptions(**fields) if fields else None  # type: ignore[arg-type]


def reference_rows(book: OrderBook, prices: FloatArray, limit: float, threads: int) -> None:
    # Imported here: a machine that runs the engine rows alone (the GPU's) needs no
    # reference solvers installed.
    from network_bench import Qp, solve_clarabel, solve_pdlp

    lin = decompose(book)
    n_lin = lin.q.size
    qp = Qp(lin.slope, -lin.p_high, sp.csc_array(lin.weights), sp.csc_array((0, n_lin)),
            np.zeros(0), np.zeros(n_lin), lin.q)  # fmt: skip
    print(f"{'reference':<10}{'load':>6}{'wall s':>8}{'CPU s':>8}  {'status':<28}{'imbal':>9}"
          f"{'|Δprice|':>10}")  # fmt: skip
    pdlp = functools.partial(solve_pdlp, threads=threads)
    for name, solve in (("Clarabel", solve_clarabel), ("PDLP", pdlp)):
        load, start = os.getloadavg()[0], time.perf_counter()
        row = _isolated(name, solve, qp, limit, prices)
        if row is None:  # e.g. Clarabel aborts the process when an allocation fails
            print(f"{name:<10}{load:>6.2f}{time.perf_counter() - start:>8.2f}{'-':>8}  "
                  f"{'died (see its message above)':<28}", flush=True)  # fmt: skip
            continue
        print(f"{name:<10}{row.load:>6.2f}{row.seconds:>8.2f}{row.cpu:>8.2f}  {row.status:<28}"
              f"{_num(row.imbalance):>9}{_num(row.price_diff):>10}", flush=True)  # fmt: skip


def _isolated(
    name: str,
    solve: Callable[[Qp, float], tuple[str, FloatArray, FloatArray]],
    qp: Qp,
    limit: float,
    prices: FloatArray,
) -> Row | None:
    """`reference_row` in a forked child, so a solver that aborts the process (not an
    exception) is a result too: None when the child died."""
    from network_bench import reference_row

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=lambda: send.send(reference_row(name, solve, qp, limit, prices)))
    child.start()
    send.close()
    try:
        row: Row | None = receive.recv()
    except EOFError:
        row = None
    child.join()
    return row


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", help="PRODUCTSxORDERS, default 10000x100000")
    parser.add_argument("--seed", type=int, default=7919)
    parser.add_argument("--move", type=float, default=0.02, help="next hour's price move")
    parser.add_argument("--limit", type=float, default=600.0, help="reference limit s (0 = skip)")
    parser.add_argument("--threads", type=int, default=2, help="PDLP threads")
    parser.add_argument("--baseline", type=Path, help="older checkout to run the engine on too")
    parser.add_argument("--json", action="store_true", help="engine rows only, as JSON")
    parser.add_argument(
        "--cold-only", action="store_true", help="one cold clearing (no repeat, no next hour)"
    )
    parser.add_argument(
        "--backend", choices=("cpu", "cuda"), default="cpu",
        help="cuda: the same hours again with the Newton stage on the GPU (CuPy)",
    )  # fmt: skip
    parser.add_argument("--gpu-only", action="store_true", help="with --backend cuda: no CPU rows")
    parser.add_argument(
        "--engine-threads", type=int, default=1,
        help="SolverOptions.threads of the CPU rows (default 1, the engine's own default)",
    )  # fmt: skip
    parser.add_argument(
        "--engine", type=int, default=1, help="clearing engine of this checkout's CPU rows"
    )
    parser.add_argument(
        "--passes", choices=("compiled", "numpy"), default="compiled",
        help="lines, Newton passes and order gaps (the baseline's: --baseline-passes)",
    )  # fmt: skip
    parser.add_argument(
        "--baseline-engine", type=int,
        help="clearing engine of the baseline's rows (default: the baseline's own default)",
    )  # fmt: skip
    parser.add_argument(
        "--baseline-passes", choices=("compiled", "numpy"), default="numpy",
        help="the baseline's passes (default numpy: a checkout from before the compiled passes)",
    )  # fmt: skip
    args = parser.parse_args()
    device = None if args.backend == "cpu" else with_backend(SolverOptions(), args.backend)
    for size in args.size or ["10000x100000"]:
        n, m = (int(part) for part in size.lower().split("x"))
        book = held_out_book(n, m, args.seed)
        moved = None if args.cold_only else next_hour(book, args.move, args.seed)
        made_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        book_gb = rss_gb()
        if args.engine_threads < 1:
            parser.error("--engine-threads: at least 1")
        threads, engine = args.engine_threads, args.engine
        rows, prices = engine_rows(book, moved, device, args.gpu_only, threads, engine, args.passes)
        if args.json:
            print(json.dumps(rows))
            continue
        print(f"\n{n:,} products x {m:,} orders (held-out, seed {args.seed}, move {args.move}); "
              f"RSS {_gb(book_gb)} GB with the book(s) built (peak {made_gb:.1f} GB while "
              "they were made), before clearing")  # fmt: skip
        title = f"this checkout: engine {engine}, {args.passes} passes"
        print_engine("this", rows, title)
        if args.baseline is not None:
            rows = _baseline(args.baseline, size, args)
            which = args.baseline_engine
            engine_name = "its default engine" if which is None else f"engine {which}"
            title = f"{args.baseline}: {engine_name}, {args.baseline_passes} passes"
            print_engine("baseline", rows, title)
        if args.limit > 0:
            reference_rows(book, prices, args.limit, args.threads)


def _baseline(checkout: Path, size: str, args: argparse.Namespace) -> list[dict[str, object]]:
    env = dict(os.environ, PYTHONPATH=str(checkout.resolve() / "offchain"))
    command = [sys.executable, __file__, "--size", size, "--seed", str(args.seed),
               "--move", str(args.move), "--json", "--passes", args.baseline_passes]  # fmt: skip
    command += ["--cold-only"] if args.cold_only else []
    # an older checkout without engine versions takes no --engine: leave it out for it
    command += [] if args.baseline_engine is None else ["--engine", str(args.baseline_engine)]
    # an older checkout without the flag runs its own default (one thread)
    command += ["--engine-threads", str(args.engine_threads)] if args.engine_threads > 1 else []
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    rows: list[dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return rows


if __name__ == "__main__":
    main()
