"""The chain's economics for the API's intake (`api.rules.MarketRules`): the governed
order limits and collateral parameters (MarketParameters) and each participant's
collateral (CollateralVault), each kept for CACHE_S seconds. A governance change or a
withdrawal reaches intake within that; the oracle's snapshot reads them afresh anyway,
and intake reads the collateral afresh before it refuses an order for it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from web3.exceptions import Web3Exception

from flowmarket.backend.governance_view import ChainMarketView
from flowmarket.collateral import CollateralParams
from flowmarket.errors import ChainUnavailable
from flowmarket.order_limits import OrderLimits

CACHE_S = 5.0
MAX_CACHED = 100_000  # participants whose collateral is kept


class ChainRules:
    """Implements `MarketRules` over the deployed market; connects on first use."""

    def __init__(
        self,
        connect: Callable[[], ChainMarketView],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connect = connect
        self._clock = clock
        self._view: ChainMarketView | None = None
        self._governed: tuple[float, OrderLimits, CollateralParams] | None = None
        self._collateral: dict[str, tuple[float, int]] = {}

    def _call(self, name: str, function: str, *args: Any) -> Any:
        if self._view is None:
            self._view = self._connect()
        try:
            return getattr(self._view.contract(name).functions, function)(*args).call()
        except (Web3Exception, OSError) as exc:
            raise ChainUnavailable(f"cannot read {name}.{function} from the node: {exc}") from None

    def _parameters(self) -> tuple[OrderLimits, CollateralParams]:
        now = self._clock()
        if self._governed is None or now - self._governed[0] > CACHE_S:
            limits = OrderLimits.from_chain(self._call("MarketParameters", "orderLimits"))
            params = CollateralParams.from_chain(self._call("MarketParameters", "collateralParams"))
            self._governed = (now, limits, params)
        return self._governed[1], self._governed[2]

    def order_limits(self) -> OrderLimits:
        return self._parameters()[0]

    def collateral_params(self) -> CollateralParams:
        return self._parameters()[1]

    def collateral_of(self, participant: str, *, fresh: bool = False) -> int:
        now = self._clock()
        cached = self._collateral.get(participant)
        if fresh or cached is None or now - cached[0] > CACHE_S:
            if len(self._collateral) > MAX_CACHED:
                self._collateral.clear()
            cached = (now, int(self._call("CollateralVault", "collateralOf", participant)))
            self._collateral[participant] = cached
        return cached[1]
