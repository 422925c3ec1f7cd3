"""`flowmarket settlement`: your accumulated settlement (capacity tokens)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from flowmarket.cli.wallet import add_wallet_arguments, open_client
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "settlement", help="your accumulated settlement (negative = you owe)"
    )
    parser.add_argument("--csv", action="store_true", help="print the hourly steps as CSV")
    add_wallet_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        result = client.private("settlement", csv=args.csv)
    finally:
        client.close()
    print(result if args.csv else json.dumps(result, indent=2), end="" if args.csv else "\n")
    return 0
