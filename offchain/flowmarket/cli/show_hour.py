"""`flowmarket show-hour H`: read an hour's commitment from the chain and check it."""

from __future__ import annotations

import argparse
from typing import Any

from flowmarket.chain.leaves import product_id
from flowmarket.chain.market import connect_market
from flowmarket.cli.main import add_command
from flowmarket.config import Settings
from flowmarket.errors import CommitmentMismatch
from flowmarket.money import from_wad
from flowmarket.oracle.hour_commitment import build_hour_bundle, read_commitment
from flowmarket.oracle.publication import (
    published_intervals,
    published_orders,
    read_publication,
)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(subparsers, "show-hour")
    parser.add_argument("hour", type=int, help="hour index")
    parser.add_argument("--rpc-url", default=None, help="JSON-RPC URL (default: settings)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    market = connect_market(settings, key=settings.oracle_key, rpc_url=args.rpc_url)
    ledger = market.contract("ClearingLedger")
    onchain = read_commitment(market.client, ledger, args.hour)
    print(f"hour {args.hour} on chain {market.deployment.chain_id} (ledger {ledger.address})")
    print(f"  orders root  0x{onchain.orders_root.hex()}")
    print(f"  prices root  0x{onchain.prices_root.hex()}")
    print(f"  entries root 0x{onchain.entries_root.hex()}")
    print(f"  welfare {from_wad(onchain.welfare):.6f}, volume {from_wad(onchain.volume):.6f} GB")
    print(f"  fees {onchain.fees} wei")
    print(
        f"  certificate: max imbalance {from_wad(onchain.max_imbalance):.3e} GB, "
        f"max order gap {from_wad(onchain.max_order_gap):.3e} GB"
    )
    publication = read_publication(settings.state_dir, args.hour)
    if publication is None:
        print("  no local publication of this hour: roots not re-derived")
        return 0
    bundle = build_hour_bundle(
        publication.result,
        hour=args.hour,
        fee_bps=publication.fee_bps,
        orders=published_orders(settings.state_dir, args.hour),
        order_sets=published_intervals(settings.state_dir, args.hour),
    )
    if bundle.commitment != onchain:
        raise CommitmentMismatch(
            f"hour {args.hour}: the publication does not reproduce the on-chain commitment"
        )
    verify = ledger.functions
    for product, price in sorted(bundle.amounts.prices.items()):
        proof = bundle.prices_tree.proof(bundle.price_leaf(product))
        if not market.client.call(verify.verifyPrice(args.hour, product_id(product), price, proof)):
            raise CommitmentMismatch(f"hour {args.hour}: price of {product} fails its proof")
        print(f"  price {product}: {from_wad(price):.6f} per GB  (proof verified on chain)")
    for participant in sorted(bundle.amounts.trades):
        fields = bundle.entry_fields(participant)
        proof = bundle.entries_tree.proof(bundle.entry_leaf(participant))
        if not market.client.call(verify.verifyEntry(args.hour, *fields, proof)):
            raise CommitmentMismatch(f"hour {args.hour}: entry of {participant} fails its proof")
        print(
            f"  entry {participant}: cash {from_wad(fields[1]):+.6f}, fee {from_wad(fields[2]):.6f}"
            "  (proof verified on chain)"
        )
    return 0
