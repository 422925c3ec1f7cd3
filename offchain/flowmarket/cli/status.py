"""`flowmarket status`: the oracle's last cleared and committed hours, lag and warnings."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from flowmarket.backend.serve import open_database
from flowmarket.cli.main import add_command
from flowmarket.config import Settings
from flowmarket.oracle.status import oracle_status


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "status")
    parser.add_argument("--alerts", type=int, default=10, help="how many recent warnings to show")
    parser.add_argument("--json", action="store_true", help="print the full status as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings.effective_database_url)
    try:
        status = oracle_status(engine, now=time.time(), alerts=args.alerts)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"last cleared hour:   {status['last_cleared_hour']}")
    print(f"last committed hour: {status['last_committed_hour']}")
    print(f"hour due now:        {status['due_hour']}")
    print(f"lag (hours):         {status['lag_hours']}")
    for entry in status["in_flight"]:
        print(f"in flight: hour {entry['hour']} at step {entry['step']}")
    for week in status["open_weeks"]:
        print(f"settlement: week {week['week']} {week['status']}")
    for alert in status["warnings"]:
        where = "" if alert["hour"] is None else f" (hour {alert['hour']})"
        print(f"warning [{alert['kind']}]{where}: {alert['message']}")
    return 0
