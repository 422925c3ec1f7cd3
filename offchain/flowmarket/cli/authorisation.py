"""`flowmarket authorisation set|list|cancel`: your signed limits on one portfolio.

An authorisation caps the rate (GB/h per clearing) and the position (GB/h held) of
your orders over one portfolio; the oracle enforces it inside the clearing
(docs/market.md, authorisations).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from flowmarket.cli.main import add_command
from flowmarket.cli.order import parse_portfolio
from flowmarket.cli.wallet import add_wallet_arguments, open_client
from flowmarket.config import Settings
from flowmarket.errors import FieldError
from flowmarket.signing.authorisation import LIMITS

HORIZON_HOURS = 24 * 366  # default validity: a year of delivery hours from the open hour


def _limit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of GB/h") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "authorisation")
    commands = parser.add_subparsers(dest="authorisation_command", metavar="ACTION", required=True)
    put = commands.add_parser(
        "set", help="sign and send an authorisation (limits on one portfolio)"
    )
    put.add_argument("--portfolio", required=True, help="PRODUCT=WEIGHT,... (as orders)")
    put.add_argument("--min-rate", type=_limit, help="GB/h per clearing, ≤ 0 (most sold)")
    put.add_argument("--max-rate", type=_limit, help="GB/h per clearing, ≥ 0 (most bought)")
    put.add_argument("--min-position", type=_limit, help="least GB/h held after a clearing")
    put.add_argument("--max-position", type=_limit, help="most GB/h held after a clearing")
    put.add_argument("--from-hour", type=int, help="first delivery hour (default: open hour)")
    put.add_argument(
        "--until-hour", type=int, help="last delivery hour (default: a year after from-hour)"
    )
    put.add_argument("--nonce", type=int, help="default: above your highest one")
    put.add_argument("--replaces", help="id of your live authorisation this one replaces")
    listing = commands.add_parser(
        "list", help="your authorisations, positions and next clearing's bounds"
    )
    cancel = commands.add_parser("cancel", help="sign and send a cancel")
    cancel.add_argument("auth_hash")
    for sub in (put, listing, cancel):
        add_wallet_arguments(sub)
    put.set_defaults(handler=run_set)
    listing.set_defaults(handler=run_list)
    cancel.set_defaults(handler=run_cancel)


def run_set(args: argparse.Namespace, settings: Settings) -> int:
    limits = {name: getattr(args, name) for name in LIMITS}
    if all(value is None for value in limits.values()):
        raise FieldError(
            "--max-rate",
            "give at least one of --min-rate, --max-rate, --min-position, --max-position",
        )
    client = open_client(args, settings)
    try:
        from_hour = client.open_hour() if args.from_hour is None else args.from_hour
        until_hour = from_hour + HORIZON_HOURS if args.until_hour is None else args.until_hour
        result = client.authorise(
            portfolio=parse_portfolio(args.portfolio),
            limits=limits,
            from_hour=from_hour,
            until_hour=until_hour,
            nonce=args.nonce,
            replaces=args.replaces,
        )
    finally:
        client.close()
    print(json.dumps(result, indent=2))
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        result = client.private("authorisations")
    finally:
        client.close()
    print(json.dumps(result, indent=2))
    return 0


def run_cancel(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        result = client.cancel_authorisation(args.auth_hash)
    finally:
        client.close()
    print(json.dumps(result, indent=2))
    return 0
