"""A plan: what an action will do, checked against the chain before anything is signed.

`prepare` estimates every transaction as the actor. A transaction that comes after an
approval in the same plan is estimated only once the approval is mined (its outcome
depends on it: a settlement pull without the allowance would record a default instead
of paying), so its `gas` is None until then. A refusal is raised by the action's own
checks (`ActionRefused`) or by the estimate (`TransactionReverted` with the decoded
error's sentence): either way nothing was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from flowmarket.actions.actor import Actor
from flowmarket.chain.client import ChainClient
from flowmarket.errors import ActionRefused
from flowmarket.money import format_tokens

UNLIMITED = 2**256 - 1  # an allowance that never runs out


def tokens(wei: int) -> str:
    """An amount as a plan shows it: "120.5 tokens" (exact), or "unlimited"."""
    return "unlimited" if wei == UNLIMITED else f"{format_tokens(wei)} tokens"


@dataclass(frozen=True)
class Step:
    """One transaction: `label` says what it does in tokens; `gas` its estimate (None:
    estimated when the steps before it are mined)."""

    label: str
    contract: str
    function: str
    call: ContractFunction
    gas: int | None
    to: str  # the contract's address
    data: str  # the calldata, 0x-hex (what a browser wallet sends)


@dataclass(frozen=True)
class Call:
    """A transaction an action wants: its contract, function name and arguments."""

    label: str
    contract: str
    function: str
    args: tuple[object, ...] = ()


@dataclass(frozen=True)
class Plan:
    """`action` ("collateral deposit"), `facts` shown before confirming (label, value),
    `notes` (warnings that do not stop it), the `steps` in order, and `outcome`, which
    reads the chain after sending and says what changed."""

    action: str
    actor: str
    facts: tuple[tuple[str, str], ...]
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    outcome: Callable[[], str] | None = field(default=None, compare=False)

    @property
    def known_gas(self) -> int:
        return sum(step.gas or 0 for step in self.steps)

    def send(self, signer: ChainClient, *, on_sent: Callable[[Step, TxReceipt], None]) -> str:
        """Sign and send every step in order with `signer` (which must be the actor); each
        is estimated again just before it is sent. Returns the outcome sentence."""
        if signer.address.lower() != self.actor.lower():
            raise ActionRefused(f"this plan is for {self.actor}, the wallet is {signer.address}")
        for step in self.steps:
            receipt = signer.transact(step.call, label=f"{self.action}: {step.label}")
            on_sent(step, receipt)
        return self.outcome() if self.outcome is not None else "done"


def prepare(
    actor: Actor,
    action: str,
    *,
    facts: Sequence[tuple[str, str]],
    calls: Sequence[Call],
    notes: Sequence[str] = (),
    outcome: Callable[[], str] | None = None,
) -> Plan:
    """Build the calls and estimate them as `actor` (see the module's rule on approvals)."""
    if not calls:
        raise ActionRefused(f"{action}: nothing to do")
    steps: list[Step] = []
    after_approval = False
    for call in calls:
        contract = actor.contract(call.contract)
        function = getattr(contract.functions, call.function)(*call.args)
        gas = None if after_approval else actor.estimate(function, label=f"{action}: {call.label}")
        data = contract.encode_abi(call.function, args=list(call.args))
        step = Step(call.label, call.contract, call.function, function, gas, contract.address, data)
        steps.append(step)
        after_approval = after_approval or call.function == "approve"
    return Plan(action, actor.address, tuple(facts), tuple(steps), tuple(notes), outcome)
