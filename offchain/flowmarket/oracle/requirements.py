"""Collateral requirements: what each participant must keep locked, posted as one root.

A participant's requirement after hour h, in capacity-token wei, is

    margin(position, expected, prices)      (`collateral.requirement`, market.md §6)
  + owed: the cash it owes and has not settled, which is
      Σ over weeks not yet recorded for settlement (the current week, and a complete
        week whose root is not prepared yet) of max(0, −Σ its hourly net cash), plus
      Σ over weeks being settled of its debit when the contract has not executed it yet.

A debit whose pull failed needs no place here: the settlement contract records it as
debt in the vault, which then refuses every withdrawal. Every hour the oracle posts the
root of the sorted tree of the non-zero requirements (`chain.leaves.requirements_tree`)
with `CollateralVault.postRequirements(hour, root, count)`: constant gas, whatever the
number of participants. A participant proves its leaf (or its absence: requirement 0)
when it withdraws. The requirements and their parts go to `<state>/requirements/<h>.json`,
from which anyone rebuilds the tree and the proofs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from sqlmodel import Session

from flowmarket.chain.leaves import requirements_tree
from flowmarket.chain.requirements import Requirement, write_requirements
from flowmarket.collateral import requirement
from flowmarket.db import oracle_repo, results_repo
from flowmarket.money import to_wad
from flowmarket.oracle import chain_state, transactions
from flowmarket.oracle.clock import OracleClock
from flowmarket.oracle.context import OracleContext
from flowmarket.states import LeafStatus

log = logging.getLogger("flowmarket.oracle")


def accrued_debits(
    session: Session,
    clock: OracleClock,
    *,
    through_hour: int,
    pending: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """{participant: wei} owed over the weeks after the last one recorded for settlement,
    up to and including `through_hour`: per week max(0, −Σ hourly net cash).

    pending: the net cash so far of hour `through_hour` + 1, an hour cleared in intervals
    whose earlier intervals are cleared (docs/schedule.md): counted in its week, so a
    later interval's requirements include what the earlier ones left owed."""
    recorded = oracle_repo.latest_week(session)
    first_week = 0 if recorded is None else recorded + 1
    owed: dict[str, int] = {}
    upto = through_hour + 1 if pending else through_hour
    for week in range(first_week, clock.week_of(upto) + 1):
        first, last = clock.week_hours(week)
        totals: dict[str, int] = {}
        if first <= through_hour:
            totals, _ = oracle_repo.week_totals(
                session, first_hour=first, last_hour=min(last, through_hour)
            )
        if pending and first <= upto <= last:
            totals = dict(totals)
            for participant, net in pending.items():
                totals[participant] = totals.get(participant, 0) + net
        for participant, net in totals.items():
            if net < 0:
                owed[participant] = owed.get(participant, 0) - net
    return owed


def unsettled_debits(ctx: OracleContext) -> dict[str, int]:
    """{participant: wei} of debit leaves of weeks being settled that the contract has not
    executed yet (one JSON-RPC batch)."""
    with ctx.session() as session:
        debits = [
            (w.week, p, -int(a))
            for w in oracle_repo.open_weeks(session)
            for p, a in w.amounts.items()
            if int(a) < 0
        ]
    if not debits:
        return {}
    functions = ctx.contract("WeeklySettlement").functions
    with ctx.market.client.w3.batch_requests() as batch:
        for week, participant, _ in debits:
            batch.add(functions.leafStatus(week, participant))
        statuses: list[Any] = list(batch.execute())
    owed: dict[str, int] = {}
    for (_, participant, amount), status in zip(debits, statuses, strict=True):
        if LeafStatus(int(status)) == LeafStatus.UNSETTLED:
            owed[participant] = owed.get(participant, 0) + amount
    return owed


def owed_after(
    ctx: OracleContext, hour: int, *, pending: Mapping[str, int] | None = None
) -> dict[str, int]:
    """{participant: wei} of unsettled cash after hour `hour` (module docstring), and the
    `pending` net cash of the next hour's cleared intervals (`accrued_debits`)."""
    with ctx.session() as session:
        accrued = accrued_debits(session, ctx.clock, through_hour=hour, pending=pending)
    unsettled = ctx.rpc(partial(unsettled_debits, ctx), what="read unsettled debits", hour=hour)
    return {p: accrued.get(p, 0) + unsettled.get(p, 0) for p in set(accrued) | set(unsettled)}


def requirements_after(ctx: OracleContext, hour: int) -> dict[str, Requirement]:
    """Every non-zero requirement after hour `hour`, its positions valued at its prices."""
    owed = owed_after(ctx, hour)
    with ctx.session() as session:
        holders = oracle_repo.all_position_holders(session)
        positions = oracle_repo.positions_of(session, participants=holders)
        expected = oracle_repo.expected_positions(session, participants=holders)
        prices = {
            k: to_wad(v) for k, v in results_repo.prices_before(session, hour=hour + 1).items()
        }
    params = ctx.rpc(
        lambda: chain_state.collateral_params(ctx), what="read collateral params", hour=hour
    )
    margins = {p: requirement(positions[p], expected[p], prices, params) for p in holders}
    everyone: Iterable[str] = set(margins) | set(owed)
    out = {p: Requirement(margins.get(p, 0), owed.get(p, 0)) for p in everyone}
    return {p: r for p, r in sorted(out.items()) if r.total > 0}


def post_requirements(ctx: OracleContext, hour: int) -> None:
    """Post the requirements after `hour` (skipped when the vault already has this hour or
    a later one, or when the root is unchanged since the last post)."""
    vault = ctx.contract("CollateralVault")
    latest_hour, latest_count, latest_root = ctx.rpc(
        lambda: ctx.market.client.call(vault.functions.requirements()),
        what="read requirements",
        hour=hour,
    )
    wanted = requirements_after(ctx, hour)
    write_requirements(ctx.settings.state_dir, hour, wanted)
    tree = requirements_tree({p: r.total for p, r in wanted.items()})
    if bytes(latest_root) != bytes(32) and int(latest_hour) >= hour:
        return
    if bytes(latest_root) == tree.root and int(latest_count) == tree.count:
        return
    call = vault.functions.postRequirements(hour, tree.root, tree.count)
    receipt = ctx.rpc(
        lambda: transactions.transact(ctx.market.client, call, label="postRequirements"),
        what="post requirements",
        hour=hour,
    )
    log.info(
        "requirements posted",
        extra={
            "hour": hour,
            "step": "requirements",
            "tx": "0x" + bytes(receipt["transactionHash"]).hex(),
            "count": tree.count,
        },
    )
