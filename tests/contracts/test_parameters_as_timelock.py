"""Every MarketParameters setter, sent by the timelock itself (impersonated on the dev node),
changes its value and emits its event; rotating the oracle moves every oracle right at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from market_harness import TOKEN, Market, commitment
from web3.types import TxReceipt


@pytest.fixture
def as_timelock(market: Market) -> Iterator[Any]:
    timelock = market.deployment.addresses["MarketTimelock"]
    market.w3.provider.make_request("hardhat_impersonateAccount", [timelock])  # type: ignore[arg-type]
    market.w3.provider.make_request("hardhat_setBalance", [timelock, hex(10**20)])  # type: ignore[arg-type]

    def send(function: str, *args: Any) -> TxReceipt:
        call = getattr(market.contract("MarketParameters").functions, function)(*args)
        tx_hash = call.transact({"from": timelock})
        return market.w3.eth.wait_for_transaction_receipt(tx_hash)

    yield send
    market.w3.provider.make_request("hardhat_stopImpersonatingAccount", [timelock])  # type: ignore[arg-type]


def test_every_parameter_change_emits_its_event(market: Market, as_timelock: Any) -> None:
    alice, bob = market.address("alice"), market.address("bob")
    cases = [
        ("setFeeBps", (30,), "FeeRateUpdated", {"oldFeeBps": 10, "newFeeBps": 30}, "feeBps", 30),
        (
            "setRevenueSplit",
            (5_000, alice),
            "RevenueSplitUpdated",
            {"holderShareBps": 5_000},
            "treasury",
            alice,
        ),
        (
            "setCollateralParams",
            ((1, 2, 3),),
            "CollateralParamsUpdated",
            {"warningBufferBps": 3},
            "collateralParams",
            (1, 2, 3),
        ),
        ("setGuardian", (bob,), "GuardianUpdated", {"newGuardian": bob}, "guardian", bob),
        (
            "setChallengeWindow",
            (600,),
            "ChallengeWindowUpdated",
            {"newSeconds": 600},
            "challengeWindow",
            600,
        ),
        (
            "setGracePeriod",
            (7_200,),
            "GracePeriodUpdated",
            {"newSeconds": 7_200},
            "gracePeriod",
            7_200,
        ),
        (
            "setRevenueEpochDuration",
            (60,),
            "RevenueEpochDurationUpdated",
            {"newSeconds": 60},
            "revenueEpochDuration",
            60,
        ),
        ("pause", (), "MarketPaused", {}, "paused", True),
        ("unpause", (), "MarketUnpaused", {}, "paused", False),
    ]
    for function, args, event, fields, getter, value in cases:
        receipt = as_timelock(function, *args)
        [emitted] = market.events(receipt, "MarketParameters", event)
        assert {k: emitted[k] for k in fields} == fields, function
        assert market.view("MarketParameters", getter) == value, function


def test_rotating_the_oracle_moves_every_oracle_right(market: Market, as_timelock: Any) -> None:
    carol = market.address("carol")
    receipt = as_timelock("setOracle", carol)
    assert market.events(receipt, "MarketParameters", "OracleUpdated")[0]["newOracle"] == carol
    hour = market.view("ClearingLedger", "nextHour")
    with market.reverts("MarketNotOracle"):
        market.send("oracle", "ClearingLedger", "commitHour", hour, commitment(hour))
    with market.reverts("MarketNotOracle"):
        market.send("oracle", "CollateralVault", "postRequirements", hour, b"\x01" * 32, 1)
    market.send("carol", "ClearingLedger", "commitHour", hour, commitment(hour))
    market.send("carol", "CollateralVault", "postRequirements", hour, b"\x01" * 32, 1)


def test_a_paused_market_stops_revenue_and_settlement_until_governance_unpauses(
    market: Market, as_timelock: Any
) -> None:
    market.approve("dave", "RevenueDistributor", TOKEN)
    as_timelock("pause")
    with market.reverts("MarketIsPaused"):
        market.send("dave", "RevenueDistributor", "depositRevenue", TOKEN)
    with market.reverts("MarketIsPaused"):
        market.send("dave", "RevenueDistributor", "closeEpoch")
    with market.reverts("MarketIsPaused"):
        market.send("dave", "WeeklySettlement", "forwardFees", 0)
    # Cancelling orders is never paused: it only reduces risk.
    market.send("dave", "OrderRegistry", "invalidateOrders", 1)
    as_timelock("unpause")
    market.send("dave", "RevenueDistributor", "depositRevenue", TOKEN)
