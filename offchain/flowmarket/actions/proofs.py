"""Leaves and proofs from the API, checked against the roots on chain before any use.

The API publishes, for every week the oracle settles, each participant's leaf of the
weekly settlement tree with its Merkle proof (`GET /v1/settlement/weeks/{w}/leaves/{a}`),
and for every hour it posted requirements after, each participant's requirement leaf or
the leaves that prove it has none (`GET /v1/collateral/requirements/{h}/{a}`). Nothing
served is trusted: a settlement leaf must be in the tree whose root and leaf count
`WeeklySettlement.weekRoot` holds, keyed by the actor's address, and its amount must be
the one the API states; a requirement proof is evaluated by the vault itself
(`requirementOf`). `ProofSource` is the API client (CLI) or the server's own storage
(web pages); both hand over the same JSON documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from flowmarket.actions.actor import Actor
from flowmarket.chain.leaves import decode_settlement_value, participant_key
from flowmarket.chain.sorted_tree import Item, verify_item
from flowmarket.errors import CommitmentMismatch, InvalidInput, NotFound


class ProofSource(Protocol):
    """The API's published settlement leaves and requirement proofs (JSON documents)."""

    def settlement_weeks(self) -> list[dict[str, Any]]: ...

    def settlement_leaf(self, week: int, participant: str) -> dict[str, Any]: ...

    def requirement(self, hour: int, participant: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class VerifiedLeaf:
    """The actor's leaf of week `week`, proven against the posted root; amounts in wei
    (negative = the participant pays); `hours` the bitmap of hours it traded in."""

    week: int
    item: Item
    amount: int
    hours: int
    root: bytes


LEAF_FIELDS = {
    "week",
    "participant",
    "root",
    "count",
    "amount",
    "hours",
    "credits_before",
    "debits_before",
    "item",
}


def verified_leaf(actor: Actor, source: ProofSource, week: int) -> VerifiedLeaf:
    """Fetch the actor's leaf of `week` and check it against `weekRoot(week)` on chain."""
    posted = actor.read(actor.contract("WeeklySettlement").functions.weekRoot(week))
    root, count = bytes(posted[0]), int(posted[1])
    if root == bytes(32):
        raise NotFound(f"week {week}: no settlement root is posted on chain yet")
    document = source.settlement_leaf(week, actor.address)
    if set(document) != LEAF_FIELDS:
        raise InvalidInput(f"settlement leaf: expected exactly the fields {sorted(LEAF_FIELDS)}")
    item = Item.from_json(document["item"], field="settlement leaf.item")
    if item.key != participant_key(actor.address):
        raise CommitmentMismatch(f"week {week}: the API served the leaf of another account")
    if not verify_item(root, count, item):
        raise CommitmentMismatch(
            f"week {week}: the leaf the API served is not in the root posted on chain "
            f"(0x{root.hex()}); do not settle with it, and report it to the operator"
        )
    value = decode_settlement_value(item.value)
    if str(value.amount) != str(document["amount"]):
        raise CommitmentMismatch(
            f"week {week}: the API states {document['amount']} wei, its leaf {value.amount}"
        )
    return VerifiedLeaf(week, item, value.amount, value.hours, root)


def requirement_items(actor: Actor, source: ProofSource) -> tuple[int | None, list[Item]]:
    """(hour, items) that prove the actor's requirement against the vault's latest root:
    (None, []) before the oracle's first root (the requirement is 0 then)."""
    hour, _count, root = actor.read(actor.contract("CollateralVault").functions.requirements())
    if bytes(root) == bytes(32):
        return None, []
    document = source.requirement(int(hour), actor.address)
    if int(document.get("hour", -1)) != int(hour):
        raise CommitmentMismatch(
            f"requirements: the API served hour {document.get('hour')}, the vault holds {hour}"
        )
    raw = document.get("items")
    if not isinstance(raw, list):
        raise InvalidInput("requirement proof: items must be a list")
    items = [Item.from_json(item, field=f"requirement.items[{k}]") for k, item in enumerate(raw)]
    return int(hour), items


def proven_requirement(actor: Actor, items: list[Item]) -> int:
    """The requirement (wei) the vault reads from `items` (it reverts on a bad proof)."""
    vault = actor.contract("CollateralVault").functions
    return int(actor.read(vault.requirementOf(actor.address, [i.as_tuple() for i in items])))
