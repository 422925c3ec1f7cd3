"""`flowmarket clear`: clear one hour from ORDERS.json (the public verification tool).

Anyone holding a published order set can re-run its clearing:

    flowmarket clear ORDERS.json [--prior PRIOR.json] [--out RESULT.json] [--from-fts]
                                 [--backend cpu|cuda]

Without --out the RESULT.json document is printed; with it, a short summary. With
--from-fts the file is an auction of the flow-trading reference implementation
(`flowmarket.interop.fts`), converted first. --backend cuda runs the Newton stage on an
NVIDIA GPU (`solvers.cuda`): prices within the certificate's tolerances of the CPU's,
not bit for bit, so a commitment is checked with the default.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from flowmarket.cli.jsonfile import read_json_file
from flowmarket.cli.main import add_command
from flowmarket.config import Settings
from flowmarket.errors import InvalidInput
from flowmarket.interop.fts import convert as convert_fts
from flowmarket.solvers.highs_projection import clear_market_document


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = add_command(subparsers, "clear")
    parser.add_argument("orders", type=Path, help="ORDERS.json: products and orders")
    parser.add_argument("--prior", type=Path, help="PRIOR.json: previous prices (tie-break)")
    parser.add_argument("--out", type=Path, help="write RESULT.json here instead of stdout")
    parser.add_argument(
        "--from-fts",
        action="store_true",
        help="ORDERS.json is a flow-trading reference auction file: convert it first",
    )
    parser.add_argument(
        "--backend",
        default="cpu",
        help="where the Newton stage runs: cpu (default) or cuda (an NVIDIA GPU, CuPy)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    orders = read_json_file(args.orders, "orders file")
    if not isinstance(orders, dict):
        raise InvalidInput(f"orders file {args.orders}: expected a JSON object")
    prior = None if args.prior is None else read_json_file(args.prior, "prior file")
    if prior is not None and not isinstance(prior, dict):
        raise InvalidInput(f"prior file {args.prior}: expected a JSON object")
    if args.from_fts:
        orders = convert_fts(orders)
    result = clear_market_document(orders, prior, backend=args.backend)
    text = json.dumps(result, indent=2, allow_nan=False)
    if args.out is None:
        print(text)
        return 0
    args.out.write_text(text + "\n", encoding="utf-8")
    traded = sum(1 for p in result["products"].values() if p["volume"] > 0)
    cert = result["certificate"]
    print(
        f"cleared {len(result['orders'])} orders, {len(result['participants'])} participants: "
        f"{traded}/{len(result['prices'])} products traded, welfare {result['welfare']:.6g}"
    )
    print(
        f"certificate: max imbalance {cert['max_imbalance']:.3g}, "
        f"max order gap {cert['max_order_gap']:.3g}, duality gap {cert['duality_gap']:.3g}"
    )
    if "links" in result:
        full = sum(1 for link in result["links"].values() if link["shadow_price"] > 0)
        print(
            f"network: {len(result['links'])} links, {full} priced, congestion rent "
            f"{result['congestion_rent']:.6g}, transport charge {result['transport_charge']:.6g}"
        )
    print(f"wrote {args.out}")
    return 0
