"""What the cycle reads from the contracts (plain calls; callers add retries)."""

from __future__ import annotations

from dataclasses import dataclass

from flowmarket.services.oracle.collateral import CollateralParams
from flowmarket.services.oracle.context import OracleContext


@dataclass(frozen=True)
class ParticipantChainState:
    """collateral: wei in the vault; min_nonce: the OrderRegistry floor."""

    collateral: int
    restricted: bool
    min_nonce: int


def fee_bps(ctx: OracleContext) -> int:
    return int(ctx.market.client.call(ctx.contract("MarketParameters").functions.feeBps()))


def collateral_params(ctx: OracleContext) -> CollateralParams:
    raw = ctx.market.client.call(ctx.contract("MarketParameters").functions.collateralParams())
    return CollateralParams(int(raw[0]), int(raw[1]), int(raw[2]))


def participant_state(ctx: OracleContext, participant: str) -> ParticipantChainState:
    call = ctx.market.client.call
    vault = ctx.contract("CollateralVault").functions
    settlement = ctx.contract("WeeklySettlement").functions
    registry = ctx.contract("OrderRegistry").functions
    return ParticipantChainState(
        collateral=int(call(vault.collateralOf(participant))),
        restricted=bool(call(settlement.isRestricted(participant))),
        min_nonce=int(call(registry.minNonce(participant))),
    )


def requirement_of(ctx: OracleContext, participant: str) -> int:
    return int(
        ctx.market.client.call(ctx.contract("CollateralVault").functions.requirementOf(participant))
    )


def next_hour(ctx: OracleContext) -> int:
    return int(ctx.market.client.call(ctx.contract("ClearingLedger").functions.nextHour()))


def chain_time(ctx: OracleContext) -> int:
    """The latest block's timestamp (the contracts' clock), Unix seconds."""
    return int(ctx.market.client.w3.eth.get_block("latest")["timestamp"])
