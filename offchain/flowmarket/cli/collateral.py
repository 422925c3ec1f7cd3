"""`flowmarket collateral status|deposit|withdraw|approve-settlement`: your collateral in
the vault against your requirement, and the allowance weekly settlement pulls debits with.

Amounts are capacity tokens (up to 18 decimals, exact). Every command that sends shows
what it will do and the gas, and asks first (`--yes` does not ask).
"""

from __future__ import annotations

import argparse
from typing import Any

from flowmarket.actions import collateral
from flowmarket.actions.plan import UNLIMITED
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
from flowmarket.config import Settings
from flowmarket.money import parse_tokens


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "collateral")
    commands = parser.add_subparsers(dest="collateral_command", metavar="ACTION", required=True)
    status = commands.add_parser("status", help="collateral, requirement, headroom, allowances")
    add_read_arguments(status)
    deposit = commands.add_parser("deposit", help="lock capacity tokens in the vault")
    deposit.add_argument("amount", help="capacity tokens, e.g. 120.5")
    withdraw = commands.add_parser("withdraw", help="take capacity tokens out of the vault")
    withdraw.add_argument("amount", help="capacity tokens, or 'max' for all the headroom")
    allow = commands.add_parser(
        "approve-settlement", help="allow weekly settlement to pull your debits"
    )
    allow.add_argument("amount", help="capacity tokens, or 'unlimited'")
    for sub in (deposit, withdraw, allow):
        add_send_arguments(sub)
    status.set_defaults(handler=run_status)
    deposit.set_defaults(handler=run_deposit)
    withdraw.set_defaults(handler=run_withdraw)
    allow.set_defaults(handler=run_approve)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    actor = open_watcher(args, settings)
    with api(args, settings) as source:
        report = collateral.status(actor, source)
    print_facts(report.facts())
    return 0


def run_deposit(args: argparse.Namespace, settings: Settings) -> int:
    amount = parse_tokens(args.amount, field="amount")
    actor, market = open_signer(args, settings)
    return run_plan(args, collateral.deposit_plan(actor, amount), market)


def run_withdraw(args: argparse.Namespace, settings: Settings) -> int:
    actor, market = open_signer(args, settings)
    with api(args, settings) as source:
        if args.amount.strip().lower() == "max":
            amount = collateral.status(actor, source).headroom
        else:
            amount = parse_tokens(args.amount, field="amount")
        plan = collateral.withdraw_plan(actor, source, amount)
    return run_plan(args, plan, market)


def run_approve(args: argparse.Namespace, settings: Settings) -> int:
    unlimited = args.amount.strip().lower() == "unlimited"
    amount = UNLIMITED if unlimited else parse_tokens(args.amount, field="amount")
    actor, market = open_signer(args, settings)
    return run_plan(args, collateral.approve_settlement_plan(actor, amount), market)
