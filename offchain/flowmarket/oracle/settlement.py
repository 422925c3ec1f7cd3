"""Weekly settlement (market.md §6): post the week's root, then settle every leaf.

The week's amounts are the exact sums of the hourly integer net cash flows journaled
by the solve step (`oracle_hour_amounts`, wei strings) and its fees the sum of the
hourly fees, so Σ amounts + fees = 0 exactly; each leaf also records the hours in which
the participant has an entry (`oracle_repo.week_hours`), which binds it to the hourly
commitments. `chain.leaves.settlement_week` builds the sorted tree the contract
verifies. `advance_week` is a non-blocking state machine that reads the contract's
state on every call, so it can be repeated after a crash without settling anything
twice (the contract also refuses a second settlement of a leaf). The week's leaves are
published as `weeks/<w>.json` beside the hours' publications (`flowmarket verify --week`):

1. no root posted → `postSettlementRoot` (leaf count and totals from the tree);
2. challenge window open → wait;
3. debits first: each unsettled debit is executed; a failed pull starts the
   participant's grace period (and its open debt freezes its collateral);
4. defaulted leaves: during the grace the pull is retried (it succeeds once the
   participant fixes its allowance or balance); after it `seize` takes the debt from
   collateral and restricts the participant, whose orders the snapshot then cuts;
5. credits receive their pro-rata share of what the week collected (executed again
   whenever more is due); `forwardFees` sends the fees' share to the revenue
   distributor. The week is done when every leaf is settled and every fee forwarded.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from flowmarket.chain.leaves import SettlementWeek, settlement_week
from flowmarket.db import oracle_repo
from flowmarket.db.oracle_tables import OracleWeek
from flowmarket.errors import ChainError, InvalidInput, JournalError, TransactionReverted
from flowmarket.oracle import chain_state, transactions
from flowmarket.oracle.context import OracleContext
from flowmarket.oracle.publication import write_week_publication
from flowmarket.states import JournalStep, LeafStatus, WeekStatus

log = logging.getLogger("flowmarket.oracle")


@dataclass(frozen=True)
class PostedWeek:
    """`IWeeklySettlement.WeekRoot` as read from the chain; amounts in wei."""

    root: bytes
    count: int
    posted_at: int
    paused_at_post: int
    total_credits: int
    total_debits: int
    fees: int
    collected: int
    defaulted: int
    paid_out: int
    fees_forwarded: int

    def share(self, amount: int) -> int:
        """amount × collected / totalDebits, floored: a claim's pro-rata share so far."""
        return amount * self.collected // self.total_debits if self.total_debits else 0


def voided_hours(ctx: OracleContext, week: int) -> frozenset[int]:
    """The hours of week `week` that a proven wrong trade voided on chain
    (`SettlementHourVoided`): no root may count them."""
    settlement = ctx.contract("WeeklySettlement")
    logs = ctx.rpc(
        lambda: settlement.events.SettlementHourVoided.get_logs(
            from_block=ctx.market.deployment.block_number, argument_filters={"week": week}
        ),
        what=f"read voided hours of week {week}",
    )
    return frozenset(int(log["args"]["hour"]) for log in logs)


def week_tree(ctx: OracleContext, week: int) -> SettlementWeek:
    """The week's tree from the stored exact amounts (recorded on first use), without the
    hours voided on chain (the record is rebuilt when an hour is voided after it)."""
    first, last = ctx.clock.week_hours(week)
    voided = voided_hours(ctx, week)
    with ctx.session() as session:
        record = oracle_repo.get_week(session, week=week)
        if record is None:
            published = oracle_repo.latest_journal_hour(session, steps=(JournalStep.PUBLISHED,))
            if week < 0 or published is None or published < last:
                raise InvalidInput(
                    f"week: week {week} (hours {first}-{last}) is not complete; the last "
                    f"published hour is {published}"
                )
        hours = oracle_repo.week_hours(session, first_hour=first, last_hour=last, excluded=voided)
        if record is None or voided:
            totals, fees = oracle_repo.week_totals(
                session, first_hour=first, last_hour=last, excluded=voided
            )
            tree = settlement_week(week, sorted(totals.items()), fees, hours)
            if record is not None and record.root == "0x" + tree.root.hex():
                write_week_publication(ctx.settings.state_dir, tree)
                return tree
            root, stored = "0x" + tree.root.hex(), {p: str(a) for p, a in tree.amounts.items()}
            if record is None:
                record = OracleWeek(
                    week=week,
                    root=root,
                    fees=str(fees),
                    amounts=stored,
                    status=WeekStatus.OPEN,
                    updated_at=time.time(),
                )
            else:
                record.root, record.fees, record.amounts = root, str(fees), stored
                record.updated_at = time.time()
            session.add(record)
            session.commit()
            write_week_publication(ctx.settings.state_dir, tree)
            return tree
    amounts = [(p, int(a)) for p, a in record.amounts.items()]
    tree = settlement_week(week, amounts, int(record.fees), hours)
    write_week_publication(ctx.settings.state_dir, tree)
    return tree


