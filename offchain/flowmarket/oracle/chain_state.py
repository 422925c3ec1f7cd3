"""What the cycle reads from the contracts (plain calls; callers add retries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flowmarket.collateral import CollateralParams
from flowmarket.oracle.context import OracleContext
from flowmarket.order_limits import OrderLimits


@dataclass(frozen=True)
class ParticipantChainState:
    """collateral: wei in the vault; min_nonce: the OrderRegistry floor."""

    collateral: int
    restricted: bool
    min_nonce: int


def fee_bps(ctx: OracleContext) -> int:
    return int(ctx.market.client.call(ctx.contract("MarketParameters").functions.feeBps()))


def order_limits(ctx: OracleContext) -> OrderLimits:
    raw = ctx.market.client.call(ctx.contract("MarketParameters").functions.orderLimits())
    return OrderLimits.from_chain(raw)


def collateral_params(ctx: OracleContext) -> CollateralParams:
    raw = ctx.market.client.call(ctx.contract("MarketParameters").functions.collateralParams())
    return CollateralParams.from_chain(raw)


def participant_states(
    ctx: OracleContext, participants: Sequence[str]
) -> dict[str, ParticipantChainState]:
    """Each participant's vault collateral, restriction and order-nonce floor, in ONE
    JSON-RPC batch (3 calls each: at the demo's six participants, 18 round trips
    became one; measured 0.23 s → 0.09 s on the loaded 2-core machine)."""
    if not participants:
        return {}
    vault = ctx.contract("CollateralVault").functions
    settlement = ctx.contract("WeeklySettlement").functions
    registry = ctx.contract("OrderRegistry").functions
    with ctx.market.client.w3.batch_requests() as batch:
        for p in participants:
            batch.add(vault.collateralOf(p))
            batch.add(settlement.isRestricted(p))
            batch.add(registry.minNonce(p))
        values: list[Any] = list(batch.execute())
    return {
        p: ParticipantChainState(
            collateral=int(values[3 * k]),
            restricted=bool(values[3 * k + 1]),
            min_nonce=int(values[3 * k + 2]),
        )
        for k, p in enumerate(participants)
    }


def next_hour(ctx: OracleContext) -> int:
    return int(ctx.market.client.call(ctx.contract("ClearingLedger").functions.nextHour()))


def chain_time(ctx: OracleContext) -> int:
    """The latest block's timestamp (the contracts' clock), Unix seconds."""
    return int(ctx.market.client.w3.eth.get_block("latest")["timestamp"])
