"""Test ETH and capacity tokens for a fresh wallet, on a local market only.

`flowmarket local up` gives the API a faucet (`FaucetPort`); any other API answers 404
here, and a faucet on a chain that is not local refuses with 403. The same as
`flowmarket faucet ADDRESS`: the web app's participant page offers it as a button.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from flowmarket.api.schemas import ADDRESS_RE, ErrorOut, Strict
from flowmarket.errors import ActionRefused, NotFound
from flowmarket.money import parse_tokens


class FaucetGrant(Protocol):
    """What a faucet sent: wei of ETH and capacity tokens to `address` on `chain_id`."""

    @property
    def address(self) -> str: ...
    @property
    def eth_wei(self) -> int: ...
    @property
    def tokens_wei(self) -> int: ...
    @property
    def chain_id(self) -> int: ...


class FaucetPort(Protocol):
    def give(self, address: str, tokens_wei: int) -> FaucetGrant: ...


class FaucetIn(Strict):
    address: str = Field(pattern=ADDRESS_RE.pattern, description="the wallet to fund")
    tokens: str = Field(
        default="10000",
        max_length=40,
        description="capacity tokens to mint, a decimal string (up to 18 decimals)",
    )


class FaucetOut(BaseModel):
    address: str
    eth_wei: str = Field(description="ETH sent for gas, in wei (decimal string)")
    tokens_wei: str = Field(description="capacity tokens minted, in wei (decimal string)")
    chain_id: int


router = APIRouter(prefix="/v1", tags=["local market"])
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (403, 404, 422)}


@router.post("/faucet", response_model=FaucetOut, responses=ERRORS, summary="Fund a wallet")
def faucet(body: FaucetIn, request: Request) -> FaucetOut:
    """Send ETH for gas and mint capacity tokens to `address` (a local market only: 404
    on any other API, 403 when the node's chain id is not a local one)."""
    port: FaucetPort | None = getattr(request.app.state, "faucet", None)
    if port is None:
        raise NotFound("faucet: this market has no faucet (a local market's API has one)")
    tokens_wei = parse_tokens(body.tokens, field="tokens")
    try:
        grant = port.give(body.address, tokens_wei)
    except ActionRefused as exc:
        raise HTTPException(403, str(exc)) from None
    return FaucetOut(
        address=grant.address,
        eth_wei=str(grant.eth_wei),
        tokens_wei=str(grant.tokens_wei),
        chain_id=grant.chain_id,
    )
