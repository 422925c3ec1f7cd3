"""What the on-chain commands share: the wallet and API options, printing a plan (facts,
transactions, gas), asking before sending (`--yes` skips it) and printing the receipts.

`flowmarket collateral|settlement|revenue|governance` build their plans in
`flowmarket.actions`; this module only talks to the person at the terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from web3.types import TxReceipt

from flowmarket.actions.actor import Actor
from flowmarket.actions.plan import Plan, Step
from flowmarket.chain.market import Market, connect_market
from flowmarket.cli.wallet import add_wallet_arguments, read_password, wallet_dir
from flowmarket.client.participant_client import ApiReader
from flowmarket.client.wallets import keystore_address, load_account
from flowmarket.config import Settings
from flowmarket.errors import ActionRefused

GWEI = 10**9


def add_send_arguments(parser: argparse.ArgumentParser) -> None:
    """--wallet, --password-file, --api and --yes."""
    add_wallet_arguments(parser)
    parser.add_argument("--yes", action="store_true", help="send without asking")


def add_read_arguments(parser: argparse.ArgumentParser) -> None:
    """--wallet (whose address is read; no password), --address, --api."""
    parser.add_argument("--wallet", default="default", help="keystore name (default: default)")
    parser.add_argument("--address", help="read this account instead of the wallet's")
    parser.add_argument("--api", help="API base URL (default: settings.effective_api_url)")


def open_signer(args: argparse.Namespace, settings: Settings) -> tuple[Actor, Market]:
    """Unlock the keystore and connect to the market as its key."""
    account = load_account(wallet_dir(settings), args.wallet, read_password(args))
    market = connect_market(settings, key=account.key.hex())
    return Actor.of(market), market


def open_watcher(args: argparse.Namespace, settings: Settings) -> Actor:
    """The account of --address or of the keystore, read without a key."""
    address = args.address or keystore_address(wallet_dir(settings), args.wallet)
    return Actor.watching(settings, address)


@contextmanager
def api(args: argparse.Namespace, settings: Settings) -> Iterator[ApiReader]:
    """The API that serves leaves and proofs (`--api`, else the settings')."""
    reader = ApiReader(args.api or settings.effective_api_url)
    try:
        yield reader
    finally:
        reader.close()


def print_facts(facts: Sequence[tuple[str, str]]) -> None:
    width = max((len(label) for label, _ in facts), default=0)
    for label, value in facts:
        print(f"  {label:<{width}}  {value}")


def _gas(step: Step, index: int, steps: Sequence[Step]) -> str:
    if step.gas is not None:
        return f"gas ≈ {step.gas:,}"
    before = next(k for k, s in enumerate(steps[:index], start=1) if s.function == "approve")
    return f"gas estimated once step {before} is mined"


def print_plan(plan: Plan, gas_price: int) -> None:
    """The plan as the person confirms it."""
    print(f"{plan.action} from {plan.actor}")
    print_facts(plan.facts)
    print("transactions:")
    for k, step in enumerate(plan.steps, start=1):
        call = f"{step.contract}.{step.function}"
        print(f"  {k}. {step.label} ({call}, {_gas(step, k - 1, plan.steps)})")
    cost = plan.known_gas * gas_price / 10**18
    later = any(step.gas is None for step in plan.steps)
    print(
        f"  gas ≈ {plan.known_gas:,}{' + the later steps' if later else ''}, "
        f"≈ {cost:.6g} ETH at {gas_price / GWEI:g} gwei"
    )
    for note in plan.notes:
        print(f"note: {note}")


def confirmed(plan: Plan, *, yes: bool) -> bool:
    """Ask unless --yes; anything but y/yes (or no terminal to ask) is a no."""
    if yes:
        return True
    count = len(plan.steps)
    try:
        answer = input(f"Send {count} transaction{'s' if count > 1 else ''}? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def run_plan(args: argparse.Namespace, plan: Plan, market: Market) -> int:
    """Print, confirm, send; 0 when every transaction was mined, 1 when declined."""
    print_plan(plan, int(market.client.w3.eth.gas_price))
    if not confirmed(plan, yes=args.yes):
        print("nothing sent", file=sys.stderr)
        return 1
    total = len(plan.steps)
    sent = [0]

    def on_sent(step: Step, receipt: TxReceipt) -> None:
        sent[0] += 1
        tx = "0x" + bytes(receipt["transactionHash"]).hex()
        print(f"sent {sent[0]}/{total} {step.label}: {tx} (gas used {int(receipt['gasUsed']):,})")

    print(plan.send(market.client, on_sent=on_sent))
    return 0


def refuse_unless(condition: bool, message: str) -> None:
    """ActionRefused(message) when `condition` is false."""
    if not condition:
        raise ActionRefused(message)
