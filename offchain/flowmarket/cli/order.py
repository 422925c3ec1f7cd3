"""`flowmarket order submit|cancel|list`: signed orders through the API.

`--kind` places a non-convex order (docs/nonconvex.md), signed alone as a
`NonConvexOrder`: `all_or_nothing` (`--quantity`, `--price`, no curve: e.g. an event's six
hours as one block, `--portfolio fwd-h:…T18=1,…,fwd-h:…T23=1`), `min_fill` (`--curve`,
`--min-quantity`) or `startup` (`--curve`, `--fixed-cost`). `order list` shows each
order's kind and, for a non-convex one, the hours that accepted or rejected it.

`--named NAME[*WEIGHT]:PRODUCT=WEIGHT,...` (repeated, instead of `--portfolio`) places one
curve over several named portfolios (docs/portfolios.md), signed alone as a
`PortfolioOrder`: "up to 1 GB/h of east and west together at up to 5" is
`--named east:premium-east=1 --named west:premium-west=1 --curve 0:5,1:5`. WEIGHT (default
1) is the portfolio's weight in the curve's quantity; `order list` shows each hour's
rate of every portfolio.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from flowmarket.cli.main import add_command
from flowmarket.cli.order_file import OrderDraft, read_order_file
from flowmarket.cli.wallet import add_wallet_arguments, open_client
from flowmarket.client.participant_client import ParticipantClient
from flowmarket.config import Settings
from flowmarket.errors import FieldError
from flowmarket.signing import NamedPortfolio, NonConvexTerms, OrderMessage

KIND_OPTIONS = {
    "curve": (),
    "all_or_nothing": ("quantity", "price"),
    "min_fill": ("min_quantity",),
    "startup": ("fixed_cost",),
}


def parse_portfolio(text: str) -> dict[str, float]:
    """ "premium-eu=1,regular-eu=-0.5" → {product: weight}."""
    out: dict[str, float] = {}
    for k, item in enumerate(part for part in text.split(",") if part.strip()):
        name, sep, weight = item.partition("=")
        if not sep or not name.strip():
            raise FieldError(f"--portfolio[{k}]", f"expected PRODUCT=WEIGHT, got {item!r}")
        try:
            out[name.strip()] = float(weight)
        except ValueError:
            raise FieldError(f"--portfolio[{k}]", f"weight {weight!r} is not a number") from None
    return out


def parse_named(texts: list[str]) -> tuple[NamedPortfolio, ...]:
    """["east:premium-east=1", "west*0.5:premium-west=1"] → the named portfolios."""
    out: list[NamedPortfolio] = []
    for k, text in enumerate(texts):
        head, sep, products = text.partition(":")
        name, star, weight = head.partition("*")
        if not sep or not name.strip() or not products.strip():
            raise FieldError(
                f"--named[{k}]", f"expected NAME[*WEIGHT]:PRODUCT=WEIGHT,..., got {text!r}"
            )
        try:
            value = float(weight) if star else 1.0
        except ValueError:
            raise FieldError(f"--named[{k}]", f"weight {weight!r} is not a number") from None
        try:
            parsed = parse_portfolio(products)
        except FieldError as exc:
            raise FieldError(f"--named[{k}]", exc.reason) from None
        out.append(NamedPortfolio(name.strip(), value, parsed))
    return tuple(out)


def parse_curve(text: str) -> list[tuple[float, float]]:
    """ "-5:12,10:4" → [(quantity GB/h, price), ...]."""
    points = []
    for k, item in enumerate(part for part in text.split(",") if part.strip()):
        quantity, sep, price = item.partition(":")
        try:
            points.append((float(quantity), float(price)))
        except ValueError:
            raise FieldError(f"--curve[{k}]", f"expected QUANTITY:PRICE, got {item!r}") from None
        if not sep:
            raise FieldError(f"--curve[{k}]", f"expected QUANTITY:PRICE, got {item!r}")
    return points


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "order")
    commands = parser.add_subparsers(dest="order_command", metavar="ACTION", required=True)
    submit = commands.add_parser(
        "submit", help="sign and submit an order, or a file of orders as one signed batch"
    )
    submit.add_argument(
        "--file",
        type=Path,
        help="a JSON file of orders (and cancels) to sign once and send as one batch "
        "(POST /v1/orders/batch); see `flowmarket.cli.order_file` for its format",
    )
    submit.add_argument("--portfolio", help="PRODUCT=WEIGHT,... (negative sells)")
    submit.add_argument(
        "--named",
        action="append",
        default=[],
        metavar="NAME[*WEIGHT]:PRODUCT=WEIGHT,...",
        help="a named portfolio of one curve over several (repeat; instead of --portfolio): "
        "the curve's quantity is the sum of WEIGHT (default 1) x each portfolio's rate",
    )
    submit.add_argument(
        "--curve",
        help="QUANTITY:PRICE,... in GB/h : tokens/GB; write --curve=-5:12,10:4 when it starts "
        "with a negative quantity",
    )
    submit.add_argument(
        "--kind",
        choices=list(KIND_OPTIONS),
        default="curve",
        help="curve (default) or a non-convex order: all_or_nothing (--quantity, --price), "
        "min_fill (--curve, --min-quantity), startup (--curve, --fixed-cost)",
    )
    submit.add_argument(
        "--quantity", type=float, help="all_or_nothing: GB/h of the portfolio, negative sells"
    )
    submit.add_argument(
        "--price", type=float, help="all_or_nothing: limit price per unit of the portfolio"
    )
    submit.add_argument(
        "--min-quantity", type=float, help="min_fill: the least |GB/h| it trades if it trades"
    )
    submit.add_argument(
        "--fixed-cost", type=float, help="startup: tokens per hour paid if it trades at all"
    )
    submit.add_argument("--from-hour", type=int, help="first delivery hour (default: open hour)")
    submit.add_argument("--until-hour", type=int, help="last delivery hour (default: from-hour)")
    submit.add_argument("--nonce", type=int, help="order nonce (default: the next unused)")
    submit.add_argument("--replaces", help="id of an open order this one replaces")
    cancel = commands.add_parser("cancel", help="sign and send a cancel")
    cancel.add_argument("order_hash")
    listing = commands.add_parser("list", help="your orders (open by default)")
    listing.add_argument("--all", action="store_true", help="include cancelled and expired")
    listing.add_argument("--csv", action="store_true", help="print CSV instead of JSON")
    for sub in (submit, cancel, listing):
        add_wallet_arguments(sub)
    submit.set_defaults(handler=run_submit)
    cancel.set_defaults(handler=run_cancel)
    listing.set_defaults(handler=run_list)


def terms_of(args: argparse.Namespace) -> NonConvexTerms | None:
    """The non-convex terms `--kind` and its options give (None for a curve order); an
    option of another kind, a missing one, or a curve for all_or_nothing is an error."""
    own = KIND_OPTIONS[args.kind]
    for name in ("quantity", "price", "min_quantity", "fixed_cost"):
        option = "--" + name.replace("_", "-")
        given = getattr(args, name, None) is not None
        if given and name not in own:
            raise FieldError(option, f"is not an option of --kind {args.kind}")
        if not given and name in own:
            raise FieldError(option, f"is required with --kind {args.kind}")
    if args.kind == "all_or_nothing" and args.curve:
        raise FieldError("--curve", "an all_or_nothing order has no curve (--quantity, --price)")
    if args.kind != "all_or_nothing" and not args.curve:
        raise FieldError("--curve", f"is required with --kind {args.kind} (or --file)")
    if args.kind == "curve":
        return None
    return NonConvexTerms(args.kind, **{name: getattr(args, name) for name in own})


def run_submit(args: argparse.Namespace, settings: Settings) -> int:
    if args.file is not None:
        if args.portfolio or args.named or args.curve or args.replaces or args.nonce is not None:
            raise FieldError("--file", "give either --file or --portfolio/--curve, not both")
        if args.kind != "curve":
            raise FieldError("--kind", "a file is one signed batch of curve orders")
        return run_submit_file(args, settings)
    if args.portfolio and args.named:
        raise FieldError("--named", "give either --portfolio or --named, not both")
    if not args.portfolio and not args.named:
        raise FieldError("--portfolio", "--portfolio or --named is required (or --file)")
    if args.named and args.kind != "curve":
        raise FieldError("--named", "an order over several portfolios is a curve (--kind curve)")
    terms = terms_of(args)
    portfolio = parse_portfolio(args.portfolio) if args.portfolio else {}
    named = parse_named(args.named) if args.named else None
    curve = parse_curve(args.curve or "")
    client = open_client(args, settings)
    try:
        if args.from_hour is not None or args.until_hour is not None:
            from_hour = args.from_hour if args.from_hour is not None else client.open_hour()
            result = client.submit(
                portfolio=portfolio,
                curve=curve,
                from_hour=from_hour,
                until_hour=args.until_hour if args.until_hour is not None else from_hour,
                nonce=args.nonce,
                replaces=args.replaces,
                terms=terms,
                portfolios=named,
            )
        else:
            result = submit_for_open_hour(
                client, portfolio, curve, args.nonce, args.replaces, terms, named
            )
    finally:
        client.close()
    print(json.dumps(result, indent=2))
    return 0


def submit_for_open_hour(
    client: ParticipantClient,
    portfolio: dict[str, float],
    curve: list[tuple[float, float]],
    nonce: int | None,
    replaces: str | None,
    terms: NonConvexTerms | None = None,
    portfolios: tuple[NamedPortfolio, ...] | None = None,
) -> dict[str, Any]:
    """Submit for the open hour the API names. When that hour closes while the order is
    in flight (the API refuses it as expired, nothing stored, its nonce still unused),
    read the new open hour, sign again and send once more, saying so on stderr; any
    other refusal, or a second expiry, is the caller's error."""
    hour = client.open_hour()
    try:
        return client.submit(
            portfolio=portfolio,
            curve=curve,
            from_hour=hour,
            until_hour=hour,
            nonce=nonce,
            replaces=replaces,
            terms=terms,
            portfolios=portfolios,
        )
    except FieldError as exc:
        if not order_expired(exc, "order"):
            raise
    later = client.open_hour()
    print(
        f"flowmarket order: hour {hour} closed while the order was in flight; "
        f"signed again for the open hour {later} and resubmitted",
        file=sys.stderr,
    )
    return client.submit(
        portfolio=portfolio,
        curve=curve,
        from_hour=later,
        until_hour=later,
        nonce=nonce,
        replaces=replaces,
        terms=terms,
        portfolios=portfolios,
    )


