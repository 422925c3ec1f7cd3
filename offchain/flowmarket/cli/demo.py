"""`flowmarket demo`: a week of the market on a private local chain, with a summary.

Progress goes to stdout: one line redrawn in place on a terminal, plain lines (one per
step, one per simulated day of hours) otherwise. The oracle's JSON log goes to
`<state>/logs/oracle.log`; the summary is also written to `<state>/summary.json`, and
the HTML report of the week (`flowmarket report`) to `<state>/report.html`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from flowmarket.cli.interrupts import Interrupts
from flowmarket.cli.main import add_command
from flowmarket.cli.oracle import JsonLines
from flowmarket.cli.report import write_state_report
from flowmarket.collector import settle_for_serving
from flowmarket.config import Settings
from flowmarket.demo import DemoConfig, DemoEvent, run_demo
from flowmarket.demo.background_report import BackgroundReport
from flowmarket.demo.config import DEFAULT_CATALOGUE
from flowmarket.demo.report import report
from flowmarket.demo.runner import fresh_state_dir

DEFAULTS = DemoConfig(state_dir=Path(".flowmarket/demo"))
BAR = 30
PLAIN_EVERY = 24  # plain output: one market line per simulated day


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(
        subparsers,
        "demo",
        description=(
            "Start a local Hardhat node, deploy, fund a supplier, an arbitrageur, a reseller, a "
            "service provider and synthetic buyers, let them trade signed orders through the "
            "API for a week of hourly clearings committed on chain, settle the week, change "
            "the fee by a governance vote, clear a few hours more, print a summary and stop "
            f"the node. Default: the {DEFAULT_CATALOGUE} catalogue (4 regions x 2 types on a "
            "network of 10 links, 24 hours of forwards: 192 products); --catalogue demo runs "
            "the full 4 x 3 x 168."
        ),
    )
    parser.add_argument(
        "--hours",
        type=int,
        default=DEFAULTS.hours,
        metavar="N",
        help="hours cleared before the fee vote (default %(default)s: one week, settled)",
    )
    parser.add_argument(
        "--after-hours",
        type=int,
        default=DEFAULTS.after_hours,
        metavar="N",
        help="hours cleared after the fee change (default %(default)s)",
    )
    parser.add_argument(
        "--synthetic",
        type=int,
        default=DEFAULTS.synthetic,
        metavar="N",
        help="synthetic buyers besides the four named participants (default %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, metavar="S", help="seed (default %(default)s)"
    )
    parser.add_argument(
        "--catalogue",
        default=DEFAULT_CATALOGUE,
        metavar="NAME|FILE",
        help="demo-network (default: 4 regions x 2 types on a network), demo-quick, "
        "demo-tiny, demo (4 x 3 x 7 days), demo-forward (2 x 1 with monthly and annual "
        "forwards: 1,680 products), production, or a catalogue JSON file",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULTS.tolerance,
        metavar="X",
        help="replace a standing order only when its curve moved by more than "
        "this share of its scale (default %(default)s)",
    )
    parser.add_argument(
        "--new-fee-bps",
        type=int,
        default=DEFAULTS.new_fee_bps,
        metavar="BPS",
        help="the fee the DAO votes for (default %(default)s; deployed with 10)",
    )
    parser.add_argument(
        "--transport",
        choices=("http", "inprocess"),
        default=DEFAULTS.transport,
        help="how wallets reach the API: over HTTP (default) or by calling the "
        "route functions in process (same signed bodies, no HTTP hop)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="state folder, emptied first (default .flowmarket/demo)",
    )
    parser.add_argument(
        "--auction",
        action="store_true",
        help="first run a clock auction of forward capacity and an expansion auction on the "
        "links between regions, commit and pay them on chain (awards become positions)",
    )
    parser.add_argument(
        "--keep-node",
        action="store_true",
        help="leave the node running afterwards (stop it with "
        "FLOWMARKET_STATE_DIR=DIR flowmarket chain down)",
    )
    parser.set_defaults(handler=run)


class Progress:
    """Renders demo events: a redrawn line on a terminal, plain lines otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.open_line = False

    def __call__(self, event: DemoEvent) -> None:
        if event.total:
            filled = BAR * event.done // event.total
            bar = "#" * filled + "-" * (BAR - filled)
            text = f"{event.phase:<10} [{bar}] {event.done}/{event.total} {event.message}"
        else:
            text = f"{event.phase:<10} {event.message}"
        if self.tty:
            self.out.write("\r\x1b[2K" + text[:150])
            self.open_line = True
            if event.total and event.done == event.total:
                self.newline()
        elif (
            not event.total
            or event.phase not in ("market", "after")
            or (event.done % PLAIN_EVERY == 0 or event.done == event.total)
        ):
            self.out.write(text + "\n")
        self.out.flush()

    def newline(self) -> None:
        if self.open_line:
            self.out.write("\n")
            self.open_line = False


def _configure_logging(state_dir: Path) -> None:
    (state_dir / "logs").mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(state_dir / "logs" / "oracle.log", encoding="utf-8")
    handler.setFormatter(JsonLines())
    root = logging.getLogger("flowmarket")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def run(args: argparse.Namespace, settings: Settings) -> int:
    state_dir = (args.state_dir or settings.state_dir / "demo").resolve()
    config = DemoConfig(
        state_dir=state_dir,
        hours=args.hours,
        after_hours=args.after_hours,
        synthetic=args.synthetic,
        seed=args.seed,
        catalogue=args.catalogue,
        tolerance=args.tolerance,
        new_fee_bps=args.new_fee_bps,
        transport=args.transport,
        keep_node=args.keep_node,
        auction=args.auction,
    )
    fresh_state_dir(state_dir)
    _configure_logging(state_dir)
    progress = Progress(sys.stdout)
    # SIGTERM ends the run like Ctrl-C, so the node and the API are stopped on the way out.
    interrupts = Interrupts().install(signal.SIGINT, signal.SIGTERM)

    def emit(event: DemoEvent) -> None:
        interrupts.check()
        progress(event)

    settle_for_serving()  # agents, API and oracle keep large memos for the whole run
    with BackgroundReport(state_dir, write_state_report) as html:
        try:
            document = run_demo(settings, config, emit, prepared=True, hours_done=html.start)
        finally:
            progress.newline()
            logging.getLogger("flowmarket").handlers.clear()
        print(report(document, state_dir))
        print(html.line())
    return 0
