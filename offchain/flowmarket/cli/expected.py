"""`flowmarket expected set|show`: report your expected positions (signed) and read them.

The oracle's collateral rule charges a deviation margin on the distance between your
position and the expected position you report (market.md §6).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from flowmarket.cli.main import add_command
from flowmarket.cli.wallet import add_wallet_arguments, open_client
from flowmarket.config import Settings
from flowmarket.errors import FieldError


def parse_positions(items: list[str]) -> dict[str, float]:
    """["rt:eu-west:premium:2026-11-22T14=5", ...] → {product: GB/h}."""
    out: dict[str, float] = {}
    for k, item in enumerate(items):
        name, sep, value = item.rpartition("=")
        if not sep or not name.strip():
            raise FieldError(f"positions[{k}]", f"expected PRODUCT=GBH, got {item!r}")
        try:
            quantity = float(value)
        except ValueError:
            raise FieldError(f"positions[{k}]", f"{value!r} is not a number of GB/h") from None
        if not math.isfinite(quantity):
            raise FieldError(f"positions[{k}]", f"{value!r} is not a finite number")
        if name.strip() in out:
            raise FieldError(f"positions[{k}]", f"product {name.strip()!r} named twice")
        out[name.strip()] = quantity
    return out


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "expected")
    commands = parser.add_subparsers(dest="expected_command", metavar="ACTION", required=True)
    report = commands.add_parser(
        "set",
        help="sign and send expected positions; products not named keep their value",
    )
    report.add_argument(
        "positions",
        nargs="+",
        metavar="PRODUCT=GBH",
        help="expected position in GB/h (negative = short; 0 withdraws the product's report)",
    )
    report.add_argument("--nonce", type=int, help="report nonce (default: the next one)")
    report.add_argument(
        "--deadline",
        type=int,
        help="Unix seconds after which the report is refused (default: the close of the "
        "bidding window after the open one)",
    )
    show = commands.add_parser("show", help="the expected positions the oracle will use")
    show.add_argument("--csv", action="store_true", help="print CSV instead of JSON")
    for sub in (report, show):
        add_wallet_arguments(sub)
    report.set_defaults(handler=run_set)
    show.set_defaults(handler=run_show)


def run_set(args: argparse.Namespace, settings: Settings) -> int:
    positions = parse_positions(args.positions)
    client = open_client(args, settings)
    try:
        result = client.report_expected(positions, nonce=args.nonce, deadline=args.deadline)
    finally:
        client.close()
    print(json.dumps(result, indent=2))
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        result = client.private("expected-positions", csv=args.csv)
    finally:
        client.close()
    print(result if args.csv else json.dumps(result, indent=2), end="" if args.csv else "\n")
    return 0
