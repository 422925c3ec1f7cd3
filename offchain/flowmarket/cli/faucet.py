"""`flowmarket faucet ADDRESS [--tokens N]`: test ETH and capacity tokens on a local market."""

from __future__ import annotations

import argparse
from typing import Any

from flowmarket.cli.main import add_command
from flowmarket.config import Settings
from flowmarket.local.faucet import Faucet
from flowmarket.money import WAD, parse_tokens


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "faucet",
        description="Fund a fresh wallet on the local market of the state folder "
        "(`flowmarket local up`): 10 ETH from a development account and capacity tokens "
        "minted by the market's supplier. Refused on any chain that is not local.",
    )
    parser.add_argument("address", help="0x address to fund")
    parser.add_argument("--tokens", default="10000", help="capacity tokens to mint (default 10000)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    tokens_wei = parse_tokens(args.tokens, field="--tokens")
    grant = Faucet(settings).give(args.address, tokens_wei)
    print(
        f"sent {grant.eth_wei / WAD:g} ETH and {grant.tokens_wei / WAD:,.18g} capacity tokens "
        f"to {grant.address} on chain {grant.chain_id}"
    )
    return 0
