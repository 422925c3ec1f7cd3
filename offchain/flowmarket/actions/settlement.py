"""Weekly settlement from the participant's side: see its leaf of each posted week, pay a
debit, cure a default during its grace period, collect a credit.

Every leaf comes from the API and is proven against the root on chain first
(`proofs.verified_leaf`). Paying pulls the debit through the participant's allowance
to `WeeklySettlement`; a pull that fails does not revert but records a default, so a
payment is refused here unless the wallet holds the amount, and the allowance is raised
first when it is short. Amounts are capacity-token wei, negative = the participant pays.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowmarket.actions.actor import Actor
from flowmarket.actions.plan import Call, Plan, prepare, tokens
from flowmarket.actions.proofs import ProofSource, VerifiedLeaf, verified_leaf
from flowmarket.chain.revert_messages import utc
from flowmarket.errors import ActionRefused, NotFound
from flowmarket.states import LeafStatus

SETTLEMENT = "WeeklySettlement"


@dataclass(frozen=True)
class WeekPosition:
    """The actor's leaf of one week and what the contract recorded for it (wei, Unix s)."""

    leaf: VerifiedLeaf
    status: LeafStatus
    done: int  # paid on a credit, collected on a debit
    outstanding: int  # what a defaulted debit still owes
    executable_at: int
    grace_ends_at: int  # 0 unless defaulted
    credit_due: int  # what executing a credit pays now

    @property
    def week(self) -> int:
        return self.leaf.week

    @property
    def amount(self) -> int:
        return self.leaf.amount

    def owed(self) -> int:
        """What paying now would pull, wei (0 for a credit or a settled leaf)."""
        if self.amount >= 0 or self.status == LeafStatus.SETTLED:
            return 0
        return self.outstanding if self.status == LeafStatus.DEFAULTED else -self.amount

    def next_step(self, now: int) -> str:
        """What the participant can do about this week now."""
        if self.status == LeafStatus.SETTLED:
            return "settled"
        if now < self.executable_at:
            return f"challenge window open until {utc(self.executable_at)}"
        if self.amount < 0:
            grace = f" (grace until {utc(self.grace_ends_at)})" if self.grace_ends_at else ""
            return f"pay {tokens(self.owed())}{grace}: `flowmarket settlement pay {self.week}`"
        if self.credit_due:
            return f"collect {tokens(self.credit_due)}: `flowmarket settlement collect {self.week}`"
        return "nothing due until the week collects more from its debtors"

    def facts(self, now: int) -> list[tuple[str, str]]:
        kind = "you pay" if self.amount < 0 else "you receive"
        return [
            ("week", str(self.week)),
            ("amount", f"{tokens(abs(self.amount))} ({kind})"),
            ("leaf", f"index {self.leaf.item.index}, proven against root 0x{self.leaf.root.hex()}"),
            ("status", self.status.name.lower()),
            ("paid so far" if self.amount > 0 else "collected so far", tokens(self.done)),
            ("next", self.next_step(now)),
        ]


def position(actor: Actor, source: ProofSource, week: int) -> WeekPosition:
    """The actor's proven leaf of `week` with the contract's record of it."""
    leaf = verified_leaf(actor, source, week)
    functions = actor.contract(SETTLEMENT).functions
    record = actor.read(functions.leafRecord(week, actor.address))
    status = LeafStatus(int(record[1]))
    due = 0
    if leaf.amount > 0 and status != LeafStatus.SETTLED:
        due = int(actor.read(functions.creditDue(week, actor.address, leaf.amount)))
    return WeekPosition(
        leaf=leaf,
        status=status,
        done=int(record[5]),
        outstanding=int(record[6]),
        executable_at=int(actor.read(functions.executableAt(week))),
        grace_ends_at=int(actor.read(functions.graceEndsAt(week, actor.address))),
        credit_due=due,
    )


def positions(actor: Actor, source: ProofSource) -> list[WeekPosition]:
    """Every posted week in which the actor has a leaf, oldest first."""
    found = []
    for week in sorted(int(w["week"]) for w in source.settlement_weeks()):
        try:
            found.append(position(actor, source, week))
        except NotFound:
            continue  # no leaf of the actor's, or not posted on chain yet
    return found


def _executable(actor: Actor, week: WeekPosition) -> None:
    if actor.now() < week.executable_at:
        raise ActionRefused(
            f"week {week.week}'s root is in its challenge window until "
            f"{utc(week.executable_at)}: it can be settled from then"
        )


