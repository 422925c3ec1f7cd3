"""Entry point of the `flowmarket` command.

Each subcommand lives in its own module under `flowmarket.cli` and exposes
`register(subparsers)`, which adds its parser and sets `handler` to a function
`(args: argparse.Namespace, settings: Settings) -> int`; `COMMANDS` names each one, its
module and its help line, so that a run imports only the module of its command. Errors
that flowmarket raises on purpose (`MarketError`) become one line on stderr and their
exit code; nothing the user can cause ends in a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flowmarket.config import load_settings
from flowmarket.errors import MarketError


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, the module that registers it and its line in `--help`."""

    name: str
    module: str
    help: str


# In the order `flowmarket --help` lists them. Only the module of the command being run
# is imported: importing every one (web3, FastAPI, the demo, the report's plots) took
# 4 s before any command began. Each module adds its commands with `add_command`, which
# takes the help line from here; the test suite checks every module registers these.
COMMANDS: tuple[Command, ...] = tuple(
    Command(name, f"flowmarket.cli.{module}", help)
    for name, module, help in (
        ("build", "build", "compile contracts/ into ABI + bytecode artifacts"),
        ("local", "local", "a live local market to trade in by hand: up, down, status"),
        ("faucet", "faucet", "ETH for gas and capacity tokens for a wallet (local chains only)"),
        ("chain", "chain", "start or stop the local Hardhat node"),
        (
            "deploy",
            "deploy",
            "deploy the market contracts, wire roles, hand admin rights to the timelock",
        ),
        ("db", "db", "migrate the database, load the catalogue"),
        ("serve", "serve", "run the participation API (orders, prices, positions)"),
        ("wallet", "wallet", "create or import an encrypted keystore"),
        ("order", "order", "submit, cancel or list your signed orders"),
        ("positions", "positions", "your positions per product (GB/h)"),
        (
            "settlement",
            "settlement",
            "your weekly settlement: status, pay a debit, collect a credit",
        ),
        (
            "collateral",
            "collateral",
            "your collateral: status, deposit, withdraw, settlement allowance",
        ),
        ("revenue", "revenue", "fee revenue: your shares, claim, close an epoch"),
        ("governance", "governance", "proposals: list, propose, vote, execute"),
        ("expected", "expected", "report your expected positions (collateral) or show them"),
        ("authorisation", "authorisation", "set, list or cancel your limits on a portfolio"),
        ("usage", "usage", "your metered usage and imbalance charges"),
        ("auction", "auction", "primary capacity auctions: bid, follow, run"),
        ("clear", "clear", "clear an hour's orders: prices, trades, cash flows and a certificate"),
        (
            "fairness",
            "fairness",
            "price of fairness of a cleared hour: nodal prices vs one price + compensations",
        ),
        (
            "commit",
            "commit",
            "commit a cleared hour (RESULT.json) to the ClearingLedger as the oracle",
        ),
        (
            "show-hour",
            "show_hour",
            "show an hour's on-chain commitment and verify it against the record",
        ),
        (
            "verify",
            "verify",
            "re-clear an hour or check a week's settlement root against the chain",
        ),
        ("challenge", "verify", "prove a wrong weekly root on chain (pays you the oracle's bond)"),
        ("bond", "bond", "the oracle's bond: inspect it, stake into it"),
        ("catalogue", "catalogue", "list the products tradable at an hour"),
        ("strategy", "strategy", "turn an expected net-demand CSV into trade-to-target orders"),
        ("oracle", "oracle", "run the clearing oracle"),
        ("status", "status", "the clearing oracle's progress, lag and warnings"),
        (
            "report",
            "report",
            "write an HTML report with plots of prices, curves, volumes, positions, collateral",
        ),
        ("demo", "demo", "run a week of the market on a private local chain and summarise it"),
    )
)

HELP: dict[str, str] = {c.name: c.help for c in COMMANDS}

# Every subcommand module once, in the order of COMMANDS. A module listed here must exist.
SUBCOMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(c.module for c in COMMANDS))


def add_command(subparsers: Any, name: str, **options: Any) -> argparse.ArgumentParser:
    """Add the parser of command `name` with its help line from COMMANDS (said once)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=HELP[name], **options)
    return parser


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `flowmarket` parser. `command`'s module registers its full parser; every
    other command is its name and help line only (enough to list it and to refuse a
    misspelt one). None: every module registers its own (what the tests check)."""
    parser = argparse.ArgumentParser(
        prog="flowmarket",
        description="An open-access market for network capacity, settled on a blockchain.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = {c.module for c in COMMANDS if command is None or c.name == command}
    registered: set[str] = set()  # a module registers all its commands at its first one
    for entry in COMMANDS:
        if entry.module not in chosen:
            subparsers.add_parser(entry.name, help=entry.help, add_help=False)
        elif entry.module not in registered:
            registered.add(entry.module)
            importlib.import_module(entry.module).register(subparsers)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names: its first word (the top level has only -h)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = build_parser(_command_in(words) or "").parse_args(words)
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
