"""Request and response bodies of the network operator's metered usage (POST /v1/usage).

Units: usage in GB as a decimal string with at most 18 decimals (exact: it is signed
as an integer of 10^-18 GB), hours since the Unix epoch. The EIP-712 struct is
documented in `flowmarket.signing.usage`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from flowmarket.api.schemas import (
    ADDRESS_RE,
    EXAMPLE_ADDRESS,
    MAX_HOUR,
    SignedEnvelope,
    Strict,
    check_address,
    documented,
)

EXAMPLE_USAGE: dict[str, Any] = {
    "report": {
        "operator": EXAMPLE_ADDRESS,
        "hour": 500_000,
        "entries": [
            {
                "product": "rt:eu-west:premium:2027-01-14T08",
                "participant": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
                "gb": "6.25",
            }
        ],
    },
    "chain_id": 31337,
    "verifying_contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    "signature": "0x" + "11" * 64 + "1b",
}


class UsageEntryIn(Strict):
    """One participant's measured GB of one real-time product of the report's hour."""

    product: StrictStr = Field(max_length=128, description="rt:REGION:TYPE:YYYY-MM-DDTHH")
    participant: str = documented(
        ADDRESS_RE, examples=["0x90F79bf6EB2c4f870365E785982E1f101E93b906"]
    )
    gb: StrictStr = Field(
        max_length=40, description="measured usage, GB, a decimal string (≥ 0, ≤ 18 decimals)"
    )

    _participant = field_validator("participant")(check_address)


class UsageReportIn(Strict):
    """`UsageReport(operator, hour, products, participants, quantities)` as signed."""

    operator: str = documented(ADDRESS_RE, examples=[EXAMPLE_ADDRESS])
    hour: Annotated[StrictInt, Field(ge=0, le=MAX_HOUR)] = Field(
        description="the delivered hour (hours since the Unix epoch)"
    )
    entries: list[UsageEntryIn] = Field(description="one per (product, participant)")

    _operator = field_validator("operator")(check_address)


class SignedUsageIn(SignedEnvelope):
    """A usage report with the network operator's EIP-712 signature."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_USAGE]})
    report: UsageReportIn


class UsageAccepted(BaseModel):
    report_hash: str = Field(description="the report's EIP-712 digest")
    hour: int
    entries: int = Field(description="entries in the report")
    duplicate: bool = Field(
        description="true when every entry was stored before with the same quantity"
    )
    final_at_hour: int = Field(
        description="the clearing hour that settles this hour's usage; reports are refused "
        "once it is cleared"
    )


class DeliveryRowOut(BaseModel):
    """One participant's delivery of one real-time product (exact decimal strings)."""

    hour: int = Field(description="the delivery hour")
    product: str
    price: str = Field(description="the hour's real-time price, tokens per GB")
    position_gb: str = Field(description="real-time position held at delivery, GB")
    usage_gb: str = Field(description="metered demand, GB")
    served_gb: str = Field(description="delivered after priority rationing, GB")
    imbalance_gb: str = Field(description="served − position, GB")
    cash: str = Field(description="imbalance cash, tokens (negative = paid)")
    settled_hour: int = Field(description="the clearing hour whose entry carries the cash")


class MyUsageOut(BaseModel):
    participant: str
    rows: list[DeliveryRowOut]
    total_cash: str = Field(description="Σ imbalance cash, tokens")


class DeliveryCellOut(BaseModel):
    """One region and type of a metered hour: totals over participants, GB."""

    product: str
    demand_gb: str
    served_gb: str
    throttled_gb: str = Field(description="demanded but not delivered in the hour")


class DeliveryHourOut(BaseModel):
    """A metered hour's priority service, published per region and type."""

    hour: int
    settled_hour: int
    cells: list[DeliveryCellOut]