def pay_plan(actor: Actor, source: ProofSource, week: int) -> Plan:
    """Pay the actor's debit of `week` (or cure its default): allowance, then execute."""
    at = position(actor, source, week)
    if at.amount >= 0:
        raise ActionRefused(
            f"week {week} owes you {tokens(at.amount)}, you owe nothing: collect it with "
            f"`flowmarket settlement collect {week}`"
        )
    if at.status == LeafStatus.SETTLED:
        raise ActionRefused(f"week {week} is paid: {tokens(at.done)} collected from you")
    _executable(actor, at)
    owed, wallet = at.owed(), actor.token_balance()
    if wallet < owed:
        raise ActionRefused(
            f"insufficient balance: you hold {tokens(wallet)}, week {week} needs {tokens(owed)}"
        )
    calls = []
    if actor.allowance(SETTLEMENT) < owed:
        spender = actor.address_of(SETTLEMENT)
        calls.append(
            Call(
                f"allow weekly settlement to pull {tokens(owed)}",
                "CapacityToken",
                "approve",
                (spender, owed),
            )
        )
    label = "cure the default of" if at.status == LeafStatus.DEFAULTED else "pay"
    calls.append(
        Call(
            f"{label} week {week}: {tokens(owed)}",
            SETTLEMENT,
            "executeSettlement",
            (week, at.leaf.item.as_tuple()),
        )
    )
    now = actor.now()
    notes = []
    if at.status == LeafStatus.DEFAULTED and now >= at.grace_ends_at:
        notes.append(
            f"the grace period ended at {utc(at.grace_ends_at)}: anyone may now seize the "
            "debt from your collateral"
        )

    def outcome() -> str:
        after = position(actor, source, week)
        return f"week {week}: {after.status.name.lower()}, {tokens(after.done)} paid"

    return prepare(
        actor,
        "settlement pay",
        facts=[
            *at.facts(now),
            ("paying now", tokens(owed)),
            ("in your wallet", f"{tokens(wallet)} → {tokens(wallet - owed)}"),
        ],
        calls=calls,
        notes=notes,
        outcome=outcome,
    )


def collect_plan(actor: Actor, source: ProofSource, week: int) -> Plan:
    """Collect what is due now on the actor's credit of `week`."""
    at = position(actor, source, week)
    if at.amount <= 0:
        what = f"you owe {tokens(-at.amount)}" if at.amount else "your leaf is zero"
        hint = f": pay it with `flowmarket settlement pay {week}`" if at.amount else ""
        raise ActionRefused(f"week {week} has no credit for you ({what}){hint}")
    if at.status == LeafStatus.SETTLED:
        raise ActionRefused(f"week {week}'s credit of {tokens(at.amount)} is collected in full")
    _executable(actor, at)
    if at.credit_due == 0:
        raise ActionRefused(
            f"nothing is due on week {week} yet: {tokens(at.done)} of {tokens(at.amount)} paid; "
            "collect again once the week's debtors have paid"
        )
    debt = int(actor.read(actor.contract(SETTLEMENT).functions.debtOf(actor.address)))
    notes = (
        [f"{tokens(min(debt, at.credit_due))} of it first pays down your open debt"] if debt else []
    )

    def outcome() -> str:
        after = position(actor, source, week)
        return f"week {week}: {tokens(after.done)} of {tokens(at.amount)} collected"

    return prepare(
        actor,
        "settlement collect",
        facts=[*at.facts(actor.now()), ("collecting now", tokens(at.credit_due))],
        calls=[
            Call(
                f"collect {tokens(at.credit_due)} of week {week}",
                SETTLEMENT,
                "executeSettlement",
                (week, at.leaf.item.as_tuple()),
            )
        ],
        notes=notes,
        outcome=outcome,
    )


def weeks_in_default(actor: Actor) -> list[tuple[int, int]]:
    """[(week, outstanding wei)] of the actor's defaulted debits, oldest first."""
    settlement = actor.contract(SETTLEMENT)
    logs = settlement.events.SettlementPullFailed.get_logs(
        from_block=actor.deployment.block_number, argument_filters={"participant": actor.address}
    )
    weeks = sorted({int(log["args"]["week"]) for log in logs})
    owed = [
        (w, int(actor.read(settlement.functions.outstandingOf(w, actor.address)))) for w in weeks
    ]
    return [(w, amount) for w, amount in owed if amount > 0]
