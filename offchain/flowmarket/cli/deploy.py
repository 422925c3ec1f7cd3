"""`flowmarket deploy`: deploy and wire every contract in one command."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from flowmarket.chain.build import compile_contracts
from flowmarket.chain.deploy import PROFILES, deploy_market, get_profile
from flowmarket.chain.genesis import load_genesis
from flowmarket.chain.node import resolve_rpc_url
from flowmarket.cli.main import add_command
from flowmarket.config import Settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(subparsers, "deploy")
    parser.add_argument(
        "--genesis",
        type=Path,
        required=True,
        metavar="FILE",
        help="genesis file: governance-token allocations (participants and the treasury), "
        "capacity suppliers and the guardian (docs/threat-model.md, Genesis)",
    )
    parser.add_argument(
        "--genesis-hour",
        type=int,
        default=None,
        help="first hour index (unix seconds // 3600) of the ledger; default: the latest block's",
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="demo",
        help="demo: seconds-scale voting, timelock and challenge window; "
        "production: realistic defaults (default: demo)",
    )
    parser.add_argument(
        "--clearing-engine",
        type=int,
        default=None,
        metavar="N",
        help="the clearing engine every hour starts on until governance names another "
        "(docs/engine-versions.md); default: the profile's, the newest this release runs",
    )
    parser.add_argument(
        "--rpc-url", default=None, help="JSON-RPC URL (default: settings, or the `chain up` node)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    profile = get_profile(args.profile)
    if args.clearing_engine is not None:
        profile = replace(profile, clearing_engine=args.clearing_engine)
    artifacts = compile_contracts(settings).artifacts
    deployment = deploy_market(
        settings,
        artifacts,
        rpc_url=resolve_rpc_url(settings, args.rpc_url),
        profile=profile,
        genesis=load_genesis(args.genesis),
        genesis_hour=args.genesis_hour,
    )
    print(
        f"deployed flowmarket ({deployment.profile} profile) on chain {deployment.chain_id}, "
        f"genesis hour {deployment.genesis_hour}, clearing engine {profile.clearing_engine}"
    )
    for name, address in sorted(deployment.addresses.items()):
        print(f"  {name:<20} {address}")
    supply = deployment.governance["governance_supply"]
    print(
        f"governance supply {supply} wei to the genesis holders; suppliers {deployment.suppliers}"
    )
    print(f"oracle {deployment.oracle}, guardian {deployment.guardian}; the deployer holds no role")
    print(f"deployment file: {settings.deployment_file}")
    return 0
