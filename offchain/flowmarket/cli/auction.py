"""`flowmarket auction ...`: bid in primary capacity auctions, follow and verify them.

Bidders (wallet, through the API): `bid` (a clock round's demand schedules), `package`
(a sealed expansion bid), `status`, `results`, `pay` (an award, on chain), `verify`
(replay an auction from its published signed bids). The auctioneer's commands (`create`,
`open`, `close-round`, `commit`, `credit`) are in `auction_operator`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from flowmarket.cli import auction_operator
from flowmarket.cli.main import add_command
from flowmarket.cli.wallet import add_wallet_arguments, open_client, read_password, wallet_dir
from flowmarket.client.auction_client import AuctionClient, published_record
from flowmarket.config import Settings
from flowmarket.errors import FieldError


def parse_schedules(items: list[str]) -> dict[str, list[tuple[float, float]]]:
    """["P=10:8,11:6", ...] → {P: [(price, GB), ...]}."""
    out: dict[str, list[tuple[float, float]]] = {}
    for k, item in enumerate(items):
        product, sep, points = item.rpartition("=")
        if not sep or not product:
            raise FieldError(f"--demand[{k}]", f"expected PRODUCT=PRICE:GB,..., got {item!r}")
        schedule = []
        for point in points.split(","):
            price, colon, quantity = point.partition(":")
            try:
                schedule.append((float(price), float(quantity)))
            except ValueError:
                raise FieldError(f"--demand[{k}]", f"expected PRICE:GB, got {point!r}") from None
            if not colon:
                raise FieldError(f"--demand[{k}]", f"expected PRICE:GB, got {point!r}")
        out[product] = schedule
    return out


def parse_legs(items: list[str]) -> dict[str, float]:
    """["A=40", "C=40"] → {A: 40.0, C: 40.0} (GB per hour)."""
    out: dict[str, float] = {}
    for k, item in enumerate(items):
        leg, sep, capacity = item.partition("=")
        try:
            out[leg] = float(capacity)
        except ValueError:
            raise FieldError(f"--leg[{k}]", f"expected LEG=GBH, got {item!r}") from None
        if not sep or not leg:
            raise FieldError(f"--leg[{k}]", f"expected LEG=GBH, got {item!r}")
    return out


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "auction")
    commands = parser.add_subparsers(dest="auction_command", metavar="ACTION", required=True)
    bid = commands.add_parser("bid", help="sign and send a clock round's demand schedules")
    bid.add_argument("name")
    bid.add_argument(
        "--demand", action="append", default=[], metavar="PRODUCT=PRICE:GB,...",
        help="one product's schedule over the round's interval (repeat per product; a "
        "product left out is demanded at 0)",
    )  # fmt: skip
    bid.add_argument("--round", type=int, help="round number (default: the open round)")
    bid.add_argument("--revision", type=int, help="default: one above your last this round")
    package = commands.add_parser("package", help="sign and send a sealed package bid")
    package.add_argument("name")
    package.add_argument("--amount", type=float, required=True, help="tokens, for the package")
    package.add_argument("--leg", action="append", default=[], metavar="LEG=GBH", required=True)
    package.add_argument("--revision", type=int)
    status = commands.add_parser("status", help="the auction, its open round, each round")
    results = commands.add_parser("results", help="prices, awards, payments, commitment")
    verify = commands.add_parser("verify", help="replay an auction from its published bids")
    verify.add_argument("--no-chain", action="store_true", help="skip the on-chain roots")
    pay = commands.add_parser("pay", help="pay your award on chain (approve + payAward)")
    for sub in (status, results, verify, pay):
        sub.add_argument("name")
    for sub in (status, results, verify):
        sub.add_argument("--api", help="API base URL (default: settings.effective_api_url)")
    for sub in (bid, package, pay):
        add_wallet_arguments(sub)
    bid.set_defaults(handler=run_bid)
    package.set_defaults(handler=run_package)
    status.set_defaults(handler=run_status)
    results.set_defaults(handler=run_results)
    verify.set_defaults(handler=run_verify)
    pay.set_defaults(handler=run_pay)
    auction_operator.register(commands)


def _print(document: Any) -> None:
    print(json.dumps(document, indent=2))


def run_bid(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        answer = AuctionClient(client).bid(
            args.name, parse_schedules(args.demand), round_=args.round, revision=args.revision
        )
    finally:
        client.close()
    bid = answer["bid"]
    print(f"bid {bid['bid_hash']} accepted: round {bid['round']}, revision {bid['revision']}")
    return 0


def run_package(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        answer = AuctionClient(client).package(
            args.name, args.amount, parse_legs(args.leg), revision=args.revision
        )
    finally:
        client.close()
    print(f"package {answer['bid']['bid_hash']} accepted: revision {answer['bid']['revision']}")
    return 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    record = published_record(
        args.api or settings.effective_api_url, args.name, parts=("auction", "rounds")
    )
    _print(record)
    return 0


def run_results(args: argparse.Namespace, settings: Settings) -> int:
    record = published_record(args.api or settings.effective_api_url, args.name, parts=("results",))
    _print(record["results"])
    return 0


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    from flowmarket.auctioneer.onchain import roots_on_chain
    from flowmarket.auctioneer.replay import replay_published
    from flowmarket.chain.deploy import load_deployment

    record = published_record(args.api or settings.effective_api_url, args.name)
    results = record["results"]
    report = replay_published(
        record["auction"]["spec"], record["rounds"], record["bids"], results["result"],
        load_deployment(settings).domain(),
    )  # fmt: skip
    commitment = results.get("commitment")
    if commitment is not None:
        published = (commitment["awards_root"], commitment["bids_root"])
        if published != (report.awards_root, report.bids_root):
            report.mismatches.append("the published roots are not the replayed ones")
        if not args.no_chain and roots_on_chain(settings, args.name) != published:
            report.mismatches.append("the roots on chain are not the published ones")
    print(f"{report.bids} signed bids, {report.rounds} rounds replayed")
    print(f"bids root {report.bids_root}, awards root {report.awards_root or '-'}")
    for mismatch in report.mismatches:
        print(f"MISMATCH: {mismatch}")
    print("verified" if report.ok else "NOT verified")
    return 0 if report.ok else 1


def run_pay(args: argparse.Namespace, settings: Settings) -> int:
    from flowmarket.auctioneer.onchain import pay_award
    from flowmarket.chain.market import connect_market
    from flowmarket.client.wallets import load_account

    account = load_account(wallet_dir(settings), args.wallet, read_password(args))
    record = published_record(args.api or settings.effective_api_url, args.name, parts=("results",))
    market = connect_market(settings, key=account.key.hex())
    paid = pay_award(market, args.name, record["results"]["result"])
    print(f"paid {paid / 10**18:g} capacity tokens for your award in {args.name}")
    return 0
