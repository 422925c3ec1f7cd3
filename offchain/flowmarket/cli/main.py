"""Entry point of the `flowmarket` command.

Each subcommand lives in its own module under `flowmarket.cli` and exposes
`register(subparsers)`, which adds its parser and sets `handler` to a function
`(args: argparse.Namespace, settings: Settings) -> int`. Errors that flowmarket
raises on purpose (`MarketError`) become one line on stderr and their exit code;
nothing the user can cause ends in a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from flowmarket.config import load_settings
from flowmarket.errors import MarketError

# Subcommand modules, in the order `flowmarket --help` lists them. A module that is
# listed here must exist: the test suite imports every one.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "flowmarket.cli.build",
    "flowmarket.cli.local",
    "flowmarket.cli.faucet",
    "flowmarket.cli.chain",
    "flowmarket.cli.deploy",
    "flowmarket.cli.db",
    "flowmarket.cli.serve",
    "flowmarket.cli.wallet",
    "flowmarket.cli.order",
    "flowmarket.cli.positions",
    "flowmarket.cli.settlement",
    "flowmarket.cli.collateral",
    "flowmarket.cli.revenue",
    "flowmarket.cli.governance",
    "flowmarket.cli.expected",
    "flowmarket.cli.authorisation",
    "flowmarket.cli.usage",
    "flowmarket.cli.auction",
    "flowmarket.cli.clear",
    "flowmarket.cli.fairness",
    "flowmarket.cli.commit",
    "flowmarket.cli.show_hour",
    "flowmarket.cli.verify",
    "flowmarket.cli.bond",
    "flowmarket.cli.catalogue",
    "flowmarket.cli.strategy",
    "flowmarket.cli.oracle",
    "flowmarket.cli.status",
    "flowmarket.cli.report",
    "flowmarket.cli.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowmarket",
        description="An open-access market for network capacity, settled on a blockchain.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in SUBCOMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()  # inside: a bad FLOWMARKET_* value is a one-line error
        code: int = args.handler(args, settings)
    except MarketError as exc:
        print(f"flowmarket {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"flowmarket {args.command}: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
