"""`flowmarket oracle`: run the clearing oracle (the hourly cycle and weekly settlement).

Logs are JSON lines on stderr, one per event, with `hour`, `step` and `tx` fields where
they apply; this module holds the one logging configuration of the oracle.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import replace
from typing import Any

from flowmarket.backend.serve import open_database
from flowmarket.cli.main import add_command
from flowmarket.collector import settle_for_serving
from flowmarket.config import Settings
from flowmarket.cpu_priority import lower_priority
from flowmarket.errors import InvalidInput, MarketError
from flowmarket.oracle.cycle import open_oracle
from flowmarket.oracle.expected import report_expected as record_expected
from flowmarket.oracle.settlement import advance_week

STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in STANDARD_ATTRIBUTES})
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger("flowmarket")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "oracle")
    commands = parser.add_subparsers(dest="oracle_command", metavar="ACTION", required=True)
    run_parser = commands.add_parser(
        "run", help="clear, commit and publish every closed hour; settle weeks"
    )
    run_parser.add_argument(
        "--hour-length", type=float, help="seconds per market hour (default 3600)"
    )
    run_parser.add_argument("--hours", type=int, help="stop after processing this many hours")
    run_parser.add_argument("--until-hour", type=int, help="stop once this hour is published")
    run_parser.add_argument(
        "--once", action="store_true", help="process what is due now, then stop"
    )
    run_parser.set_defaults(handler=run)
    settle = commands.add_parser(
        "settle", help="advance week WEEK's settlement as far as it can go now"
    )
    settle.add_argument("week", type=int)
    settle.set_defaults(handler=settle_week)
    expect = commands.add_parser("report-expected", help="record a participant's expected position")
    expect.add_argument("participant", help="0x address")
    expect.add_argument(
        "positions", nargs="*", metavar="PRODUCT=GBH", help="expected GB/h per product"
    )
    expect.set_defaults(handler=report_expected)


def _settings(args: argparse.Namespace, settings: Settings) -> Settings:
    length = getattr(args, "hour_length", None)
    if length is None:
        return settings
    if not length > 0:
        raise InvalidInput(f"--hour-length: must be a positive number of seconds, got {length}")
    return replace(settings, oracle_hour_length_s=float(length))


def run(args: argparse.Namespace, settings: Settings) -> int:
    configure_logging()
    if args.hours is not None and args.hours < 1:
        raise InvalidInput(f"--hours: must be at least 1, got {args.hours}")
    settings = _settings(args, settings)
    nice = lower_priority(settings.oracle_nice)
    log = logging.getLogger("flowmarket.oracle")
    started = {"nice": nice, "engine_threads": settings.oracle_engine_threads}
    log.info("oracle started", extra={**started, "pid": os.getpid()})
    engine = open_database(settings.effective_database_url)
    try:
        oracle = open_oracle(settings, engine)
        settle_for_serving()
        processed = oracle.run(hours=args.hours, until_hour=args.until_hour, once=args.once)
    except MarketError as exc:
        log.error("oracle stopped", extra={"error": str(exc)})
        raise
    finally:
        engine.dispose()
    print(f"processed {processed} hours")
    return 0


def settle_week(args: argparse.Namespace, settings: Settings) -> int:
    configure_logging()
    engine = open_database(settings.effective_database_url)
    try:
        oracle = open_oracle(settings, engine)
        status = advance_week(oracle.ctx, args.week)
    finally:
        engine.dispose()
    print(f"week {args.week}: {status}")
    return 0


def report_expected(args: argparse.Namespace, settings: Settings) -> int:
    quantities: dict[str, float] = {}
    for item in args.positions:
        product, sep, value = item.partition("=")
        try:
            quantities[product] = float(value)
        except ValueError:
            raise InvalidInput(f"positions: {item!r} is not PRODUCT=GB/h") from None
        if not sep or not product:
            raise InvalidInput(f"positions: {item!r} is not PRODUCT=GB/h")
    engine = open_database(settings.effective_database_url)
    try:
        address = record_expected(engine, participant=args.participant, quantities=quantities)
    finally:
        engine.dispose()
    print(f"recorded {len(quantities)} expected positions for {address}")
    return 0
