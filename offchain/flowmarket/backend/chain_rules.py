"""The chain's economics for the API's intake (`api.rules.MarketRules`): the governed
order limits and collateral parameters (MarketParameters) and each participant's
collateral (CollateralVault), each kept for CACHE_S seconds. A governance change or a
withdrawal reaches intake within that; the oracle's snapshot reads them afresh anyway,
and intake reads the collateral afresh before it refuses an order for it.

A participant's collateral is read with one raw `eth_call` (calldata built from the
vault's ABI selector, the 32-byte answer checked and decoded by hand): web3's contract
call spent about 8 ms of CPU on formatting and middleware for the 1 ms the request
takes, once for nearly every batch under load (each wallet's amount is kept 5 s)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from web3.exceptions import Web3Exception

from flowmarket.backend.governance_view import ChainMarketView
from flowmarket.chain.addresses import is_wallet_address
from flowmarket.collateral import CollateralParams
from flowmarket.errors import ChainUnavailable, InvalidInput
from flowmarket.order_limits import OrderLimits

ZERO_ADDRESS = "0x" + "00" * 20
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
        self._vault: tuple[str, str] | None = None  # its address and collateralOf's selector

    def _connected(self) -> ChainMarketView:
        if self._view is None:
            self._view = self._connect()
        return self._view

    def _call(self, name: str, function: str, *args: Any) -> Any:
        with _node_answers(f"{name}.{function}"):
            return getattr(self._connected().contract(name).functions, function)(*args).call()

    def _collateral_from_chain(self, participant: str) -> int:
        view = self._connected()
        if self._vault is None:
            vault = view.contract("CollateralVault")
            selector = vault.encode_abi("collateralOf", [ZERO_ADDRESS])[:10]
            self._vault = (vault.address, selector)
        target, selector = self._vault
        if not is_wallet_address(participant):
            raise InvalidInput(f"participant: {participant!r} is not a wallet address")
        account = participant.removeprefix("0x").lower()
        request = {"to": target, "data": selector + "0" * 24 + account}
        with _node_answers("CollateralVault.collateralOf"):
            reply = view.w3.provider.make_request("eth_call", [request, "latest"])  # type: ignore[arg-type]
        return _uint256(reply)

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
            cached = (now, self._collateral_from_chain(participant))
            self._collateral[participant] = cached
        return cached[1]


@contextmanager
def _node_answers(what: str) -> Iterator[None]:
    """A node that cannot be reached or fails the read is ChainUnavailable (a 503), never
    an error that reads as the participant's fault."""
    try:
        yield
    except (Web3Exception, OSError) as exc:
        raise ChainUnavailable(f"cannot read {what} from the node: {exc}") from None


def _uint256(reply: Any) -> int:
    """A uint256 from an `eth_call`'s JSON-RPC reply; ChainUnavailable for an error or an
    answer that is not one 32-byte word (a wrong address answers "0x")."""
    result = reply.get("result") if isinstance(reply, dict) else None
    if not isinstance(result, str) or len(result) != 66 or not result.startswith("0x"):
        error = reply.get("error") if isinstance(reply, dict) else reply
        raise ChainUnavailable(
            f"cannot read CollateralVault.collateralOf: the node answered {error!r}"
        )
    try:
        return int(result, 16)
    except ValueError:
        raise ChainUnavailable(
            f"cannot read CollateralVault.collateralOf: the node answered {result!r}"
        ) from None
