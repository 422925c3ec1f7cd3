"""MarketParameters' order limits: the defaults a deployment starts with, changed only by
the timelock, with an event, and never to values the clearing cannot balance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from market_harness import TOKEN, Market
from web3.exceptions import ContractLogicError

RATE_CAP = 10**12  # GB/h
PRICE_CAP = 10**12 * TOKEN  # wei per GB


@pytest.fixture
def timelock(market: Market) -> Iterator[str]:
    address = market.deployment.addresses["MarketTimelock"]
    market.w3.provider.make_request("hardhat_impersonateAccount", [address])  # type: ignore[arg-type]
    market.w3.provider.make_request("hardhat_setBalance", [address, hex(10**20)])  # type: ignore[arg-type]
    yield address
    market.w3.provider.make_request("hardhat_stopImpersonatingAccount", [address])  # type: ignore[arg-type]


def test_a_deployment_starts_with_the_documented_order_limits(market: Market) -> None:
    # 100 000 GB/h per order, 10 000 000 GB/h per participant, 1 000 tokens per GB.
    assert market.view("MarketParameters", "orderLimits") == (100_000, 10_000_000, 1_000 * TOKEN)


def test_the_timelock_changes_the_order_limits_with_an_event(market: Market, timelock: str) -> None:
    call = market.contract("MarketParameters").functions.setOrderLimits((500, 2_000, 7 * TOKEN))
    receipt = market.w3.eth.wait_for_transaction_receipt(call.transact({"from": timelock}))
    [event] = market.events(receipt, "MarketParameters", "OrderLimitsUpdated")
    assert (event["maxOrderRate"], event["maxParticipantRate"], event["maxPrice"]) == (
        500,
        2_000,
        7 * TOKEN,
    )
    assert market.view("MarketParameters", "orderLimits") == (500, 2_000, 7 * TOKEN)


def test_nobody_but_the_timelock_changes_the_order_limits(market: Market) -> None:
    for who in ("deployer", "oracle", "supplier", "alice"):
        with market.reverts("OwnableUnauthorizedAccount"):
            market.send(who, "MarketParameters", "setOrderLimits", (1, 1, 1))


@pytest.mark.parametrize(
    "limits",
    [
        (0, 10, TOKEN),  # no order could trade
        (10, 10, 0),  # no price
        (10, 9, TOKEN),  # a participant could not place one largest order
        (10, RATE_CAP + 1, TOKEN),  # beyond the rate cap
        (10, 10, PRICE_CAP + 1),  # beyond the price cap
    ],
)
def test_order_limits_the_clearing_cannot_honour_are_refused_even_from_the_timelock(
    market: Market, timelock: str, limits: tuple[int, int, int]
) -> None:
    call: Any = market.contract("MarketParameters").functions.setOrderLimits(limits)
    decoder = market.clients["alice"].decoder
    with pytest.raises(ContractLogicError) as raised:
        call.call({"from": timelock})
    data = raised.value.data.get("data") if isinstance(raised.value.data, dict) else None
    assert decoder.describe(data).startswith("ParametersOrderLimitsInvalid(")
    fine: Any = market.contract("MarketParameters").functions.setOrderLimits(
        (RATE_CAP, RATE_CAP, PRICE_CAP)
    )
    fine.call({"from": timelock})  # the caps themselves are allowed
