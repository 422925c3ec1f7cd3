"""`flowmarket db upgrade|products`: schema migrations and the product catalogue.

`db products SOURCE` takes a catalogue specification (a packaged name: demo,
production, demo-network, demo-quick, demo-tiny; or a specification file such as those
in `offchain/flowmarket/data/catalogue/`), expanded over `--hours` delivery hours from
`--hour`, or a product list file (what `flowmarket catalogue --out` writes).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from flowmarket.backend.products_table import load_products
from flowmarket.backend.serve import open_database
from flowmarket.catalogue import format_hour, hour_of, parse_hour_value
from flowmarket.cli.main import add_command
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "db")
    commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = commands.add_parser("upgrade", help="apply all schema migrations")
    upgrade.set_defaults(handler=run_upgrade)
    products = commands.add_parser(
        "products", help="load the products: a catalogue spec (name or file) or a product list"
    )
    products.add_argument(
        "source", metavar="SPEC|FILE", help="a packaged catalogue (demo, production, ...) or a file"
    )
    products.add_argument(
        "--hour", metavar="H", help="a spec's first delivery hour (default: the current hour)"
    )
    products.add_argument(
        "--hours",
        type=int,
        default=24,
        metavar="N",
        help="a spec's products listed at any of N delivery hours from --hour (default 24)",
    )
    products.set_defaults(handler=run_products)


def run_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    open_database(settings.effective_database_url)
    print(f"database at {settings.effective_database_url} is at the latest schema")
    return 0


def run_products(args: argparse.Namespace, settings: Settings) -> int:
    first = parse_hour_value(args.hour, "--hour") if args.hour else hour_of(datetime.now(UTC))
    engine = open_database(settings.effective_database_url)
    loaded = load_products(engine, args.source, first, args.hours)
    if loaded.spec is None:
        print(f"loaded {loaded.count} products from {args.source}")
    else:
        print(
            f"loaded {loaded.count} products of catalogue {loaded.spec} listed at delivery "
            f"hours {format_hour(first)} to {format_hour(first + args.hours - 1)} UTC"
        )
    return 0
