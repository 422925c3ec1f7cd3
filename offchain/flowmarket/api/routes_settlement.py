"""Public proofs a participant needs on chain: its weekly settlement leaf (to pay a debit
or collect a credit with `WeeklySettlement.executeSettlement`) and its collateral
requirement proof (to withdraw with `CollateralVault.withdraw`). Everything here is
checked on chain by whoever uses it: a leaf against the posted week root, a requirement
proof by the vault itself."""

from __future__ import annotations

from typing import Annotated, Any

from eth_utils.address import to_checksum_address
from fastapi import APIRouter, Depends, Path, Request

from flowmarket.api.schemas import ADDRESS_RE, MAX_HOUR, ErrorOut
from flowmarket.api.settlement_backend import SettlementProofs
from flowmarket.api.settlement_schemas import (
    RequirementProofOut,
    SettlementLeafOut,
    SettlementWeekOut,
)
from flowmarket.errors import NotFound

router = APIRouter(prefix="/v1", tags=["settlement"])
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (404, 422)}
Address = Path(pattern=ADDRESS_RE.pattern, description="participant address")
Week = Path(ge=0, le=2**32, description="settlement week since the ledger's genesis hour")
Hour = Path(ge=0, le=MAX_HOUR, description="the hour the requirements follow")


def get_proofs(request: Request) -> SettlementProofs:
    proofs: SettlementProofs | None = getattr(request.app.state, "proofs", None)
    if proofs is None:
        raise NotFound("settlement: this API serves no settlement proofs")
    return proofs


Proofs = Annotated[SettlementProofs, Depends(get_proofs)]


@router.get("/settlement/weeks", response_model=list[SettlementWeekOut], responses=ERRORS)
def settlement_weeks(proofs: Proofs) -> list[SettlementWeekOut]:
    """Every week the oracle has prepared for settlement: root, leaf count, totals."""
    return proofs.weeks()


@router.get(
    "/settlement/weeks/{week}/leaves/{address}", response_model=SettlementLeafOut, responses=ERRORS
)
def settlement_leaf(proofs: Proofs, week: int = Week, address: str = Address) -> SettlementLeafOut:
    """The participant's leaf of the week's settlement tree with its Merkle proof."""
    return proofs.leaf(week, to_checksum_address(address))


@router.get(
    "/collateral/requirements/{hour}/{address}",
    response_model=RequirementProofOut,
    responses=ERRORS,
)
def requirement_proof(
    proofs: Proofs, hour: int = Hour, address: str = Address
) -> RequirementProofOut:
    """The participant's requirement after `hour` and the items proving it to the vault."""
    return proofs.requirement(hour, to_checksum_address(address))
