"""`flowmarket report`: write one self-contained HTML report of the market's record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from flowmarket.catalogue import parse_hour_value
from flowmarket.cli.main import add_command
from flowmarket.config import Settings
from flowmarket.errors import FieldError
from flowmarket.reports import (
    ReportStats,
    Source,
    build_report,
    open_source,
    parse_hour_range,
)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(
        subparsers,
        "report",
        description=(
            "Read a market's database (by default the demo's state folder) and write one "
            "self-contained HTML file: summary tables, price heatmaps (hour cleared x hours "
            "ahead) per region and type, aggregate net-demand curves, volumes, positions, "
            "cash and collateral per participant. The database is only read."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="a state folder holding flowmarket.sqlite (default: FLOWMARKET_DATABASE_URL "
        "if set, else .flowmarket/demo)",
    )
    source.add_argument("--database-url", metavar="URL", help="read this database instead")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="where to write (default: report.html in the state folder, or in the "
        "current folder with --database-url)",
    )
    parser.add_argument(
        "--hours",
        metavar="A:B",
        help="cleared hours to report, inclusive: hour indices or UTC hours "
        "(2026-11-22T14); A: and :B leave an end open (default: all)",
    )
    parser.add_argument(
        "--curve-hour",
        action="append",
        default=[],
        metavar="H",
        help="draw the net-demand curves of this hour (repeatable; default: the last hour)",
    )
    parser.set_defaults(handler=run)


def resolve_source(args: argparse.Namespace, settings: Settings) -> tuple[Source, Path]:
    """The database to read and the default output file."""
    if args.database_url:
        return Source(args.database_url, "--database-url"), Path("report.html")
    if args.state_dir is None and settings.database_url:
        return Source(settings.database_url, "FLOWMARKET_DATABASE_URL"), Path("report.html")
    state = (args.state_dir or settings.state_dir / "demo").resolve()
    if not state.is_dir():
        raise FieldError("--state-dir", f"{state} is not a folder (run `flowmarket demo` first)")
    url = f"sqlite:///{state / 'flowmarket.sqlite'}"
    return Source(url, "--state-dir", state), state / "report.html"


def run(args: argparse.Namespace, settings: Settings) -> int:
    source, default_out = resolve_source(args, settings)
    hours = parse_hour_range(args.hours) if args.hours else (None, None)
    curve_hours = [parse_hour_value(h, "--curve-hour") for h in args.curve_hour]
    out = (args.out or default_out).resolve()
    engine = open_source(source)
    try:
        stats = build_report(
            engine,
            source=source,
            out=out,
            hours=hours,
            hours_text=args.hours,
            curve_hours=curve_hours,
        )
    finally:
        engine.dispose()
    print(describe(stats))
    return 0


def describe(stats: ReportStats) -> str:
    """One line: where the report is, its size, plots, hours and build time."""
    size = stats.bytes / 1_000_000
    return (
        f"report: {stats.path} ({size:.1f} MB, {stats.images} plots, {stats.hours} hours, "
        f"{stats.seconds['total']:.1f} s)"
    )


def write_state_report(state_dir: Path) -> str:
    """Write `<state_dir>/report.html` from the state folder's database (the end of
    `flowmarket demo`); returns the line to print."""
    source = Source(f"sqlite:///{state_dir / 'flowmarket.sqlite'}", "--state-dir", state_dir)
    engine = open_source(source)
    try:
        stats = build_report(engine, source=source, out=state_dir / "report.html")
    finally:
        engine.dispose()
    return describe(stats)
