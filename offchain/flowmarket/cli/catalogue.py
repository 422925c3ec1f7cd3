"""`flowmarket catalogue`: list the products tradable at an hour.

`--out FILE` writes {"products": [{name, kind, region, description, active}, ...]},
the file `flowmarket db products FILE` loads into the API's products table.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flowmarket.catalogue import (
    format_hour,
    hour_of,
    iter_keys,
    load_spec,
    parse_hour_value,
    product,
)
from flowmarket.cli.main import add_command
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(subparsers, "catalogue")
    parser.add_argument(
        "--hour", metavar="H", help="hours since the epoch or YYYY-MM-DDTHH UTC (default: now)"
    )
    parser.add_argument(
        "--spec",
        default="demo",
        metavar="FILE",
        help="a packaged catalogue (demo, production, demo-network, ...) or a JSON file "
        "(default: demo)",
    )
    parser.add_argument(
        "--region", action="append", metavar="REGION", help="only this region (repeatable)"
    )
    parser.add_argument("--count", action="store_true", help="print only the number of products")
    parser.add_argument(
        "--json", action="store_true", help="print the products table rows as JSON lines"
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="write the products table file for `db products`"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    spec = load_spec(args.spec)
    hour = parse_hour_value(args.hour, "--hour") if args.hour else hour_of(datetime.now(UTC))
    if args.count:
        regions = len(args.region) if args.region else len(spec.regions)
        print(regions * spec.products_per_region())
        return 0
    keys = iter_keys(spec, hour, args.region)
    if args.out is not None:
        rows = [product(key).row() for key in keys]
        args.out.write_text(json.dumps({"products": rows}, indent=1) + "\n", encoding="utf-8")
        print(
            f"wrote {len(rows)} products of catalogue {spec.name} "
            f"at {format_hour(hour)} to {args.out}"
        )
        return 0
    if args.json:
        for key in keys:
            print(json.dumps(product(key).row()))
        return 0
    print(f"# catalogue {spec.name} at {format_hour(hour)} UTC (hour {hour})")
    for key in keys:
        print(key.name)
    return 0
