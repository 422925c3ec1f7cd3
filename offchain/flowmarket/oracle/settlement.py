"""Weekly settlement (market.md §6): post the week's root, then settle every leaf.

The week's amounts are the exact sums of the hourly integer net cash flows journaled
by the solve step (`oracle_hour_amounts`, wei strings) and its fees the sum of the
hourly fees, so Σ amounts + fees = 0 exactly; `chain.leaves.settlement_week` builds
the tree the contract verifies. `advance_week` is a non-blocking state machine that
reads the contract's state on every call, so it can be repeated after a crash without
settling anything twice (the contract also refuses a second settlement of a leaf):

1. no root posted → `postSettlementRoot` (totals from the tree);
2. challenge window open → wait;
3. debits first (a credit is paid only from what the week collected): each unsettled
   leaf is executed; a failed pull starts the participant's grace period;
4. defaulted leaves: during the grace the pull is retried (it succeeds once the
   participant fixes its allowance or balance); after it `seize` takes the debt from
   collateral and restricts the participant, whose orders the snapshot then cuts;
5. credits, as far as the collected funds allow; then `forwardFees` to the revenue
   distributor; the week is done when every leaf is settled and the fees forwarded.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from flowmarket.chain.leaves import SettlementWeek, settlement_week
from flowmarket.db import oracle_repo
from flowmarket.db.oracle_tables import OracleWeek
from flowmarket.errors import ChainError, InvalidInput, JournalError, TransactionReverted
from flowmarket.oracle import chain_state, transactions
from flowmarket.oracle.context import OracleContext
from flowmarket.states import JournalStep, LeafStatus, WeekStatus

log = logging.getLogger("flowmarket.oracle")


def week_tree(ctx: OracleContext, week: int) -> SettlementWeek:
    """The week's tree from the stored exact amounts (recorded on first use)."""
    with ctx.session() as session:
        record = oracle_repo.get_week(session, week=week)
        if record is None:
            first, last = ctx.clock.week_hours(week)
            published = oracle_repo.latest_journal_hour(session, steps=(JournalStep.PUBLISHED,))
            if week < 0 or published is None or published < last:
                raise InvalidInput(
                    f"week: week {week} (hours {first}-{last}) is not complete; the last "
                    f"published hour is {published}"
                )
            totals, fees = oracle_repo.week_totals(session, first_hour=first, last_hour=last)
            tree = settlement_week(week, sorted(totals.items()), fees)
            record = OracleWeek(
                week=week,
                root="0x" + tree.root.hex(),
                fees=str(fees),
                amounts={p: str(a) for p, a in tree.amounts.items()},
                status=WeekStatus.OPEN,
                updated_at=time.time(),
            )
            session.add(record)
            session.commit()
            return tree
    return settlement_week(week, [(p, int(a)) for p, a in record.amounts.items()], int(record.fees))


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
    posted = _week_root(ctx, week)
    if posted["root"] == bytes(32):
        call = settlement.functions.postSettlementRoot(
            week, tree.root, tree.total_credits, tree.total_debits, tree.fees
        )
        _send(ctx, call, f"postSettlementRoot({week})", week)
        return WeekStatus.POSTED
    if posted["root"] != tree.root:
        raise ChainError(f"week {week}: the posted root differs from the oracle's")
    if chain_state.chain_time(ctx) < posted["executableAt"]:
        return WeekStatus.CHALLENGE
    for participant, amount in sorted(tree.amounts.items(), key=lambda item: item[1]):
        _settle_leaf(ctx, tree, participant, amount)
    return _finish(ctx, tree)


def _settle_leaf(ctx: OracleContext, tree: SettlementWeek, participant: str, amount: int) -> None:
    functions = ctx.contract("WeeklySettlement").functions
    call = ctx.market.client.call
    week = tree.week
    status = LeafStatus(call(functions.leafStatus(week, participant)))
    if status == LeafStatus.SETTLED:
        return
    execute = functions.executeSettlement(week, participant, amount, tree.proof(participant))
    if status == LeafStatus.UNSETTLED:
        if amount > 0 and amount > _available(ctx, week):
            return  # paid once the debtors' funds are in
        _send(ctx, execute, f"executeSettlement({week}, {participant})", week)
        if LeafStatus(call(functions.leafStatus(week, participant))) == LeafStatus.DEFAULTED:
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


def _finish(ctx: OracleContext, tree: SettlementWeek) -> WeekStatus:
    functions = ctx.contract("WeeklySettlement").functions
    call = ctx.market.client.call
    week = tree.week
    posted = _week_root(ctx, week)
    if not posted["feesForwarded"] and posted["fees"] <= _available(ctx, week):
        _send(ctx, functions.forwardFees(week), f"forwardFees({week})", week)
        posted = _week_root(ctx, week)
    settled = all(
        LeafStatus(call(functions.leafStatus(week, p))) == LeafStatus.SETTLED for p in tree.amounts
    )
    return WeekStatus.DONE if settled and posted["feesForwarded"] else WeekStatus.EXECUTING


def _week_root(ctx: OracleContext, week: int) -> dict[str, Any]:
    raw = ctx.market.client.call(ctx.contract("WeeklySettlement").functions.weekRoot(week))
    names = (
        "root",
        "executableAt",
        "totalCredits",
        "totalDebits",
        "fees",
        "collected",
        "paidOut",
        "feesForwarded",
    )
    return dict(zip(names, raw, strict=True))


def _available(ctx: OracleContext, week: int) -> int:
    w = _week_root(ctx, week)
    return int(w["collected"]) - int(w["paidOut"]) - (int(w["fees"]) if w["feesForwarded"] else 0)


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
