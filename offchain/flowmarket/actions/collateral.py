"""Collateral in the vault: see it against the requirement, deposit, withdraw, and allow
the weekly settlement to pull debits.

Amounts are capacity-token wei. The requirement is what the vault itself reads from the
proof the API serves against its latest root; the headroom is what a withdrawal may take
now: collateral − requirement, or nothing while the vault records settlement debt.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowmarket.actions.actor import Actor
from flowmarket.actions.plan import Call, Plan, prepare, tokens
from flowmarket.actions.proofs import ProofSource, proven_requirement, requirement_items
from flowmarket.actions.settlement import weeks_in_default
from flowmarket.collateral import CollateralParams, CollateralState, classify
from flowmarket.errors import ActionRefused

VAULT = "CollateralVault"
SETTLEMENT = "WeeklySettlement"


@dataclass(frozen=True)
class CollateralReport:
    """A participant's collateral position, wei. `requirement_hour`: the hour the vault's
    latest requirements follow (None before the first); `debt`: open settlement debt."""

    participant: str
    wallet: int
    collateral: int
    requirement: int
    requirement_hour: int | None
    debt: int
    vault_allowance: int
    settlement_allowance: int
    state: CollateralState

    @property
    def headroom(self) -> int:
        """What a withdrawal may take now, wei."""
        return 0 if self.debt else max(self.collateral - self.requirement, 0)

    def facts(self) -> list[tuple[str, str]]:
        hour = (
            "none posted yet"
            if self.requirement_hour is None
            else f"after hour {self.requirement_hour}"
        )
        return [
            ("account", self.participant),
            ("in your wallet", tokens(self.wallet)),
            ("locked in the vault", tokens(self.collateral)),
            ("requirement", f"{tokens(self.requirement)} ({hour})"),
            ("settlement debt", tokens(self.debt)),
            ("headroom (withdrawable)", tokens(self.headroom)),
            ("settlement allowance", tokens(self.settlement_allowance)),
            ("status", f"{self.state.state}: {self.state.message}"),
        ]


def status(actor: Actor, source: ProofSource) -> CollateralReport:
    """Read the actor's collateral, proven requirement, debt and allowances."""
    vault = actor.contract(VAULT).functions
    hour, items = requirement_items(actor, source)
    required = proven_requirement(actor, items) if hour is not None else 0
    collateral = int(actor.read(vault.collateralOf(actor.address)))
    debt = int(actor.read(vault.debtOf(actor.address)))
    params = CollateralParams.from_chain(
        actor.read(actor.contract("MarketParameters").functions.collateralParams())
    )
    restricted = bool(actor.read(actor.contract(SETTLEMENT).functions.isRestricted(actor.address)))
    state = classify(
        actor.address,
        collateral=collateral,
        required=required + debt,
        params=params,
        restricted=restricted,
    )
    return CollateralReport(
        participant=actor.address,
        wallet=actor.token_balance(),
        collateral=collateral,
        requirement=required,
        requirement_hour=hour,
        debt=debt,
        vault_allowance=actor.allowance(VAULT),
        settlement_allowance=actor.allowance(SETTLEMENT),
        state=state,
    )


def deposit_plan(actor: Actor, amount: int) -> Plan:
    """Approve the vault (when its allowance is short) and deposit `amount` wei."""
    if amount <= 0:
        raise ActionRefused("amount: deposit a positive number of tokens")
    wallet = actor.token_balance()
    if wallet < amount:
        raise ActionRefused(
            f"insufficient balance: you hold {tokens(wallet)}, the deposit needs {tokens(amount)}"
        )
    vault = actor.contract(VAULT).functions
    before = int(actor.read(vault.collateralOf(actor.address)))
    calls = []
    if actor.allowance(VAULT) < amount:
        vault_address = actor.address_of(VAULT)
        calls.append(
            Call(
                f"allow the vault to take {tokens(amount)}",
                "CapacityToken",
                "approve",
                (vault_address, amount),
            )
        )
    calls.append(Call(f"deposit {tokens(amount)}", VAULT, "deposit", (amount,)))

    def outcome() -> str:
        after = int(actor.read(vault.collateralOf(actor.address)))
        return f"deposited {tokens(amount)}: {tokens(after)} locked in the vault"

    return prepare(
        actor,
        "collateral deposit",
        facts=[
            ("deposit", tokens(amount)),
            ("locked in the vault", f"{tokens(before)} → {tokens(before + amount)}"),
            ("in your wallet", f"{tokens(wallet)} → {tokens(wallet - amount)}"),
        ],
        calls=calls,
        outcome=outcome,
    )


def withdraw_plan(actor: Actor, source: ProofSource, amount: int) -> Plan:
    """Withdraw `amount` wei with the proof of the actor's requirement."""
    if amount <= 0:
        raise ActionRefused("amount: withdraw a positive number of tokens")
    report = status(actor, source)
    if report.debt:
        raise ActionRefused(blocked_by_debt(actor, report.debt))
    if amount > report.headroom:
        raise ActionRefused(
            f"withdrawal refused: {tokens(amount)} is more than your headroom of "
            f"{tokens(report.headroom)} ({tokens(report.collateral)} locked, requirement "
            f"{tokens(report.requirement)})"
        )
    _, items = requirement_items(actor, source)
    proof = [item.as_tuple() for item in items]
    vault = actor.contract(VAULT).functions

    def outcome() -> str:
        after = int(actor.read(vault.collateralOf(actor.address)))
        return f"withdrew {tokens(amount)}: {tokens(after)} left in the vault"

    return prepare(
        actor,
        "collateral withdraw",
        facts=[
            ("withdraw", tokens(amount)),
            (
                "locked in the vault",
                f"{tokens(report.collateral)} → {tokens(report.collateral - amount)}",
            ),
            ("requirement", tokens(report.requirement)),
        ],
        calls=[Call(f"withdraw {tokens(amount)}", VAULT, "withdraw", (amount, proof))],
        outcome=outcome,
    )


def approve_settlement_plan(actor: Actor, amount: int) -> Plan:
    """Allow the weekly settlement to pull up to `amount` wei of debits (UNLIMITED: any)."""
    current = actor.allowance(SETTLEMENT)
    if current == amount:
        raise ActionRefused(f"the settlement allowance is already {tokens(amount)}")
    spender = actor.address_of(SETTLEMENT)
    return prepare(
        actor,
        "collateral approve-settlement",
        facts=[("settlement allowance", f"{tokens(current)} → {tokens(amount)}")],
        calls=[
            Call(
                f"allow weekly settlement to pull {tokens(amount)}",
                "CapacityToken",
                "approve",
                (spender, amount),
            )
        ],
        outcome=lambda: f"settlement allowance is now {tokens(actor.allowance(SETTLEMENT))}",
    )


def blocked_by_debt(actor: Actor, debt: int) -> str:
    """The refusal of a withdrawal while the vault records `debt` wei: which weeks and how."""
    weeks = weeks_in_default(actor)
    if not weeks:
        return f"withdrawal blocked: {tokens(debt)} owed to weekly settlement"
    owed = ", ".join(f"{tokens(amount)} for week {week}" for week, amount in weeks)
    first = weeks[0][0]
    return f"withdrawal blocked: {owed} owed; pay with `flowmarket settlement pay {first}`"
