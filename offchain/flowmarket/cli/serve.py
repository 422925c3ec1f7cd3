"""`flowmarket serve`: run the participation API (FastAPI + uvicorn)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import uvicorn

from flowmarket.backend.serve import build_app, load_catalogue, load_domain, open_database
from flowmarket.config import Settings
from flowmarket.signing import Domain


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the participation API (orders, prices, positions)",
        description="Serve the HTTP API. The EIP-712 domain comes from the deployment "
        "file unless --chain-id and --ledger are given. Migrations run at start-up.",
    )
    parser.add_argument("--host", help="bind address (default: settings.api_host)")
    parser.add_argument("--port", type=int, help="port (default: settings.api_port)")
    parser.add_argument("--chain-id", type=int, help="EIP-712 chain id (with --ledger)")
    parser.add_argument("--ledger", help="ClearingLedger address (EIP-712 verifyingContract)")
    parser.add_argument("--products", type=Path, help="load this product catalogue (JSON) first")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (>1 needs the deployment file)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings.effective_database_url)
    if args.products is not None:
        count = load_catalogue(engine, args.products)
        print(f"loaded {count} products from {args.products}")
    host = args.host or settings.api_host
    port = args.port or settings.api_port
    if args.workers > 1:
        if args.chain_id is not None or args.ledger is not None:
            print(
                "flowmarket serve: error: --workers > 1 takes the domain from the deployment file"
            )
            return 2
        load_domain(settings.deployment_file)  # fail here, not in every worker
        uvicorn.run(
            "flowmarket.backend.serve:app_from_settings",
            factory=True,
            host=host,
            port=port,
            workers=args.workers,
            log_level="info",
        )
        return 0
    domain = None
    if args.chain_id is not None or args.ledger is not None:
        if args.chain_id is None or args.ledger is None:
            print("flowmarket serve: error: --chain-id and --ledger go together")
            return 2
        domain = Domain(args.chain_id, args.ledger)
    uvicorn.run(build_app(settings, engine=engine, domain=domain), host=host, port=port)
    return 0
