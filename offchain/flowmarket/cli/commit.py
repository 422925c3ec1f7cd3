"""`flowmarket commit RESULT.json --hour H`: commit a cleared hour to the ledger as the oracle."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from flowmarket.chain.market import connect_market
from flowmarket.cli.jsonfile import read_json_file
from flowmarket.cli.main import add_command
from flowmarket.config import Settings
from flowmarket.oracle.hour_commitment import build_hour_bundle, commit_bundle, entries_document
from flowmarket.oracle.publication import (
    Publication,
    check_result_document,
    write_publication,
)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(subparsers, "commit")
    parser.add_argument("result", type=Path, help="RESULT.json written by `flowmarket clear`")
    parser.add_argument("--hour", type=int, required=True, help="hour index to commit")
    parser.add_argument("--rpc-url", default=None, help="JSON-RPC URL (default: settings)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    result = check_result_document(read_json_file(args.result, "result file"), str(args.result))
    market = connect_market(settings, key=settings.oracle_key, rpc_url=args.rpc_url)
    fee_bps = int(market.client.call(market.contract("MarketParameters").functions.feeBps()))
    bundle = build_hour_bundle(result, hour=args.hour, fee_bps=fee_bps)
    receipt = commit_bundle(market.client, market.contract("ClearingLedger"), bundle)
    path = write_publication(
        settings.state_dir,
        Publication(
            hour=args.hour,
            fee_bps=fee_bps,
            result=result,
            commitment=bundle.commitment.to_json(),
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            entries=entries_document(bundle),
        ),
    )
    c = bundle.commitment
    print(
        f"committed hour {args.hour} in block {receipt['blockNumber']} ({receipt['gasUsed']} gas)"
    )
    print(f"  prices root  0x{c.prices_root.hex()}  ({len(bundle.amounts.prices)} products)")
    print(f"  entries root 0x{c.entries_root.hex()}  ({len(bundle.amounts.trades)} participants)")
    print(f"  orders root  0x{c.orders_root.hex()}  ({len(bundle.order_quantities)} orders)")
    print(f"  fees {c.fees} wei at {fee_bps} bps; publication {path}")
    return 0
