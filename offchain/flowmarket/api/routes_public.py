"""Public read side: domain, catalogue, nonces and per-hour results, proofs, downloads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from flowmarket.api.context import Context
from flowmarket.api.downloads import Format, table_response
from flowmarket.api.schemas import (
    ADDRESS_RE,
    MAX_HOUR,
    CommitmentOut,
    DomainOut,
    ErrorOut,
    ExclusionOut,
    HourOut,
    NetworkOut,
    NonceOut,
    ProductOut,
    ProductResultOut,
    ProofOut,
)
from flowmarket.catalogue.hours import open_hour
from flowmarket.errors import NotFound
from flowmarket.signing.typed_data import DOMAIN_NAME, DOMAIN_VERSION

router = APIRouter(prefix="/v1", tags=["public"])
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (404, 422)}
Hour = Path(ge=0, le=MAX_HOUR, description="delivery hour, hours since the Unix epoch")
Address = Path(pattern=ADDRESS_RE.pattern, description="participant address")
FormatQuery = Query(default="json", description="json, or csv for a download")


@router.get("/domain", response_model=DomainOut)
def domain(context: Context) -> DomainOut:
    """The EIP-712 domain orders must be signed for, and the operator's receipt address."""
    return DomainOut(
        name=DOMAIN_NAME,
        version=DOMAIN_VERSION,
        chain_id=context.domain.chain_id,
        verifying_contract=context.domain.verifying_contract,
        operator=context.operator.address,
        open_hour=open_hour(context.clock()),
    )


@router.get("/products", response_model=list[ProductOut])
def products(context: Context, format: Format = FormatQuery) -> Response:
    """The product catalogue."""
    return table_response(context.backend.products(), fmt=format, filename="products")


@router.get("/nonces/{address}", response_model=NonceOut, responses=ERRORS)
def nonces(context: Context, address: str = Address) -> NonceOut:
    """The participant's lowest valid nonce and the next unused one."""
    minimum, following = context.backend.nonce_state(_checksum(address))
    return NonceOut(participant=_checksum(address), min_valid_nonce=minimum, next_nonce=following)


@router.get("/hours/latest", response_model=HourOut, responses=ERRORS)
def latest_hour(context: Context) -> HourOut:
    """The most recently cleared hour."""
    hour = context.backend.latest_hour()
    if hour is None:
        raise NotFound("hour: no hour has been cleared yet")
    return context.backend.hour(hour)


@router.get("/hours/{hour}", response_model=HourOut, responses=ERRORS)
def hour_summary(context: Context, hour: int = Hour) -> HourOut:
    """Prices and the on-chain commitment (null until the oracle commits) of one hour."""
    return context.backend.hour(hour)


@router.get("/hours/{hour}/prices", response_model=list[ProductResultOut], responses=ERRORS)
def hour_prices(context: Context, hour: int = Hour, format: Format = FormatQuery) -> Response:
    """Per product: price, aggregate traded quantity and slope of aggregate net demand."""
    return table_response(context.backend.hour_prices(hour), fmt=format, filename=f"prices-{hour}")


@router.get("/hours/{hour}/certificate", responses=ERRORS)
def hour_certificate(context: Context, hour: int = Hour) -> dict[str, Any]:
    """The clearing's optimality certificate (residuals) for the hour."""
    return context.backend.hour_certificate(hour)


@router.get("/hours/{hour}/commitment", response_model=CommitmentOut, responses=ERRORS)
def hour_commitment(context: Context, hour: int = Hour) -> CommitmentOut:
    """Merkle roots and the transaction that committed them on chain."""
    summary = context.backend.hour(hour)
    if summary.commitment is None:
        raise NotFound(f"hour: hour {hour} is cleared but not yet committed on chain")
    return summary.commitment


@router.get("/hours/{hour}/orders", responses=ERRORS)
def hour_orders(context: Context, hour: int = Hour) -> dict[str, Any]:
    """The published order set of a cleared hour (input of the clearing, with signatures).
    It names the clearing engine that cleared the hour (`"engine": N`) when that is not
    engine 1 (docs/engine-versions.md)."""
    return context.backend.hour_orders(hour)


@router.get("/hours/{hour}/network", response_model=NetworkOut, responses=ERRORS)
def hour_network(context: Context, hour: int = Hour) -> NetworkOut:
    """The hour's network (docs/network.md): per link its capacity, flow per commodity,
    utilisation, price and the rent and charges its owner is paid."""
    return context.backend.hour_network(hour)


@router.get("/hours/{hour}/exclusions", response_model=list[ExclusionOut], responses=ERRORS)
def hour_exclusions(context: Context, hour: int = Hour, format: Format = FormatQuery) -> Response:
    """Standing orders the oracle left out of the hour's clearing, and why: beyond the
    governed order limits or what the participant's collateral backs (at the snapshot),
    or quarantined because the hour's certificate could not reach its tolerance with them."""
    rows = context.backend.hour_exclusions(hour)
    return table_response(rows, fmt=format, filename=f"exclusions-{hour}")


@router.get("/hours/{hour}/proofs/prices/{product}", response_model=ProofOut, responses=ERRORS)
def price_proof(context: Context, product: str, hour: int = Hour) -> ProofOut:
    """Merkle proof of one product's price leaf against the hour's prices root."""
    return context.backend.price_proof(hour, product)


@router.get(
    "/hours/{hour}/proofs/participants/{address}", response_model=ProofOut, responses=ERRORS
)
def participant_proof(context: Context, hour: int = Hour, address: str = Address) -> ProofOut:
    """Merkle proof of one participant's entry against the hour's positions root."""
    return context.backend.participant_proof(hour, _checksum(address))


def _checksum(address: str) -> str:
    from eth_utils.address import to_checksum_address

    return to_checksum_address(address)
