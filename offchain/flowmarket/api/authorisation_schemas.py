"""Request and response bodies for authorisations (limits on one portfolio).

Units: rates GB/h of the portfolio per clearing, positions GB/h held (cumulative);
hours are delivery hours since the Unix epoch. The EIP-712 struct is documented in
`flowmarket.signing.authorisation`; how the oracle applies it in `flowmarket.authorisations`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from flowmarket.api.schemas import (
    ADDRESS_RE,
    EXAMPLE_ADDRESS,
    HASH_RE,
    MAX_HOUR,
    MAX_NONCE,
    Number,
    ReceiptOut,
    SignedEnvelope,
    Strict,
    check_address,
    check_hash,
    documented,
)

LIMIT_DESCRIPTION = "GB/h of the portfolio; null or absent: no limit"


class AuthorisationIn(Strict):
    """`Authorisation(participant, nonce, fromHour, untilHour, replaces, products, weights,
    minRate, maxRate, minPosition, maxPosition)` as signed."""

    participant: str = documented(ADDRESS_RE, examples=[EXAMPLE_ADDRESS])
    nonce: Annotated[StrictInt, Field(ge=0, le=MAX_NONCE)] = Field(
        description="unique among the participant's authorisations"
    )
    from_hour: Annotated[StrictInt, Field(ge=0, le=MAX_HOUR)]
    until_hour: Annotated[StrictInt, Field(ge=0, le=MAX_HOUR)]
    portfolio: dict[str, Number] = Field(
        description="{product: weight}; governs the participant's orders over this portfolio "
        "or a non-zero multiple of it",
        examples=[{"premium-eu": 1.0}],
    )
    min_rate: Number | None = Field(default=None, description="≤ 0; " + LIMIT_DESCRIPTION)
    max_rate: Number | None = Field(default=None, description="≥ 0; " + LIMIT_DESCRIPTION)
    min_position: Number | None = Field(
        default=None, description="cumulative; " + LIMIT_DESCRIPTION
    )
    max_position: Number | None = Field(
        default=None, description="cumulative; " + LIMIT_DESCRIPTION
    )
    replaces: str | None = documented(
        HASH_RE, default=None, description="id of the authorisation this one replaces"
    )

    _participant = field_validator("participant")(check_address)

    @field_validator("replaces")
    @classmethod
    def _replaces(cls, value: str | None) -> str | None:
        return None if value is None else check_hash(value)


class SignedAuthorisationIn(SignedEnvelope):
    """An authorisation with the participant's EIP-712 signature."""

    model_config = ConfigDict(extra="forbid")

    authorisation: AuthorisationIn


class RateBoundsOut(BaseModel):
    min_rate: float | None = Field(description="GB/h; null: unbounded below")
    max_rate: float | None = Field(description="GB/h; null: unbounded above")


class AuthorisationOut(BaseModel):
    auth_hash: str = Field(description="the authorisation's EIP-712 digest (its id)")
    participant: str
    nonce: int
    from_hour: int
    until_hour: int
    portfolio: dict[str, float]
    min_rate: float | None
    max_rate: float | None
    min_position: float | None
    max_position: float | None
    replaces: str | None
    replaced_by: str | None
    status: str = Field(description="live, cancelled, replaced or expired")
    accepted_at: float
    cancelled_at: float | None
    signature: str
    position: RateBoundsOut | None = Field(
        default=None,
        description="your position in units of the portfolio, product by product "
        "(min_rate: the least, max_rate: the most), from your committed positions",
    )
    next_bounds: RateBoundsOut | None = Field(
        default=None,
        description="the rate bounds the next clearing applies (live ones), from your "
        "committed positions",
    )


class AuthorisationAccepted(BaseModel):
    authorisation: AuthorisationOut
    receipt: ReceiptOut = Field(
        description='the operator\'s signed Receipt(orderHash = its id, ..., "authorised")'
    )
    cancel_receipt: ReceiptOut | None = Field(
        description="the replaced (or, for a cancel, this) authorisation's cancel receipt"
    )
    duplicate: bool


class AuthorisationsOut(BaseModel):
    participant: str
    authorisations: list[AuthorisationOut]
