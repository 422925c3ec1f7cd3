"""The web pages' wallet actions beyond the deposit: withdraw, pay or collect a week,
claim revenue, propose.

Each builds the same plan the `flowmarket` command sends (`flowmarket.actions`), checked
against the chain as the participant, and hands its transactions to the browser's wallet
(`governance_view.plan_out`); the server holds no key. Settlement leaves come from the
server's own published proofs (`ServedProofs`, the documents `GET /v1/settlement/...`
serves) and are proven against the root on chain like the CLI proves the API's.
"""

from __future__ import annotations

from typing import Any

from flowmarket.actions import collateral, governance, revenue, settlement
from flowmarket.actions.actor import Actor
from flowmarket.actions.changes import ProposalChanges
from flowmarket.actions.plan import Plan
from flowmarket.api.settlement_backend import SettlementProofs
from flowmarket.errors import NotFound
from flowmarket.money import parse_tokens
from flowmarket.web.schemas import (
    EpochShareOut,
    ProposalIn,
    RevenueOut,
    SettlementOut,
    WeekOut,
)


class ServedProofs:
    """The API's settlement proofs as the JSON documents its routes serve
    (`actions.proofs.ProofSource`)."""

    def __init__(self, proofs: SettlementProofs | None) -> None:
        self.proofs = proofs

    def _get(self) -> SettlementProofs:
        if self.proofs is None:
            raise NotFound("settlement: this server publishes no settlement proofs")
        return self.proofs

    def settlement_weeks(self) -> list[dict[str, Any]]:
        return [week.model_dump(mode="json") for week in self._get().weeks()]

    def settlement_leaf(self, week: int, participant: str) -> dict[str, Any]:
        return self._get().leaf(week, participant).model_dump(mode="json")

    def requirement(self, hour: int, participant: str) -> dict[str, Any]:
        return self._get().requirement(hour, participant).model_dump(mode="json")


def settlement_out(actor: Actor, proofs: SettlementProofs | None) -> SettlementOut:
    """Every posted week in which the actor has a proven leaf, with what it can do now."""
    now = actor.now()
    weeks = [] if proofs is None else settlement.positions(actor, ServedProofs(proofs))
    return SettlementOut(
        address=actor.address,
        now=now,
        wallet=str(actor.token_balance()),
        weeks=[
            WeekOut(
                week=w.week,
                amount=str(w.amount),
                status=w.status.name.lower(),
                owed=str(w.owed()),
                done=str(w.done),
                credit_due=str(w.credit_due),
                executable_at=w.executable_at,
                grace_ends_at=w.grace_ends_at,
                payable=w.owed() > 0 and now >= w.executable_at,
                collectable=w.amount > 0 and w.credit_due > 0 and now >= w.executable_at,
                next=w.next_step(now),
            )
            for w in weeks
        ],
    )


def pay_plan(actor: Actor, week: int, proofs: SettlementProofs | None) -> Plan:
    return settlement.pay_plan(actor, ServedProofs(proofs), week)


def collect_plan(actor: Actor, week: int, proofs: SettlementProofs | None) -> Plan:
    return settlement.collect_plan(actor, ServedProofs(proofs), week)


def withdraw_plan(actor: Actor, amount: int, proofs: SettlementProofs | None) -> Plan:
    return collateral.withdraw_plan(actor, ServedProofs(proofs), amount)


def revenue_out(actor: Actor) -> RevenueOut:
    report = revenue.status(actor)
    return RevenueOut(
        address=actor.address,
        current_epoch=report.current_epoch,
        pending=str(report.pending),
        closes_at=report.closes_at,
        can_close=actor.now() >= report.closes_at,
        holder_share_bps=report.holder_share_bps,
        governance_tokens=str(report.governance_tokens),
        claimable=str(report.claimable),
        epochs=[
            EpochShareOut(
                epoch=e.epoch,
                closed_at=e.closed_at,
                holder_amount=str(e.holder_amount),
                claimable=str(e.claimable),
                claimed=e.claimed,
            )
            for e in report.epochs
        ],
    )


def changes_of(proposal: ProposalIn) -> ProposalChanges:
    """The typed changes of the page's form (amounts parsed exactly, fields named)."""
    collateral = {
        key: bps
        for key, bps in (
            ("initial", proposal.initial_margin_bps),
            ("deviation", proposal.deviation_margin_bps),
            ("warning", proposal.warning_buffer_bps),
        )
        if bps is not None
    }
    transfers = tuple(
        (t.to, parse_tokens(t.amount, field=f"treasury_transfers[{k}].amount"))
        for k, t in enumerate(proposal.treasury_transfers)
    )
    return ProposalChanges(
        fee_bps=proposal.fee_bps,
        collateral=collateral,
        holder_share_bps=proposal.holder_share_bps,
        clearing_interval_s=(
            None
            if proposal.clearing_interval_minutes is None
            else proposal.clearing_interval_minutes * 60
        ),
        clearing_engine=proposal.clearing_engine,
        treasury=proposal.treasury,
        oracle=proposal.oracle,
        treasury_transfers=transfers,
    )


def propose_plan(actor: Actor, proposal: ProposalIn) -> Plan:
    return governance.propose_plan(actor, changes_of(proposal), proposal.description)
