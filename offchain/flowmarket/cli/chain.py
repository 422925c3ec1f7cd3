"""`flowmarket chain up|down|status`: the local Hardhat node other commands talk to."""

from __future__ import annotations

import argparse
from typing import Any

from flowmarket.chain.node import running_background_node, start_background, stop_background
from flowmarket.cli.main import add_command
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(subparsers, "chain")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    up = actions.add_parser("up", help="start a local node in the background")
    up.add_argument("--port", type=int, default=None, help="TCP port (default 8545)")
    up.set_defaults(handler=run_up)
    down = actions.add_parser("down", help="stop the node `chain up` started")
    down.set_defaults(handler=run_down)
    status = actions.add_parser("status", help="say whether the node is running")
    status.set_defaults(handler=run_status)


def run_up(args: argparse.Namespace, settings: Settings) -> int:
    node, started = start_background(settings, args.port)
    state = "started" if started else "already running"
    print(f"node {state}: {node.rpc_url} (pid {node.pid}, log {node.log})")
    return 0


def run_down(args: argparse.Namespace, settings: Settings) -> int:
    node = stop_background(settings)
    print("no node was running" if node is None else f"node stopped: {node.rpc_url}")
    return 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    node = running_background_node(settings)
    if node is None:
        print("no node running")
        return 1
    print(f"node running: {node.rpc_url} (pid {node.pid})")
    return 0