def advance_week(ctx: OracleContext, week: int) -> WeekStatus:
    """Do what week `week`'s settlement allows now; returns its status."""
    tree = week_tree(ctx, week)
    status = ctx.rpc(lambda: _advance(ctx, tree), what=f"settle week {week}")
    with ctx.session() as session:
        record = oracle_repo.get_week(session, week=week)
        if record is None:
            raise JournalError(f"week {week}: its settlement record is gone")
        if record.status != status:
            record.status, record.updated_at = status, time.time()
            session.add(record)
            session.commit()
    return status


def _advance(ctx: OracleContext, tree: SettlementWeek) -> WeekStatus:
    settlement = ctx.contract("WeeklySettlement")
    week = tree.week
    posted = read_week(ctx, week)
    if posted.root == bytes(32):
        call = settlement.functions.postSettlementRoot(
            week, tree.root, tree.count, tree.total_credits, tree.total_debits, tree.fees
        )
        _send(ctx, call, f"postSettlementRoot({week})", week)
        return WeekStatus.POSTED
    if posted.root != tree.root:
        raise ChainError(f"week {week}: the posted root differs from the oracle's")
    executable = int(ctx.market.client.call(settlement.functions.executableAt(week)))
    if chain_state.chain_time(ctx) < executable:
        return WeekStatus.CHALLENGE
    for participant, amount in sorted(tree.amounts.items(), key=lambda item: item[1]):
        if amount <= 0:
            _settle_debit(ctx, tree, participant, amount)
    for participant, amount in sorted(tree.amounts.items()):
        if amount > 0:
            _settle_credit(ctx, tree, participant, amount)
    return _finish(ctx, tree)


def _status(ctx: OracleContext, week: int, participant: str) -> LeafStatus:
    functions = ctx.contract("WeeklySettlement").functions
    return LeafStatus(int(ctx.market.client.call(functions.leafStatus(week, participant))))


def _settle_debit(ctx: OracleContext, tree: SettlementWeek, participant: str, amount: int) -> None:
    functions = ctx.contract("WeeklySettlement").functions
    call = ctx.market.client.call
    week = tree.week
    status = _status(ctx, week, participant)
    if status == LeafStatus.SETTLED:
        return
    execute = functions.executeSettlement(week, tree.item(participant).as_tuple())
    if status == LeafStatus.UNSETTLED:
        _send(ctx, execute, f"executeSettlement({week}, {participant})", week)
        if _status(ctx, week, participant) == LeafStatus.DEFAULTED:
            ends = int(call(functions.graceEndsAt(week, participant)))
            ctx.alert(
                "settlement-default",
                f"week {week}: pull of {-amount} wei from {participant} failed; grace until {ends}",
            )
        return
    if chain_state.chain_time(ctx) < int(call(functions.graceEndsAt(week, participant))):
        # Still failing: the participant has until the end of its grace period.
        with contextlib.suppress(TransactionReverted):
            _send(ctx, execute, f"retry pull ({week}, {participant})", week)
        return
    vault = ctx.contract("CollateralVault").functions
    if int(call(vault.collateralOf(participant))) == 0:
        return  # nothing left to seize; the debt stays outstanding and the restriction stays
    _send(ctx, functions.seize(week, participant), f"seize({week}, {participant})", week)
    ctx.alert("settlement-seized", f"week {week}: seized collateral of {participant}; restricted")


def _settle_credit(ctx: OracleContext, tree: SettlementWeek, participant: str, amount: int) -> None:
    """Pay what is due on the credit now (its share of what the week collected)."""
    functions = ctx.contract("WeeklySettlement").functions
    week = tree.week
    if _status(ctx, week, participant) == LeafStatus.SETTLED:
        return
    due = int(ctx.market.client.call(functions.creditDue(week, participant, amount)))
    if due == 0:
        return  # paid again once the week collects more
    execute = functions.executeSettlement(week, tree.item(participant).as_tuple())
    _send(ctx, execute, f"executeSettlement({week}, {participant})", week)


def _finish(ctx: OracleContext, tree: SettlementWeek) -> WeekStatus:
    functions = ctx.contract("WeeklySettlement").functions
    week = tree.week
    posted = read_week(ctx, week)
    if posted.share(posted.fees) > posted.fees_forwarded:
        _send(ctx, functions.forwardFees(week), f"forwardFees({week})", week)
        posted = read_week(ctx, week)
    settled = all(_status(ctx, week, p) == LeafStatus.SETTLED for p in tree.amounts)
    done = settled and posted.fees_forwarded == posted.fees
    return WeekStatus.DONE if done else WeekStatus.EXECUTING


def read_week(ctx: OracleContext, week: int) -> PostedWeek:
    """The week's record on chain."""
    raw: Any = ctx.market.client.call(ctx.contract("WeeklySettlement").functions.weekRoot(week))
    return PostedWeek(bytes(raw[0]), *(int(v) for v in raw[1:]))


def _send(ctx: OracleContext, call: Any, label: str, week: int) -> None:
    receipt = transactions.transact(ctx.market.client, call, label=label)
    log.info(
        label,
        extra={
            "week": week,
            "step": "settlement",
            "tx": "0x" + bytes(receipt["transactionHash"]).hex(),
        },
    )
