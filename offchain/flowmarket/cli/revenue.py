"""`flowmarket revenue status|claim|close`: fee revenue for governance-token holders.

`status` shows the open epoch and your share of every closed one; `claim [EPOCH]` claims
one epoch's share or every share you have; `close` closes the open epoch once its
duration has passed (anyone may), which makes its shares claimable.
"""

from __future__ import annotations

import argparse
from typing import Any

from flowmarket.actions import revenue
from flowmarket.cli.main import add_command
from flowmarket.cli.onchain import (
    add_read_arguments,
    add_send_arguments,
    open_signer,
    open_watcher,
    print_facts,
    run_plan,
)
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "revenue")
    commands = parser.add_subparsers(dest="revenue_command", metavar="ACTION", required=True)
    status = commands.add_parser("status", help="the open epoch and your shares")
    add_read_arguments(status)
    claim = commands.add_parser("claim", help="claim your share (default: of every epoch)")
    claim.add_argument("epoch", nargs="?", type=int)
    close = commands.add_parser("close", help="close the open epoch (once it is over)")
    for sub in (claim, close):
        add_send_arguments(sub)
    status.set_defaults(handler=run_status)
    claim.set_defaults(handler=run_claim)
    close.set_defaults(handler=run_close)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    actor = open_watcher(args, settings)
    print_facts(revenue.status(actor).facts(actor.now()))
    return 0


def run_claim(args: argparse.Namespace, settings: Settings) -> int:
    actor, market = open_signer(args, settings)
    return run_plan(args, revenue.claim_plan(actor, args.epoch), market)


def run_close(args: argparse.Namespace, settings: Settings) -> int:
    actor, market = open_signer(args, settings)
    return run_plan(args, revenue.close_plan(actor), market)
