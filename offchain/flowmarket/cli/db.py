"""`flowmarket db upgrade|products`: schema migrations and the product catalogue."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from flowmarket.backend.serve import load_catalogue, open_database
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="migrate the database, load the catalogue")
    commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = commands.add_parser("upgrade", help="apply all schema migrations")
    upgrade.set_defaults(handler=run_upgrade)
    products = commands.add_parser("products", help="load a product catalogue (JSON)")
    products.add_argument("file", type=Path)
    products.set_defaults(handler=run_products)


def run_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    open_database(settings.effective_database_url)
    print(f"database at {settings.effective_database_url} is at the latest schema")
    return 0


def run_products(args: argparse.Namespace, settings: Settings) -> int:
    count = load_catalogue(open_database(settings.effective_database_url), args.file)
    print(f"loaded {count} products from {args.file}")
    return 0
