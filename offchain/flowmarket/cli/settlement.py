"""`flowmarket settlement status|pay|collect|hours`: your weekly settlement.

`status` lists your leaf of every posted week (fetched from the API and proven against
the root on chain) and what you can do about it; `pay WEEK` pays a debit (or cures a
default during its grace period), `collect WEEK` collects what is due on a credit, each
checking the leaf against the posted root before it sends anything. `hours` is the
running account of the current trading (the hourly cash flows before they settle).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from flowmarket.actions import settlement
from flowmarket.cli.main import add_command
from flowmarket.cli.onchain import (
    add_read_arguments,
    add_send_arguments,
    api,
    open_signer,
    open_watcher,
    print_facts,
    run_plan,
)
from flowmarket.cli.wallet import add_wallet_arguments, open_client
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "settlement")
    commands = parser.add_subparsers(dest="settlement_command", metavar="ACTION", required=True)
    status = commands.add_parser("status", help="your leaf of each posted week, proven")
    status.add_argument("week", nargs="?", type=int, help="one week (default: every week)")
    add_read_arguments(status)
    pay = commands.add_parser("pay", help="pay your debit of a week, or cure its default")
    collect = commands.add_parser("collect", help="collect what is due on your credit")
    for sub in (pay, collect):
        sub.add_argument("week", type=int)
        add_send_arguments(sub)
    hours = commands.add_parser("hours", help="the hourly cash flows not settled yet (API)")
    hours.add_argument("--csv", action="store_true", help="print the hourly steps as CSV")
    add_wallet_arguments(hours)
    status.set_defaults(handler=run_status)
    pay.set_defaults(handler=run_pay)
    collect.set_defaults(handler=run_collect)
    hours.set_defaults(handler=run_hours)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    actor = open_watcher(args, settings)
    with api(args, settings) as source:
        if args.week is not None:
            weeks = [settlement.position(actor, source, args.week)]
        else:
            weeks = settlement.positions(actor, source)
    if not weeks:
        print(f"{actor.address} has no leaf in any posted week")
    now = actor.now()
    for k, week in enumerate(weeks):
        if k:
            print()
        print_facts(week.facts(now))
    return 0


def run_pay(args: argparse.Namespace, settings: Settings) -> int:
    actor, market = open_signer(args, settings)
    with api(args, settings) as source:
        plan = settlement.pay_plan(actor, source, args.week)
        return run_plan(args, plan, market)


def run_collect(args: argparse.Namespace, settings: Settings) -> int:
    actor, market = open_signer(args, settings)
    with api(args, settings) as source:
        plan = settlement.collect_plan(actor, source, args.week)
        return run_plan(args, plan, market)


def run_hours(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        result = client.private("settlement", csv=args.csv)
    finally:
        client.close()
    print(result if args.csv else json.dumps(result, indent=2), end="" if args.csv else "\n")
    return 0
