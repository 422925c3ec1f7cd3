"""Bodies of the settlement-proof routes: weekly settlement leaves and requirement proofs.

Amounts are decimal strings of capacity-token wei (no JSON number loses precision);
hashes, keys and values 0x-hex. An `ItemOut` is the contracts' `SortedTree.Item`
(index, key, value, proof): `WeeklySettlement.executeSettlement` and
`CollateralVault.withdraw` take it as it is.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from flowmarket.states import WeekStatus


class ItemOut(BaseModel):
    """A leaf of a sorted Merkle tree with its proof."""

    index: int
    key: str = Field(description="0x-hex: the participant's 20 address bytes")
    value: str = Field(description="0x-hex: the ABI-encoded leaf value")
    proof: list[str] = Field(description="0x-hex sibling hashes, leaf to root")


class SettlementWeekOut(BaseModel):
    """A week the oracle settles: its root, leaf count, totals (wei) and progress."""

    week: int
    root: str
    count: int
    total_credits: str
    total_debits: str
    fees: str
    status: WeekStatus


class SettlementLeafOut(BaseModel):
    """A participant's leaf of a week's settlement tree. amount: wei, negative = it pays;
    hours: bitmap of the week's hours it traded in; credits/debits_before: the running sums
    of the leaves before it (they make the week's totals provable)."""

    week: int
    participant: str
    root: str
    count: int
    amount: str
    hours: str
    credits_before: str
    debits_before: str
    item: ItemOut


class RequirementProofOut(BaseModel):
    """A participant's collateral requirement after hour `hour` (wei: the position margin
    plus unsettled cash owed) and the items that prove it against the vault's root: its
    own leaf, or the leaves that show it has none (requirement 0)."""

    hour: int
    participant: str
    root: str
    count: int
    requirement: str
    margin: str
    owed: str
    items: list[ItemOut]
