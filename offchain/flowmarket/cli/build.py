"""`flowmarket build`: compile the contracts (skipped when nothing changed)."""

from __future__ import annotations

import argparse
from typing import Any

from flowmarket.chain.build import compile_contracts
from flowmarket.cli.main import add_command
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(subparsers, "build")
    parser.add_argument("--force", action="store_true", help="recompile even if nothing changed")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    report = compile_contracts(settings, force=args.force)
    deployable = sorted(name for name, a in report.artifacts.items() if a.bytecode)
    verb = "compiled" if report.compiled else "up to date"
    print(f"{verb}: {len(report.artifacts)} contracts ({len(deployable)} deployable)")
    print(f"artifacts: {settings.artifacts_dir}")
    print(f"source hash: {report.source_hash[:16]}")
    return 0
