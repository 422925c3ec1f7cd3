"""What the API needs from the chain to apply the market's economics at intake: the
governed order limits and collateral parameters, and a participant's collateral.

`backend.chain_rules.ChainRules` reads them from the deployed contracts (what
`flowmarket serve` uses); `FixedRules` holds given values (a market described without a
node, such as the API's own tests). Without rules (`create_app(rules=None)`) the API
applies only the syntactic limits; the oracle applies every rule again at the snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from flowmarket.collateral import CollateralParams
from flowmarket.order_limits import OrderLimits


class MarketRules(Protocol):
    def order_limits(self) -> OrderLimits:
        """`MarketParameters.orderLimits` now."""
        ...

    def collateral_params(self) -> CollateralParams:
        """`MarketParameters.collateralParams` now."""
        ...

    def collateral_of(self, participant: str, *, fresh: bool = False) -> int:
        """The participant's collateral in the vault, wei: a few seconds old at most, or
        read now with `fresh`."""
        ...


@dataclass(frozen=True)
class FixedRules:
    """Rules given as values; collateral {participant: wei}, 0 for anyone not listed."""

    limits: OrderLimits
    params: CollateralParams
    collateral: Mapping[str, int] = field(default_factory=dict)

    def order_limits(self) -> OrderLimits:
        return self.limits

    def collateral_params(self) -> CollateralParams:
        return self.params

    def collateral_of(self, participant: str, *, fresh: bool = False) -> int:
        return self.collateral.get(participant, 0)
