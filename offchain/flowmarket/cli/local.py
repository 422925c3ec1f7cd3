"""`flowmarket local up|down|status`: a live local market to trade in by hand."""

from __future__ import annotations

import argparse
import contextlib
import signal
import time
from typing import Any

import httpx

from flowmarket.catalogue import product_names
from flowmarket.catalogue.hours import format_hour
from flowmarket.chain.node import pid_alive, running_background_node, stop_background
from flowmarket.cli.interrupts import Interrupts
from flowmarket.cli.main import add_command
from flowmarket.collector import settle_for_serving
from flowmarket.config import Settings
from flowmarket.demo.config import resolve_catalogue
from flowmarket.demo.events import DemoEvent
from flowmarket.local.runner import run_local
from flowmarket.local.setup import LocalOptions, check_settings
from flowmarket.local.state import LocalRecord, read_record, terminate

STOP_WAIT_S = 30.0


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "local")
    actions = parser.add_subparsers(dest="local_command", metavar="ACTION", required=True)
    up = actions.add_parser(
        "up",
        help="start (or resume) the local market and run it until Ctrl-C or `local down`",
    )
    up.add_argument(
        "--hour-length", type=float, default=60.0, help="wall seconds per market hour (60)"
    )
    up.add_argument(
        "--agents",
        type=int,
        metavar="N",
        help="the demo's agents trade for liquidity, with N synthetic buyers",
    )
    up.add_argument(
        "--catalogue", default="demo-tiny", help="packaged catalogue or spec file (demo-tiny)"
    )
    up.set_defaults(handler=run_up)
    down = actions.add_parser("down", help="stop everything `local up` started")
    down.set_defaults(handler=run_down)
    status = actions.add_parser("status", help="what runs, the open hour, products to trade")
    status.set_defaults(handler=run_status)


def _print_event(event: DemoEvent) -> None:
    if event.phase == "setup":
        print(f"[{event.done}/{event.total}] {event.message}", flush=True)
    else:
        print(event.message, flush=True)


def _print_ready(record: LocalRecord, resumed: bool) -> None:
    state = "resumed" if resumed else "ready"
    agents = "no agents" if record.agents is None else f"agents with {record.agents} buyers"
    print(
        f"local market {state}: {record.hour_length_s:g} s per market hour, "
        f"catalogue {record.catalogue}, {agents}\n"
        f"  web app    {record.web_url}  (the participant page: {record.api_url}/participant)\n"
        f"  API        {record.api_url}  (OpenAPI at {record.api_url}/docs)\n"
        f"  chain RPC  {record.rpc_url}  chain id {record.chain_id}"
        " (add it to your browser wallet as a network)\n"
        "next, in another terminal:\n"
        "  flowmarket wallet new\n"
        "  flowmarket faucet $(flowmarket wallet address)\n"
        "  flowmarket collateral deposit 1000 --yes\n"
        "  flowmarket collateral approve-settlement unlimited --yes"
        "  # else your first week's debt is seized\n"
        "  flowmarket local status            # products open now\n"
        "  flowmarket order submit --portfolio PRODUCT=1 --curve=0:5,10:1\n"
        "  flowmarket positions               # after the next hour is published\n"
        "stop with Ctrl-C or `flowmarket local down`",
        flush=True,
    )


def run_up(args: argparse.Namespace, settings: Settings) -> int:
    options = LocalOptions(args.hour_length, args.agents, args.catalogue)
    check_settings(settings)
    record = read_record(settings)
    if record is not None and record.pid and pid_alive(record.pid):
        print(f"the local market already runs (pid {record.pid})")
        _print_ready(record, True)
        return 0
    # `local down` sends SIGTERM: stop like Ctrl-C (KeyboardInterrupt), cleaning up. A signal
    # whose KeyboardInterrupt a finaliser swallowed still ends the loop through `received`.
    interrupts = Interrupts().install(signal.SIGINT, signal.SIGTERM)
    settle_for_serving()  # the API and the oracle run here until stopped
    with contextlib.suppress(KeyboardInterrupt):
        run_local(settings, options, _print_event, _print_ready, stop=interrupts.received)
    print("local market stopped", flush=True)
    return 0


def run_down(args: argparse.Namespace, settings: Settings) -> int:
    record = read_record(settings)
    stopped = []
    if record is not None and record.pid and pid_alive(record.pid):
        terminate(record.pid)
        deadline = time.monotonic() + STOP_WAIT_S
        while pid_alive(record.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        stopped.append(f"market (pid {record.pid})")
    node = stop_background(settings)  # the supervisor stops it; this is for a killed one
    if node is not None:
        stopped.append(f"node (pid {node.pid})")
    print("stopped: " + ", ".join(stopped) if stopped else "no local market runs here")
    return 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    record = read_record(settings)
    if record is None or not record.pid or not pid_alive(record.pid):
        print(f"no local market runs in {settings.state_dir}")
        return 1
    node = running_background_node(settings)
    print(f"market     running (pid {record.pid}), {record.hour_length_s:g} s per hour")
    print(
        f"node       {'running' if node else 'NOT running'}: {record.rpc_url} "
        f"chain id {record.chain_id}" + (f" (pid {node.pid})" if node else "")
    )
    try:
        domain = httpx.get(f"{record.api_url}/v1/domain", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        print(f"API        NOT answering at {record.api_url}")
        return 1
    open_hour = int(domain["open_hour"])
    print(f"API        {record.api_url}  web app {record.web_url}")
    print(f"open hour  {format_hour(open_hour)} (hour {open_hour})")
    names = list(product_names(resolve_catalogue(record.catalogue), open_hour))
    ahead = [n for n in names if n.startswith("fwd-h:") and n.endswith(format_hour(open_hour + 6))]
    print(f"buy now    {names[0]}  (real time, this hour only)")
    if ahead:
        print(f"           {ahead[0]}  (six hours ahead: stands for six hours)")
    return 0
