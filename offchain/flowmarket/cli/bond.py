"""`flowmarket bond status|stake AMOUNT`: the oracle's bond (`actions.bond`)."""

from __future__ import annotations

import argparse
from typing import Any

from flowmarket.actions.actor import Actor
from flowmarket.actions.bond import bond_state, stake_plan
from flowmarket.cli.main import add_command
from flowmarket.cli.onchain import add_send_arguments, open_signer, print_facts, run_plan
from flowmarket.config import Settings
from flowmarket.money import parse_tokens

READER = "0x0000000000000000000000000000000000000001"  # reads need no key


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "bond")
    commands = parser.add_subparsers(dest="bond_command", metavar="ACTION", required=True)
    status = commands.add_parser("status", help="staked, governed size, whether roots are taken")
    stake = commands.add_parser("stake", help="stake capacity tokens into the bond")
    stake.add_argument("amount", help="capacity tokens, e.g. 1000 or 0.5")
    add_send_arguments(stake)
    status.set_defaults(handler=run_status)
    stake.set_defaults(handler=run_stake)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    print_facts(bond_state(Actor.watching(settings, READER)).facts())
    return 0


def run_stake(args: argparse.Namespace, settings: Settings) -> int:
    actor, market = open_signer(args, settings)
    return run_plan(args, stake_plan(actor, parse_tokens(args.amount, field="amount")), market)
