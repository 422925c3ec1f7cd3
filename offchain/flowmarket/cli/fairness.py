"""`flowmarket fairness`: who a networked clearing treats unfairly, and at what price.

    flowmarket fairness ORDERS.json RESULT.json [--out REPORT.json]
    flowmarket fairness --hour H [--state-dir DIR | --database-url URL] [--out REPORT.json]

Reads a cleared hour (a published order set and its result, or an hour of the
market's database) and prints the price of fairness of settling it at the nodal
prices, at one unconstrained price per commodity plus compensations, and along the
virtual-node family; with --out, the full report (every order's class and
compensation) as JSON. docs/fairness.md says what the numbers mean.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from flowmarket.clearing.fairness_document import fairness_document
from flowmarket.cli.jsonfile import read_json_file
from flowmarket.cli.main import add_command
from flowmarket.cli.report import resolve_source
from flowmarket.config import Settings
from flowmarket.errors import FieldError, InvalidInput
from flowmarket.reports.hour_documents import hour_documents


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(subparsers, "fairness")
    parser.add_argument("orders", nargs="?", type=Path, help="ORDERS.json of the hour")
    parser.add_argument("result", nargs="?", type=Path, help="RESULT.json of the hour")
    parser.add_argument("--hour", type=int, help="read hour H from the market's database")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--state-dir", type=Path, metavar="DIR", help="a state folder")
    source.add_argument("--database-url", metavar="URL", help="read this database")
    parser.add_argument("--out", type=Path, help="write the full report (JSON) here")
    parser.set_defaults(handler=run)


def _documents(args: argparse.Namespace, settings: Settings) -> tuple[Any, Any]:
    if args.hour is None:
        if args.orders is None or args.result is None:
            raise FieldError("orders", "give ORDERS.json and RESULT.json, or --hour H")
        orders = read_json_file(args.orders, "orders file")
        result = read_json_file(args.result, "result file")
        for doc, path, what in ((orders, args.orders, "orders"), (result, args.result, "result")):
            if not isinstance(doc, dict):
                raise InvalidInput(f"{what} file {path}: expected a JSON object")
        return orders, result
    if args.orders is not None:
        raise FieldError("--hour", "give either --hour or ORDERS.json and RESULT.json")
    source, _ = resolve_source(args, settings)
    return hour_documents(source, args.hour)


def run(args: argparse.Namespace, settings: Settings) -> int:
    orders, result = _documents(args, settings)
    report = fairness_document(orders, result)
    mechanisms = report["mechanisms"]
    print(
        f"welfare {report['welfare']:.6g} tokens/h, congestion rent "
        f"{report['congestion_rent']:.6g} tokens/h"
    )
    print("mechanism  price of fairness  compensations  undistributed  forced  unfairly rejected")
    for name in ("nodal", "uniform"):
        m = mechanisms[name]
        print(
            f"{name:<9}  {m['pof']:>17.6g}  {m['compensations']:>13.6g}  "
            f"{m['undistributed']:>13.6g}  {m['classes']['forced']:>6}  "
            f"{m['classes']['unfairly_rejected']:>17}"
        )
    best = min(report["family"], key=lambda row: row["pof"])
    print(
        f"virtual-node family: least price of fairness {best['pof']:.6g} at θ = "
        f"{best['theta']:g}, δ = {best['delta']:.4g} tokens/GB"
    )
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", "utf-8")
        print(f"wrote {args.out}")
    return 0