def order_expired(exc: FieldError, where: str) -> bool:
    """Whether the API refused the order at `where` (`order`, `batch.orders[2]`) only because
    its last hour is no longer open (`api.intake.check_window`: "order expired: …")."""
    return exc.field == f"{where}.until_hour" and "order expired:" in exc.reason


def run_submit_file(args: argparse.Namespace, settings: Settings) -> int:
    """Sign every order of the file and its cancels as ONE batch; print the checked answer.
    When the open hour closes while the batch is in flight and the API refuses it only
    because an order whose hours the CLI chose has expired, the batch is signed again
    for the new open hour (the refused batch stored nothing) and sent once more."""
    drafts, cancels = read_order_file(args.file)
    chosen = [
        args.from_hour is None and d.from_hour is None and d.until_hour is None for d in drafts
    ]
    client = open_client(args, settings)
    try:
        open_hour = client.open_hour() if any(d.from_hour is None for d in drafts) else 0
        try:
            result = client.submit_batch(file_orders(client, args, drafts, open_hour), cancels)
        except FieldError as exc:
            if not any(
                c and order_expired(exc, f"batch.orders[{i}]") for i, c in enumerate(chosen)
            ):
                raise
            later = client.open_hour()
            print(
                f"flowmarket order: hour {open_hour} closed while the batch was in flight; "
                f"signed again for the open hour {later} and resubmitted",
                file=sys.stderr,
            )
            result = client.submit_batch(file_orders(client, args, drafts, later), cancels)
    finally:
        client.close()
    print(json.dumps(result, indent=2))
    return 0


