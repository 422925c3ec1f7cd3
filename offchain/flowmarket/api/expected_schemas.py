"""Request and response bodies for participants' expected positions, with OpenAPI examples.

Units: quantities GB/h (negative = the participant expects to be short), times Unix
seconds. The EIP-712 struct is documented in `flowmarket.signing.expected_positions`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from flowmarket.api.schemas import (
    ADDRESS_RE,
    EXAMPLE_ADDRESS,
    MAX_NONCE,
    Number,
    ReceiptOut,
    SignedEnvelope,
    Strict,
    check_address,
    documented,
)

EXAMPLE_EXPECTED: dict[str, Any] = {
    "report": {
        "participant": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "nonce": 1,
        "deadline": 1800003600,
        "positions": {"premium-eu": 5.0, "regular-eu": -2.5},
    },
    "chain_id": 31337,
    "verifying_contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    "signature": "0xa8e2c56dc1e2c70bd9f6299b6248ab623a8bb89f40c8c5c6ff0c04d94aec3dce"
    "398d17ffe4dbb98e73a73c34b6513a0356961bf3fc80dc39c8a807ef6b8b638b1c",
}


class ExpectedReportIn(Strict):
    """`ExpectedPositions(participant, nonce, deadline, products, quantities)` as signed."""

    participant: str = documented(ADDRESS_RE, examples=[EXAMPLE_ADDRESS])
    nonce: Annotated[StrictInt, Field(ge=0, le=MAX_NONCE)] = Field(
        description="above the participant's last accepted report nonce "
        "(`next_nonce` of GET /v1/me/expected-positions); separate from order nonces"
    )
    deadline: Annotated[StrictInt, Field(ge=0, le=MAX_NONCE)] = Field(
        description="Unix seconds; the report is refused from this time on"
    )
    positions: dict[str, Number] = Field(
        description="{product: expected position, GB/h}; 0 withdraws the product's report; "
        "products not named keep their reported value",
        examples=[{"premium-eu": 5.0, "regular-eu": -2.5}],
    )

    _participant = field_validator("participant")(check_address)


class SignedExpectedPositionsIn(SignedEnvelope):
    """A report of expected positions with the participant's EIP-712 signature.

    The example is a real signature by Hardhat development account #3 (report id
    0x9effa54f7e21170a2a79464649e47914d9fb220ea34a9921d3ecfb54b2a09bd0)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_EXPECTED]})

    report: ExpectedReportIn


class ExpectedPositionOut(BaseModel):
    product: str
    quantity: float = Field(description="expected position, GB/h")
    reported_at: float = Field(description="Unix seconds of the report that set it")


class ExpectedPositionsOut(BaseModel):
    """What the oracle's collateral rule uses for this participant at the next close."""

    participant: str
    last_nonce: int | None = Field(description="the last accepted report nonce, if any")
    next_nonce: int = Field(description="the lowest nonce the next report may use")
    positions: list[ExpectedPositionOut]


class ExpectedReportOut(BaseModel):
    report_hash: str = Field(description="the report's EIP-712 digest")
    participant: str
    nonce: int
    deadline: int
    positions: dict[str, float]
    signature: str
    reported_at: float


class ExpectedReportAccepted(BaseModel):
    report: ExpectedReportOut
    receipt: ReceiptOut = Field(
        description="the operator's signed Receipt(orderHash = report id, ..., action "
        '"expected-positions")'
    )
    duplicate: bool = Field(description="true when this exact signed report was stored before")
    expected: ExpectedPositionsOut = Field(description="the participant's expected positions now")
