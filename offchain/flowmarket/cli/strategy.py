"""`flowmarket strategy`: expected need (CSV) → trade-to-target orders (ORDERS.json)."""

from __future__ import annotations

import argparse
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flowmarket.catalogue import format_hour, hour_of, load_spec, parse_hour_value
from flowmarket.cli.main import add_command
from flowmarket.config import Settings
from flowmarket.errors import FieldError, InvalidInput
from flowmarket.strategy import COLUMNS, StrategyParams, parse_needs_csv, plan_orders


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(
        subparsers,
        "strategy",
        description=(
            "Writes one standing order per product whose target rises from 0 (at the "
            "catalogue's far horizon) to 100% of expected need at delivery. NEEDS.csv "
            f"columns: {', '.join(COLUMNS)}."
        ),
    )
    parser.add_argument("needs", type=Path, metavar="NEEDS.csv", help="expected net demand")
    parser.add_argument(
        "--risk-aversion",
        type=float,
        required=True,
        metavar="A",
        help="> 0; larger = curves tighter around the target",
    )
    parser.add_argument(
        "--capital-cost",
        type=float,
        required=True,
        metavar="C",
        help="per year (0.08 = 8%%); larger = buy later",
    )
    parser.add_argument(
        "--positions",
        type=Path,
        metavar="POSITIONS.json",
        help="current positions {product: GB/h} (default: none)",
    )
    parser.add_argument(
        "--hour", metavar="H", help="hours since the epoch or YYYY-MM-DDTHH UTC (default: now)"
    )
    parser.add_argument("--participant", default="participant", metavar="NAME")
    parser.add_argument(
        "--catalogue",
        default="demo",
        metavar="SPEC",
        help="demo, production or a catalogue JSON file (default: demo)",
    )
    parser.add_argument(
        "--horizon-hours",
        type=int,
        metavar="T",
        help="where the target starts at 0 (default: the catalogue's far horizon)",
    )
    parser.add_argument(
        "--price-band",
        type=float,
        default=0.5,
        metavar="B",
        help="curves span valuation × (1 ± B) (default 0.5)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="ORDERS.json")
    parser.set_defaults(handler=run)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise InvalidInput(f"{what} {path}: cannot read ({exc.strerror})") from exc


def _positions(path: Path | None) -> dict[str, float]:
    if path is None:
        return {}
    try:
        doc = json.loads(_read_text(path, "positions"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"positions {path}: not JSON (line {exc.lineno}: {exc.msg})") from exc
    if isinstance(doc, dict) and isinstance(doc.get("positions"), dict):
        doc = doc["positions"]
    if not isinstance(doc, dict):
        raise FieldError("positions", "expected an object {product: GB/h}")
    out: dict[str, float] = {}
    for name, value in doc.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise FieldError(f"positions.{name}", f"must be a finite number, got {value!r}")
        out[str(name)] = float(value)
    return out


def run(args: argparse.Namespace, settings: Settings) -> int:
    spec = load_spec(args.catalogue)
    hour = parse_hour_value(args.hour, "--hour") if args.hour else hour_of(datetime.now(UTC))
    try:
        needs = parse_needs_csv(_read_text(args.needs, "needs"), spec.regions, spec.types, hour)
    except FieldError as exc:
        raise FieldError(f"{args.needs.name} {exc.field}", exc.reason) from exc
    params = StrategyParams(
        risk_aversion=args.risk_aversion,
        capital_cost=args.capital_cost,
        horizon_hours=args.horizon_hours,
        price_band=args.price_band,
    )
    plan = plan_orders(needs, spec, hour, _positions(args.positions), params, args.participant)
    args.out.write_text(json.dumps(plan.document(), indent=1) + "\n", encoding="utf-8")
    buy = sum(t.trade for t in plan.targets if t.trade > 0)
    sell = -sum(t.trade for t in plan.targets if t.trade < 0)
    print(f"hour {format_hour(hour)} ({hour}): {len(plan.orders)} orders for {args.participant}")
    print(f"to trade at valuation: buy {buy:.3f} GB/h, sell {sell:.3f} GB/h")
    print(f"wrote {args.out}")
    return 0
