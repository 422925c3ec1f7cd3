"""`flowmarket positions`: your accumulated positions per product."""

from __future__ import annotations

import argparse
import json
from typing import Any

from flowmarket.cli.main import add_command
from flowmarket.cli.wallet import add_wallet_arguments, open_client
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "positions")
    parser.add_argument("--trades", action="store_true", help="per-hour trades instead")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of JSON")
    add_wallet_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        result = client.private("trades" if args.trades else "positions", csv=args.csv)
    finally:
        client.close()
    print(result if args.csv else json.dumps(result, indent=2), end="" if args.csv else "\n")
    return 0
