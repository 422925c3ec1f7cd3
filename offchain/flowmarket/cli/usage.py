"""`flowmarket usage show`: your metered usage, what was served and your imbalance cash.

Each row is one settled delivery (hour, real-time product): the real-time position you
held at delivery (forwards for the hour included), the usage the network operator
metered, the GB served after priority rationing, and the imbalance cash entered in the
settling hour's cash (docs/realtime.md).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from flowmarket.cli.main import add_command
from flowmarket.cli.wallet import add_wallet_arguments, open_client
from flowmarket.config import Settings

COLUMNS = ("hour", "product", "price", "position_gb", "usage_gb", "served_gb", "cash")


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "usage")
    commands = parser.add_subparsers(dest="usage_command", metavar="ACTION", required=True)
    show = commands.add_parser("show", help="your settled deliveries and imbalance cash")
    show.add_argument("--json", action="store_true", help="print the JSON answer")
    add_wallet_arguments(show)
    show.set_defaults(handler=run)


def table(answer: dict[str, Any]) -> str:
    """The answer of GET /v1/me/usage as aligned text, one row per delivery."""
    rows = [COLUMNS] + [tuple(str(row[c]) for c in COLUMNS) for row in answer["rows"]]
    widths = [max(len(r[k]) for r in rows) for k in range(len(COLUMNS))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"total imbalance cash: {answer['total_cash']} tokens")
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        answer = client.private("usage")
    finally:
        client.close()
    print(json.dumps(answer, indent=2) if args.json else table(answer))
    return 0