def file_orders(
    client: ParticipantClient, args: argparse.Namespace, drafts: list[OrderDraft], open_hour: int
) -> list[OrderMessage]:
    """The file's orders, hours not given read as `open_hour`, nonces not given the next
    unused ones in file order."""
    given = [d.nonce for d in drafts if d.nonce is not None]
    free = max([client.next_nonce(), *(n + 1 for n in given)]) if len(given) < len(drafts) else 0
    orders = []
    for draft in drafts:
        from_hour = args.from_hour if draft.from_hour is None else draft.from_hour
        from_hour = open_hour if from_hour is None else from_hour
        nonce = draft.nonce
        if nonce is None:
            nonce, free = free, free + 1
        orders.append(
            client.order(
                portfolio=draft.portfolio,
                curve=draft.curve,
                from_hour=from_hour,
                until_hour=from_hour if draft.until_hour is None else draft.until_hour,
                nonce=nonce,
                replaces=draft.replaces,
            )
        )
    return orders


def run_cancel(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        result = client.cancel(args.order_hash)
    finally:
        client.close()
    print(json.dumps(result, indent=2))
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    client = open_client(args, settings)
    try:
        result = client.private("orders", csv=args.csv, status="all" if args.all else "open")
    finally:
        client.close()
    print(result if args.csv else json.dumps(result, indent=2), end="\n" if not args.csv else "")
    return 0
