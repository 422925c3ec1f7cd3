"""`flowmarket serve`: run the participation API (FastAPI + uvicorn)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

import uvicorn

from flowmarket.backend.serve import (
    build_app,
    check_operator_key,
    load_catalogue,
    open_database,
    session_secret,
)
from flowmarket.backend.workers import serve_handed
from flowmarket.chain.deploy import load_deployment
from flowmarket.cli.main import add_command
from flowmarket.collector import settle_for_serving
from flowmarket.config import Settings, export_settings
from flowmarket.signing import Domain

# How long an idle kept-alive connection stays open (uvicorn's default is 5 s). Longer
# than the idle expiry of clients' connection pools (httpx's, and so the CLI's and the
# demo's: 5 s), so the client closes an idle connection first. With both at 5 s, a
# request sent on a connection the server was closing at that moment got no answer:
# measured, 4 of 12,000 batches in 10 minutes at 2,000 orders/s (bench/README.md).
KEEP_ALIVE_S = 65


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "serve",
        description="Serve the HTTP API. The EIP-712 domain comes from the deployment "
        "file unless --chain-id and --ledger are given. Migrations run at start-up.",
    )
    parser.add_argument("--host", help="bind address (default: settings.api_host)")
    parser.add_argument("--port", type=int, help="port (default: settings.api_port)")
    parser.add_argument("--chain-id", type=int, help="EIP-712 chain id (with --ledger)")
    parser.add_argument("--ledger", help="ClearingLedger address (EIP-712 verifyingContract)")
    parser.add_argument("--products", type=Path, help="load this product catalogue (JSON) first")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes; the parent hands each connection to the next worker "
        "(>1 needs the deployment file)",
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="a local test market: allow Hardhat's public development keys as operator key",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # The served host and port are the sign-in domain (challenges name them).
    settings = replace(
        settings,
        api_host=args.host or settings.api_host,
        api_port=args.port or settings.api_port,
        allow_dev_keys=settings.allow_dev_keys or args.dev,
    )
    if args.workers < 1:
        print(f"flowmarket serve: error: --workers: must be at least 1, got {args.workers}")
        return 2
    check_operator_key(settings)  # before the database and the port, like every argument
    engine = open_database(settings.effective_database_url)
    if args.products is not None:
        count = load_catalogue(engine, args.products)
        print(f"loaded {count} products from {args.products}")
    host, port = settings.api_host, settings.api_port
    if args.workers > 1:
        if args.chain_id is not None or args.ledger is not None:
            print(
                "flowmarket serve: error: --workers > 1 takes the domain from the deployment file"
            )
            return 2
        load_deployment(settings).domain()  # fail here, not in every worker
        session_secret(engine)  # created once here, read by every worker
        export_settings(settings, ("api_host", "api_port", "allow_dev_keys"))
        config = uvicorn.Config(
            "flowmarket.backend.serve:app_from_settings",
            factory=True,
            host=host,
            port=port,
            workers=args.workers,
            log_level="info",
            timeout_keep_alive=KEEP_ALIVE_S,
        )
        # The parent hands connections to the workers in turn; 3 if a worker failed to start.
        return serve_handed(config)
    domain = None
    if args.chain_id is not None or args.ledger is not None:
        if args.chain_id is None or args.ledger is None:
            print("flowmarket serve: error: --chain-id and --ledger go together")
            return 2
        domain = Domain(args.chain_id, args.ledger)
    app = build_app(settings, engine=engine, domain=domain)
    settle_for_serving()
    uvicorn.run(app, host=host, port=port, timeout_keep_alive=KEEP_ALIVE_S)
    return 0
