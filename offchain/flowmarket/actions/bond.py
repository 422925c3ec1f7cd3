"""The oracle's bond (`OracleBond`) from anyone's side: how much is staked against its
governed size, and staking more (approve + `stake`). A weekly root is accepted only
while the bond holds its size; each proven wrong root pays the size (or what is left)
to its challenger. Only governance releases a bond; nothing here can take one out.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowmarket.actions.actor import Actor
from flowmarket.actions.plan import Call, Plan, prepare, tokens
from flowmarket.errors import ActionRefused

BOND = "OracleBond"


@dataclass(frozen=True)
class BondState:
    address: str
    bonded: int
    size: int

    @property
    def bonded_enough(self) -> bool:
        return self.bonded >= self.size

    def facts(self) -> list[tuple[str, str]]:
        short = self.size - self.bonded
        state = "yes" if self.bonded_enough else f"no: {tokens(short)} short, roots are refused"
        return [
            ("bond", self.address),
            ("staked", tokens(self.bonded)),
            ("governed size", tokens(self.size)),
            ("accepts roots", state),
            ("a proven wrong root pays", tokens(min(self.size, self.bonded))),
        ]


def bond_state(actor: Actor) -> BondState:
    functions = actor.contract(BOND).functions
    return BondState(
        actor.address_of(BOND),
        int(actor.read(functions.bonded())),
        int(actor.read(functions.size())),
    )


def stake_plan(actor: Actor, amount: int) -> Plan:
    """Approve the bond (when the allowance is short) and stake `amount` wei."""
    if amount <= 0:
        raise ActionRefused("amount: stake a positive number of tokens")
    wallet = actor.token_balance()
    if wallet < amount:
        raise ActionRefused(
            f"insufficient balance: you hold {tokens(wallet)}, need {tokens(amount)}"
        )
    calls = []
    if actor.allowance(BOND) < amount:
        calls.append(
            Call(f"allow the bond to take {tokens(amount)}", "CapacityToken", "approve",
                 (actor.address_of(BOND), amount))
        )  # fmt: skip
    calls.append(Call(f"stake {tokens(amount)}", BOND, "stake", (amount,)))
    before = bond_state(actor)

    def outcome() -> str:
        after = bond_state(actor)
        held = f"{tokens(after.bonded)} of {tokens(after.size)}"
        return f"staked {tokens(amount)}: the bond holds {held}"

    return prepare(actor, "bond stake", facts=before.facts(), calls=calls, outcome=outcome)
