"""Benchmark: the throughput targets in one run, this checkout beside an older one.

    .venv/bin/python bench/targets.py --baseline ../flowmarket-old [--postgres URL] [--log DIR]

Each probe is one of the benches in bench/ (this checkout's script, so both sides are
measured the same way) run as a child process in the checkout it measures: that
checkout's `offchain/` package (first on PYTHONPATH) and compiled contracts (`build/`,
from its scripts/bootstrap), this environment's Python and packages. For each probe
the baseline runs first and this checkout right after, so both meet the same machine;
the load average is printed with each cell. The table goes to stdout; every child's
whole output to `--log` (default a temporary folder, named at the end). A probe that
fails or runs past `--timeout` prints why in its cell and the run goes on.

Probes (the targets of docs/ and bench/README.md):
- API: `api_load.py --route batch` (100-order signed batches, 8 connections) at 1 and
  2 workers on SQLite, and on PostgreSQL when `--postgres` gives a database: orders/s,
  p99 per request, orders stored.
- Engine: `engine_bench.py --json` on the held-out book: cold and the next hour (curves
  moved 2 %, from the cold prices), CPU and wall seconds, Newton/CG iterations.
- Unique prices: `projection_bench.py` on one free group of 10^4 and 10^5 products.
- The oracle's hour: `oracle_cycle.py` on a seeded book through a real node: the
  hour's total (snapshot, solve, commit, publish) and the engine's part.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Parse = Callable[[str], str]
HERE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Probe:
    target: str
    bar: str
    argv: tuple[str, ...]  # the bench script (relative to the checkout) and its flags
    parse: Parse


API_LINE = re.compile(r"(\d+) orders/s; per request p50 ([\d.]+) ms, p99 ([\d.]+) ms")
STORED_LINE = re.compile(r"stored afterwards: (\d+) of (\d+)")


def parse_api(out: str) -> str:
    rate, stored = API_LINE.search(out), STORED_LINE.search(out)
    if rate is None or stored is None:
        raise ValueError("no result line")
    lost = int(stored[2]) - int(stored[1])
    return f"{int(rate[1]):,}/s, p99 {float(rate[3]):.0f} ms, {lost} lost"


def parse_engine(run: str) -> Parse:
    def parse(out: str) -> str:
        rows = json.loads(out.strip().splitlines()[-1])
        row = next(r for r in rows if r["run"] == run)
        return (
            f"CPU {row['cpu']:.2f} s, wall {row['seconds']:.2f} s "
            f"({row['iterations']} N/CG, imbalance {row['imbalance']:.0e}, load {row['load']:.1f})"
        )

    return parse


def last_row(out: str) -> list[str]:
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    if len(rows) < 2:
        raise ValueError("no table row")
    return [cell.strip() for cell in rows[-1].strip("|").split("|")]


def parse_projection(out: str) -> str:
    """Per prior (inside its interval, far above it): the package's solver's CPU / wall
    seconds and distance to the hand value; the previous path's (HiGHS + LSQR) beside it.
    projection_bench asserts that every answer is certified (exact)."""
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows[1:]]
    if not cells:
        raise ValueError("no table row")
    return "; ".join(f"{c[1]}: {c[2]} s, {c[5]} from hand (HiGHS path: {c[7]})" for c in cells)


def parse_hour(out: str) -> str:
    cells = last_row(out)
    return f"{cells[8]} s ({cells[9]} CPU s; engine {cells[4].split('(')[1].rstrip(')')} s)"


def probes(args: argparse.Namespace) -> list[Probe]:
    api = (
        "bench/api_load.py",
        "--route",
        "batch",
        "--orders",
        str(args.orders),
        "--batch-size",
        "100",
        "--concurrency",
        "8",
    )
    databases = [("SQLite", ())] + (
        [("PostgreSQL", ("--database-url", args.postgres))] if args.postgres else []
    )
    out = [
        Probe(
            f"API, {db}, {w} worker{'s' * (w > 1)}",
            "≥ 2,000/s, p99 < 200 ms",
            (*api, "--workers", str(w), *flags),
            parse_api,
        )
        for db, flags in databases
        for w in (1, 2)
    ]
    engine = ("bench/engine_bench.py", "--size", args.engine_size, "--limit", "0", "--json")
    out.append(
        Probe(f"engine {args.engine_size}, held-out, cold + next hour", "", engine, lambda text: "")
    )
    for size in args.projection_sizes:
        out.append(
            Probe(
                f"unique prices, one group of {int(size):,} products",
                "exact",
                ("bench/projection_bench.py", "--size", size),
                parse_projection,
            )
        )
    out.append(
        Probe(
            f"oracle hour {args.hour_size} (snapshot → publish)",
            "paper size ≤ 300 s",
            ("bench/oracle_cycle.py", "--size", args.hour_size),
            parse_hour,
        )
    )
    return out


def run(checkout: Path, probe: Probe, log: Path, timeout: float) -> tuple[str, str]:
    """(cell, raw output) of `probe` run in `checkout`."""
    env = dict(os.environ, PYTHONPATH=str(checkout / "offchain"))
    load = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / probe.argv[0]), *probe.argv[1:]],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f"did not finish in {timeout:.0f} s (load {load:.1f})", ""
    text = done.stdout + done.stderr
    with (log / f"{checkout.name}.log").open("a", encoding="utf-8") as f:
        f.write(f"\n===== {probe.target}: {' '.join(probe.argv)}\n{text}")
    if done.returncode != 0:
        tail = text.strip().splitlines()[-1:] or ["no output"]
        return f"failed ({tail[0][:80]})", text
    wall = time.perf_counter() - start
    try:
        cell = probe.parse(done.stdout)
    except (ValueError, KeyError, StopIteration, IndexError, json.JSONDecodeError) as error:
        return f"unreadable output ({error})", text
    return f"{cell} (load {load:.1f}, {wall:.0f} s)" if cell else "", done.stdout


def revision(checkout: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or checkout.name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the older checkout")
    parser.add_argument("--postgres", help="postgresql+psycopg://… for the API rows")
    parser.add_argument("--orders", type=int, default=20_000, help="API orders per run")
    parser.add_argument("--engine-size", default="100000x1000000")
    parser.add_argument("--projection-size", dest="projection_sizes", action="append")
    parser.add_argument("--hour-size", default="10000x100000")
    parser.add_argument("--timeout", type=float, default=600.0, help="per probe, seconds")
    parser.add_argument("--log", type=Path)
    parser.add_argument("--only", action="append", help="probes whose target contains this")
    args = parser.parse_args()
    args.projection_sizes = args.projection_sizes or ["10000", "100000"]
    log = args.log or Path(tempfile.mkdtemp(prefix="targets-"))
    log.mkdir(parents=True, exist_ok=True)
    here, base = HERE, args.baseline.resolve()
    print(f"| target | bar | before: {revision(base)} | after: {revision(here)} |")
    print("|---|---|---|---|")
    chosen = [p for p in probes(args) if not args.only or any(o in p.target for o in args.only)]
    for probe in chosen:
        cells = [run(checkout, probe, log, args.timeout) for checkout in (base, here)]
        if probe.argv[0] == "bench/engine_bench.py":
            for run_name, label, bar in (
                ("cold", "cold", "≤ 1.0 s"),
                ("warm", "next hour", "≤ 0.3 s"),
            ):
                shown = [engine_cell(cell, out, run_name) for cell, out in cells]
                print(f"| engine {args.engine_size}, {label} | {bar} | {shown[0]} | {shown[1]} |")
        else:
            print(f"| {probe.target} | {probe.bar} | {cells[0][0]} | {cells[1][0]} |", flush=True)
    print(f"\nchild outputs: {log}", file=sys.stderr)
    return 0


def engine_cell(cell: str, out: str, run_name: str) -> str:
    """The engine probe prints three rows; the table shows the cold and the warm one."""
    if cell.startswith(("failed", "did not", "unreadable")):
        return cell
    try:
        return parse_engine(run_name)(out)
    except (ValueError, KeyError, StopIteration, IndexError, json.JSONDecodeError) as error:
        return f"unreadable output ({error})"


if __name__ == "__main__":
    raise SystemExit(main())
