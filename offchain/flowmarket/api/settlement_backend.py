"""What the settlement-proof routes need from storage: a protocol that
`backend.settlement_proofs` implements. Methods raise `NotFound` for what is not
published (a week not prepared, an hour without requirements, a participant without a
leaf)."""

from __future__ import annotations

from typing import Protocol

from flowmarket.api.settlement_schemas import (
    RequirementProofOut,
    SettlementLeafOut,
    SettlementWeekOut,
)


class SettlementProofs(Protocol):
    def weeks(self) -> list[SettlementWeekOut]: ...

    def leaf(self, week: int, participant: str) -> SettlementLeafOut: ...

    def requirement(self, hour: int, participant: str) -> RequirementProofOut: ...
