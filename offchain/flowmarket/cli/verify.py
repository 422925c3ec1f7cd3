"""`flowmarket verify --hour H | --week W` and `flowmarket challenge --week W | --hour H`.

Anyone checks the oracle with only the published record (`--api URL`, or `--files DIR`
holding the publication files) and a node (`--rpc-url`): each hour is re-cleared and its
roots rebuilt and compared with the chain; a week's posted settlement root is compared
with the sums of the committed hourly entries (`actions.verify`). The exit code is 1
when anything differs. `challenge` runs the same check and sends the first difference
the contract can judge as its `WeeklySettlement.challenge*` call: the root is voided and
the oracle's bond paid to the challenger. `challenge --hour H` sends the first fill of
hour H that is off its order's curve at the committed prices (`challengeTrade`), else the
first proof that a product's committed trades do not sum to zero or that a trade line is
not its fill (`challengeBalance`): the hour is void (no weekly root may count it) and the
bond is paid to the challenger.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flowmarket.actions.actor import Actor
from flowmarket.actions.plan import Call, prepare, tokens
from flowmarket.actions.verify import (
    SETTLEMENT,
    HourVerdict,
    PublicApi,
    PublicationFiles,
    PublicRecord,
    WeekVerdict,
    read_posted,
    verify_hour,
    verify_week,
)
from flowmarket.cli.main import add_command
from flowmarket.cli.onchain import add_send_arguments, open_signer, run_plan
from flowmarket.client.participant_client import ApiReader
from flowmarket.config import Settings
from flowmarket.errors import ActionRefused, InvalidInput
from flowmarket.money import from_wad

READER = "0x0000000000000000000000000000000000000001"  # reads need no key


def _add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--week", type=int, help="a settlement week since the genesis hour")
    parser.add_argument("--files", type=Path, help="folder of publication files (hours/, weeks/)")
    parser.add_argument("--rpc-url", help="JSON-RPC URL (default: settings)")


def register(subparsers: Any) -> None:
    verify = add_command(subparsers, "verify")
    verify.add_argument("--hour", type=int, help="an hour index")
    verify.add_argument("--api", help="public API base URL (default: settings)")
    _add_source_arguments(verify)
    verify.set_defaults(handler=run_verify)
    challenge = add_command(subparsers, "challenge")
    challenge.add_argument("--hour", type=int, help="an hour with a fill off its order's curve")
    _add_source_arguments(challenge)
    add_send_arguments(challenge)  # --wallet, --password-file, --api, --yes
    challenge.set_defaults(handler=run_challenge)


@contextmanager
def _source(args: argparse.Namespace, settings: Settings) -> Iterator[PublicRecord]:
    if args.files is not None:
        yield PublicationFiles(args.files)
        return
    reader = ApiReader(args.api or settings.effective_api_url)
    try:
        yield PublicApi(reader)
    finally:
        reader.close()


def _settings(args: argparse.Namespace, settings: Settings) -> Settings:
    return dataclasses.replace(settings, rpc_url=args.rpc_url) if args.rpc_url else settings


def print_hour(verdict: HourVerdict) -> None:
    status = "OK" if verdict.ok else "MISMATCH"
    traded = 0 if verdict.recleared is None else len(verdict.recleared.amounts.trades)
    print(f"hour {verdict.hour}: {status} ({traded} entries re-cleared)")
    if verdict.recleared is not None:
        c = verdict.recleared.commitment
        print(
            f"  certificate: the re-clearing passes the gate; max imbalance "
            f"{from_wad(c.max_imbalance):.3g} GB, max order gap {from_wad(c.max_order_gap):.3g} GB"
        )
    for problem in verdict.problems:
        print(f"  MISMATCH {problem}")
    for note in verdict.notes:
        print(f"  note: {note}")


def print_week(verdict: WeekVerdict) -> None:
    quiet = 0
    for hour in verdict.hours:
        if (
            hour.ok
            and not hour.notes
            and (hour.recleared is None or not hour.recleared.amounts.trades)
        ):
            quiet += 1
            continue
        print_hour(hour)
    print(f"{quiet} more hours: OK, no entries")
    status = "OK" if verdict.ok else "MISMATCH"
    print(f"week {verdict.week}: {status} (posted root 0x{verdict.root.hex()})")
    for problem in verdict.problems:
        print(f"  MISMATCH {problem}")
    for note in verdict.notes:
        print(f"  note: {note}")


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    if (args.hour is None) == (args.week is None):
        raise InvalidInput("verify: give exactly one of --hour H or --week W")
    actor = Actor.watching(_settings(args, settings), READER)
    with _source(args, settings) as source:
        if args.hour is not None:
            hour = verify_hour(actor, source, args.hour)
            print_hour(hour)
            return 0 if hour.ok else 1
        week = verify_week(actor, source, args.week)
    print_week(week)
    return 0 if week.ok else 1


def run_challenge(args: argparse.Namespace, settings: Settings) -> int:
    if (args.hour is None) == (args.week is None):
        raise InvalidInput("challenge: give exactly one of --week W (a root) or --hour H (a trade)")
    actor, market = open_signer(args, _settings(args, settings))
    if args.hour is not None:
        return _challenge_hour(args, settings, actor, market)
    with _source(args, settings) as source:
        verdict = verify_week(actor, source, args.week)
    print_week(verdict)
    if not verdict.faults:
        raise ActionRefused(
            f"week {args.week}: nothing the contract can judge differs; no challenge to send"
        )
    fault = verdict.faults[0]
    size = int(actor.read(actor.contract("OracleBond").functions.size()))
    bonded = int(actor.read(actor.contract("OracleBond").functions.bonded()))
    week = args.week

    def outcome() -> str:
        voided = read_posted(actor, week).root == bytes(32)
        left = int(actor.read(actor.contract("OracleBond").functions.bonded()))
        state = "voided" if voided else "still posted"
        return f"week {week}'s root is {state}; the oracle's bond now holds {tokens(left)}"

    plan = prepare(
        actor,
        f"challenge week {week}",
        facts=[
            ("fault", fault.description),
            ("call", f"{SETTLEMENT}.{fault.function}"),
            ("bond paid to you", tokens(min(size, bonded))),
        ],
        calls=[Call(f"prove: {fault.description}", SETTLEMENT, fault.function, fault.args)],
        outcome=outcome,
    )
    return run_plan(args, plan, market)


def _challenge_hour(args: argparse.Namespace, settings: Settings, actor: Actor, market: Any) -> int:
    hour_index = int(args.hour)
    with _source(args, settings) as source:
        verdict = verify_hour(actor, source, hour_index)
    print_hour(verdict)
    if not verdict.faults:
        raise ActionRefused(
            f"hour {hour_index}: no published fill is off its order's curve and every product "
            "balances; no challenge to send"
        )
    fault = verdict.faults[0]
    size = int(actor.read(actor.contract("OracleBond").functions.size()))
    bonded = int(actor.read(actor.contract("OracleBond").functions.bonded()))

    def outcome() -> str:
        voided = bool(actor.read(actor.contract(SETTLEMENT).functions.isHourVoided(hour_index)))
        left = int(actor.read(actor.contract("OracleBond").functions.bonded()))
        state = "void" if voided else "still counted"
        return f"hour {hour_index} is {state}; the oracle's bond now holds {tokens(left)}"

    plan = prepare(
        actor,
        f"challenge hour {hour_index}",
        facts=[
            ("fault", fault.description),
            ("call", f"{SETTLEMENT}.{fault.function}"),
            ("bond paid to you", tokens(min(size, bonded))),
        ],
        calls=[Call(f"prove: {fault.description}", SETTLEMENT, fault.function, fault.args)],
        outcome=outcome,
    )
    return run_plan(args, plan, market)
