"""Fee revenue for governance-token holders: see the shares, claim them, close an epoch.

Fees accrue to the `RevenueDistributor`'s open epoch; once its duration has passed,
anyone closes it (the treasury's share goes out, the holders' share becomes claimable)
and each holder claims its pro-rata share of every closed epoch. The distributor's epoch
record is read by the field names of its ABI (`_epoch`), so this module does not depend
on how the share is measured. Amounts in capacity-token wei, times in Unix seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowmarket.actions.actor import Actor
from flowmarket.actions.plan import Call, Plan, prepare, tokens
from flowmarket.chain.revert_messages import utc
from flowmarket.errors import ActionRefused
from flowmarket.money import BPS_DENOMINATOR

DISTRIBUTOR = "RevenueDistributor"


@dataclass(frozen=True)
class EpochShare:
    """A closed epoch: the holders' total and the actor's share (claimable now, or claimed)."""

    epoch: int
    closed_at: int
    holder_amount: int
    claimable: int
    claimed: bool


@dataclass(frozen=True)
class RevenueReport:
    """The distributor's open epoch and the actor's shares of the closed ones."""

    holder: str
    current_epoch: int
    pending: int
    closes_at: int
    holder_share_bps: int
    governance_tokens: int
    epochs: tuple[EpochShare, ...]

    @property
    def claimable(self) -> int:
        return sum(e.claimable for e in self.epochs)

    def facts(self, now: int) -> list[tuple[str, str]]:
        closes = (
            "now (`flowmarket revenue close`)" if now >= self.closes_at else utc(self.closes_at)
        )
        lines = [
            ("account", self.holder),
            ("governance tokens", tokens(self.governance_tokens)),
            ("open epoch", f"{self.current_epoch}: {tokens(self.pending)} of fees so far"),
            ("it can close", closes),
            ("holders' share", f"{self.holder_share_bps / 100:g} % of fees"),
            ("claimable now", tokens(self.claimable)),
        ]
        for e in self.epochs:
            state = "claimed" if e.claimed else f"{tokens(e.claimable)} to claim"
            lines.append((f"epoch {e.epoch}", f"{state} (holders got {tokens(e.holder_amount)})"))
        return lines


def _epoch(actor: Actor, epoch: int) -> dict[str, Any]:
    """The distributor's `Epoch` record of `epoch`, keyed by its ABI field names."""
    contract = actor.contract(DISTRIBUTOR)
    raw = actor.read(contract.functions.epoch(epoch))
    abi = actor.artifacts[DISTRIBUTOR].abi
    [entry] = [e for e in abi if e.get("type") == "function" and e.get("name") == "epoch"]
    names = [c["name"] for c in entry["outputs"][0]["components"]]
    return dict(zip(names, raw, strict=True))


def status(actor: Actor) -> RevenueReport:
    """The open epoch and the actor's share of every closed one it had a share of."""
    functions = actor.contract(DISTRIBUTOR).functions
    current = int(actor.read(functions.currentEpoch()))
    params = actor.contract("MarketParameters").functions
    shares = []
    for epoch in range(current):
        claimed = bool(actor.read(functions.hasClaimed(epoch, actor.address)))
        claimable = int(actor.read(functions.claimable(epoch, actor.address)))
        if claimed or claimable:
            record = _epoch(actor, epoch)
            shares.append(
                EpochShare(
                    epoch, int(record["closedAt"]), int(record["holderAmount"]), claimable, claimed
                )
            )
    return RevenueReport(
        holder=actor.address,
        current_epoch=current,
        pending=int(actor.read(functions.pendingRevenue())),
        closes_at=int(actor.read(functions.epochStartedAt()))
        + int(actor.read(params.revenueEpochDuration())),
        holder_share_bps=int(actor.read(params.holderShareBps())),
        governance_tokens=actor.token_balance("GovernanceToken"),
        epochs=tuple(shares),
    )


def claim_plan(actor: Actor, epoch: int | None = None) -> Plan:
    """Claim the actor's share of `epoch`, or of every closed epoch with one (None)."""
    report = status(actor)
    if epoch is not None and epoch >= report.current_epoch:
        raise ActionRefused(
            f"revenue epoch {epoch} is still open: it can be claimed once closed "
            "(`flowmarket revenue close`)"
        )
    wanted = [e for e in report.epochs if epoch is None or e.epoch == epoch]
    if epoch is not None and wanted and wanted[0].claimed:
        raise ActionRefused(f"your share of revenue epoch {epoch} is already claimed")
    due = [e for e in wanted if e.claimable > 0]
    if not due:
        which = f"epoch {epoch}" if epoch is not None else "any closed epoch"
        raise ActionRefused(f"nothing to claim: {actor.address} has no share of {which}")
    total = sum(e.claimable for e in due)
    wallet = actor.token_balance()

    def outcome() -> str:
        return f"claimed {tokens(total)}: {tokens(actor.token_balance())} in your wallet"

    return prepare(
        actor,
        "revenue claim",
        facts=[
            *((f"epoch {e.epoch}", tokens(e.claimable)) for e in due),
            ("in your wallet", f"{tokens(wallet)} → {tokens(wallet + total)}"),
        ],
        calls=[
            Call(
                f"claim {tokens(e.claimable)} of epoch {e.epoch}", DISTRIBUTOR, "claim", (e.epoch,)
            )
            for e in due
        ],
        outcome=outcome,
    )


def close_plan(actor: Actor) -> Plan:
    """Close the open epoch (anyone may, once its duration has passed)."""
    report = status(actor)
    if actor.now() < report.closes_at:
        raise ActionRefused(
            f"revenue epoch {report.current_epoch} cannot close before {utc(report.closes_at)}"
        )
    holders = report.pending * report.holder_share_bps // BPS_DENOMINATOR  # splitBps's floor
    epoch = report.current_epoch
    return prepare(
        actor,
        "revenue close",
        facts=[
            ("epoch", str(epoch)),
            ("fees in it", tokens(report.pending)),
            ("to holders", tokens(holders)),
            ("to the treasury", tokens(report.pending - holders)),
        ],
        calls=[Call(f"close revenue epoch {epoch}", DISTRIBUTOR, "closeEpoch")],
        outcome=lambda: f"epoch {epoch} closed; its shares can be claimed",
    )
