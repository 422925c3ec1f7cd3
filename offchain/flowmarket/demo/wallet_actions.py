"""The cast acts on chain the way a participant does with `flowmarket`: through the plans
of `flowmarket.actions` (the code the `collateral`, `settlement`, `revenue` and
`governance` commands and the web pages send), each checked against the chain as the
agent and then signed with the agent's key; leaves and proofs come from the demo's API.

- a debtor pays its week itself (`flowmarket settlement pay WEEK`) before the oracle
  pulls the other debits;
- once the week's fees reach the revenue distributor, a holder closes the epoch and
  claims its share (`flowmarket revenue close`, `flowmarket revenue claim`);
- the fee change is proposed, voted, queued and executed with `flowmarket governance
  propose --set-fee-bps`, `vote`, `queue`, `execute` (`demo.governance`).

Every action is recorded (`WalletAction`) for the summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3.types import TxReceipt

from flowmarket.actions import revenue, settlement
from flowmarket.actions.actor import Actor
from flowmarket.actions.plan import Plan, Step
from flowmarket.actions.proofs import ProofSource
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.setup import Cast
from flowmarket.errors import NotFound
from flowmarket.states import LeafStatus


@dataclass(frozen=True)
class WalletAction:
    """One command's plan as an agent sent it: the CLI command it stands for, its
    transactions (contract.function), their gas, and the outcome sentence."""

    agent: str
    command: str
    transactions: tuple[str, ...]
    gas_used: int
    outcome: str


def actor(cast: Cast, agent: str) -> Actor:
    """`agent` as the actor of a plan (its client's node, decoder and address)."""
    client = cast.clients[agent]
    return Actor(client.w3, cast.deployment, cast.artifacts, client.decoder, client.address)


def send(cast: Cast, agent: str, command: str, plan: Plan) -> WalletAction:
    """Sign and send `plan` with `agent`'s key, as `flowmarket <command> --yes` does."""
    receipts: list[tuple[Step, TxReceipt]] = []
    outcome = plan.send(cast.clients[agent], on_sent=lambda s, r: receipts.append((s, r)))
    return WalletAction(
        agent,
        command,
        tuple(f"{step.contract}.{step.function}" for step, _ in receipts),
        sum(int(receipt["gasUsed"]) for _, receipt in receipts),
        outcome,
    )


def largest_debtor(cast: Cast, source: ProofSource, week: int) -> str | None:
    """The agent that owes the most on `week` and has not paid (None when none owes)."""
    owing: list[tuple[int, str]] = []
    for agent in cast.wallets:
        try:
            at = settlement.position(actor(cast, agent), source, week)
        except NotFound:
            continue  # no leaf: it did not trade that week
        if at.amount < 0 and at.status == LeafStatus.UNSETTLED:
            owing.append((at.owed(), agent))
    return max(owing)[1] if owing else None


def pay_week(cast: Cast, source: ProofSource, week: int, emit: EventSink) -> WalletAction | None:
    """The largest debtor of `week` pays it from its wallet (`flowmarket settlement pay`)."""
    debtor = largest_debtor(cast, source, week)
    if debtor is None:
        return None
    plan = settlement.pay_plan(actor(cast, debtor), source, week)
    done = send(cast, debtor, f"settlement pay {week}", plan)
    emit(DemoEvent("wallet", 1, 3, f"{debtor}: {done.outcome}"))
    return done


def claim_revenue(cast: Cast, holder: str, emit: EventSink) -> list[WalletAction]:
    """`holder` closes the open revenue epoch when it holds fees and may close, then
    claims its share of every closed epoch (`flowmarket revenue close`, `claim`)."""
    done: list[WalletAction] = []
    who = actor(cast, holder)
    report = revenue.status(who)
    if report.pending > 0 and who.now() >= report.closes_at:
        done.append(send(cast, holder, "revenue close", revenue.close_plan(who)))
        emit(DemoEvent("wallet", 2, 3, f"{holder}: {done[-1].outcome}"))
    if revenue.status(who).claimable > 0:
        done.append(send(cast, holder, "revenue claim", revenue.claim_plan(who)))
        emit(DemoEvent("wallet", 3, 3, f"{holder}: {done[-1].outcome}"))
    return done
