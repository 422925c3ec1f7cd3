"""`flowmarket governance list|propose|vote|queue|execute|delegate`: the market's DAO.

`propose` takes typed changes, never calldata: `--set-fee-bps 25`,
`--collateral initial=1500,warning=2500`, `--revenue-split 7000`, `--treasury ADDRESS`,
`--set-oracle ADDRESS`, `--clearing-interval MINUTES` (docs/schedule.md),
`--clearing-engine N` (docs/engine-versions.md),
`--treasury-transfer TO AMOUNT` (capacity tokens), with a
`--description`; each change is simulated as the timelock would make it before anything
is proposed. Raw calls only with `--raw TARGET CALLDATA`. A proposal is named by its id
or a unique leading part of it.
"""

from __future__ import annotations

import argparse
from typing import Any

from flowmarket.actions import governance
from flowmarket.actions.changes import COLLATERAL_KEYS, ProposalChanges
from flowmarket.cli.main import add_command
from flowmarket.cli.onchain import (
    add_read_arguments,
    add_send_arguments,
    open_signer,
    open_watcher,
    print_facts,
    run_plan,
)
from flowmarket.config import Settings
from flowmarket.errors import FieldError
from flowmarket.money import parse_tokens
from flowmarket.states import VoteSupport


def parse_collateral(text: str | None) -> dict[str, int]:
    """ "initial=1500,warning=2500" → {"initial": 1500, "warning": 2500} (basis points)."""
    if text is None:
        return {}
    out: dict[str, int] = {}
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or key not in COLLATERAL_KEYS or not value.strip().isdigit():
            raise FieldError(
                "--collateral",
                f"expected KEY=BPS with KEY in {sorted(COLLATERAL_KEYS)}, got {part!r}",
            )
        out[key] = int(value)
    return out


def parse_raw(items: list[list[str]]) -> tuple[tuple[str, bytes], ...]:
    out = []
    for k, (target, calldata) in enumerate(items):
        try:
            out.append((target, bytes.fromhex(calldata.removeprefix("0x"))))
        except ValueError:
            raise FieldError(f"--raw[{k}]", f"calldata is not hex: {calldata!r}") from None
    return tuple(out)


def changes_of(args: argparse.Namespace) -> ProposalChanges:
    transfers = tuple(
        (to, parse_tokens(amount, field=f"--treasury-transfer[{k}]"))
        for k, (to, amount) in enumerate(args.treasury_transfer)
    )
    return ProposalChanges(
        fee_bps=args.set_fee_bps,
        collateral=parse_collateral(args.collateral),
        holder_share_bps=args.revenue_split,
        treasury=args.treasury,
        oracle=args.set_oracle,
        clearing_interval_s=None if args.clearing_interval is None else args.clearing_interval * 60,
        clearing_engine=args.clearing_engine,
        treasury_transfers=transfers,
        raw=parse_raw(args.raw),
    )


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "governance")
    commands = parser.add_subparsers(dest="governance_command", metavar="ACTION", required=True)
    listing = commands.add_parser("list", help="every proposal with its state and tally")
    add_read_arguments(listing)
    propose = commands.add_parser("propose", help="propose typed changes to the market")
    propose.add_argument("--description", required=True, help="what and why, shown to voters")
    propose.add_argument("--set-fee-bps", type=int, metavar="BPS", help="the market fee")
    propose.add_argument("--collateral", metavar="KEY=BPS,...", help="initial, deviation, warning")
    propose.add_argument("--revenue-split", type=int, metavar="BPS", help="holders' share of fees")
    propose.add_argument("--treasury", metavar="ADDRESS", help="the treasury address")
    propose.add_argument("--set-oracle", metavar="ADDRESS", help="the clearing oracle's address")
    propose.add_argument(
        "--clearing-interval", type=int, metavar="MINUTES",
        help="clear every MINUTES (1-60, dividing an hour) from the next hour boundary",
    )  # fmt: skip
    propose.add_argument(
        "--clearing-engine", type=int, metavar="N",
        help="clear with engine version N from the next hour boundary",
    )  # fmt: skip
    propose.add_argument(
        "--treasury-transfer", nargs=2, action="append", default=[], metavar=("TO", "AMOUNT"),
        help="pay capacity tokens out of the treasury (repeatable)",
    )  # fmt: skip
    propose.add_argument(
        "--raw", nargs=2, action="append", default=[], metavar=("TARGET", "CALLDATA"),
        help="a raw call the timelock makes (only when no typed change fits)",
    )  # fmt: skip
    vote = commands.add_parser("vote", help="vote for, against or abstain")
    vote.add_argument("proposal", help="proposal id, or a unique leading part of it")
    vote.add_argument("support", choices=[s.name.lower() for s in VoteSupport])
    vote.add_argument("--reason", default="", help="a reason recorded with the vote")
    queue = commands.add_parser("queue", help="queue a succeeded proposal in the timelock")
    execute = commands.add_parser("execute", help="execute a queued proposal")
    for sub in (queue, execute):
        sub.add_argument("proposal", help="proposal id, or a unique leading part of it")
    delegate = commands.add_parser("delegate", help="delegate your votes (default: yourself)")
    delegate.add_argument("delegatee", nargs="?", help="address (default: your own)")
    for sub in (propose, vote, queue, execute, delegate):
        add_send_arguments(sub)
    listing.set_defaults(handler=run_list)
    propose.set_defaults(handler=run_propose)
    vote.set_defaults(handler=run_vote)
    queue.set_defaults(handler=run_queue)
    execute.set_defaults(handler=run_execute)
    delegate.set_defaults(handler=run_delegate)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    actor = open_watcher(args, settings)
    found = governance.proposals(actor)
    if not found:
        print("no proposals yet")
    for k, proposal in enumerate(found):
        if k:
            print()
        print_facts(proposal.facts())
    return 0


def run_propose(args: argparse.Namespace, settings: Settings) -> int:
    changes = changes_of(args)
    actor, market = open_signer(args, settings)
    return run_plan(args, governance.propose_plan(actor, changes, args.description), market)


def run_vote(args: argparse.Namespace, settings: Settings) -> int:
    support = VoteSupport[args.support.upper()]
    actor, market = open_signer(args, settings)
    return run_plan(args, governance.vote_plan(actor, args.proposal, support, args.reason), market)


def run_queue(args: argparse.Namespace, settings: Settings) -> int:
    actor, market = open_signer(args, settings)
    return run_plan(args, governance.queue_plan(actor, args.proposal), market)


def run_execute(args: argparse.Namespace, settings: Settings) -> int:
    actor, market = open_signer(args, settings)
    return run_plan(args, governance.execute_plan(actor, args.proposal), market)


def run_delegate(args: argparse.Namespace, settings: Settings) -> int:
    actor, market = open_signer(args, settings)
    return run_plan(args, governance.delegate_plan(actor, args.delegatee), market)
