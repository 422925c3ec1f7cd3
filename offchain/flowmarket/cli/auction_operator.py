"""The auctioneer's `flowmarket auction` commands, on the market's database and chain.

`create SPEC.json` → `open` → `close-round` (repeat until the auction has ended; each
round closes once its window has passed) → `commit` (awards and bids roots on chain, as
the oracle) → `credit` (paid clock awards become positions for the next clearing).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from flowmarket.backend.serve import open_database
from flowmarket.config import Settings
from flowmarket.errors import InvalidInput
from flowmarket.money import from_wad

SECONDS_PER_DAY = 86_400


def register(commands: Any) -> None:
    create = commands.add_parser("create", help="(auctioneer) store an auction from its spec")
    create.add_argument(
        "spec", type=Path, help="flowmarket-clock-auction/1 or -expansion-auction/1"
    )
    opened = commands.add_parser("open", help="(auctioneer) open round 1 / the sealed window")
    close = commands.add_parser("close-round", help="(auctioneer) close the open round")
    commit = commands.add_parser("commit", help="(auctioneer) commit the results on chain")
    commit.add_argument(
        "--pay-seconds", type=int, default=SECONDS_PER_DAY, help="payment window (default 1 day)"
    )
    credit = commands.add_parser("credit", help="(auctioneer) credit paid awards to positions")
    credit.add_argument("--hour", type=int, help="position hour (default: the current hour)")
    for sub in (opened, close, commit, credit):
        sub.add_argument("name")
    create.set_defaults(handler=run_create)
    opened.set_defaults(handler=run_open)
    close.set_defaults(handler=run_close_round)
    commit.set_defaults(handler=run_commit)
    credit.set_defaults(handler=run_credit)


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    from flowmarket.auctioneer.lifecycle import create

    try:
        doc = json.loads(args.spec.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{args.spec}: cannot read a JSON auction spec ({exc})") from None
    auction = create(open_database(settings.effective_database_url), doc, now=time.time())
    print(f"auction {auction.name} ({auction.kind}) created; `flowmarket auction open` starts it")
    return 0


def run_open(args: argparse.Namespace, settings: Settings) -> int:
    from flowmarket.auctioneer.lifecycle import open_auction

    auction = open_auction(
        open_database(settings.effective_database_url), args.name, now=time.time()
    )
    print(f"auction {auction.name} is {auction.status}")
    return 0


def run_close_round(args: argparse.Namespace, settings: Settings) -> int:
    from flowmarket.auctioneer.lifecycle import close_round

    auction = close_round(
        open_database(settings.effective_database_url), args.name, now=time.time()
    )
    if auction.result is None:
        print(f"auction {auction.name}: round closed, the next one is open")
    else:
        paid = int(auction.result["total_payments"])
        print(
            f"auction {auction.name} has ended: {len(auction.result['awards'])} winners, "
            f"{from_wad(paid):g} capacity tokens of payments"
        )
    return 0


def run_commit(args: argparse.Namespace, settings: Settings) -> int:
    from flowmarket.auctioneer.onchain import commit_auction
    from flowmarket.chain.market import connect_market

    market = connect_market(settings, key=settings.oracle_key)
    engine = open_database(settings.effective_database_url)
    auction = commit_auction(
        market, engine, args.name, pay_seconds=args.pay_seconds, now=time.time()
    )
    print(
        f"auction {auction.name} committed: awards root {auction.awards_root}, bids root "
        f"{auction.bids_root}, winners pay by {auction.pay_deadline}"
    )
    return 0


def run_credit(args: argparse.Namespace, settings: Settings) -> int:
    from flowmarket.auctioneer.onchain import credit_paid_awards
    from flowmarket.catalogue.hours import SECONDS_PER_HOUR
    from flowmarket.chain.market import connect_market

    now = time.time()
    hour = args.hour if args.hour is not None else int(now // SECONDS_PER_HOUR)
    market = connect_market(settings, key=settings.oracle_key)
    engine = open_database(settings.effective_database_url)
    credited = credit_paid_awards(market, engine, args.name, hour=hour, now=now)
    print(f"credited {len(credited)} paid award(s) to positions: {', '.join(credited) or '-'}")
    return 0
