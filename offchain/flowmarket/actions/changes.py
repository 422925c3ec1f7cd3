"""Governance changes as types, never as hand-written calldata.

`ProposalChanges` is what a proposal asks for: a fee, collateral parameters, the revenue
split and treasury address, the oracle address, the clearing interval (docs/schedule.md),
the clearing engine (docs/engine-versions.md), capacity-token transfers out of the
treasury (the timelock), and only when asked explicitly, raw calls. `actions` turns it
into the timelock's calls, each with a sentence of what it changes (read against the
current values), and simulates every call as the timelock would make it now: a change
the contract would refuse (a fee above the cap, a zero address, a transfer the treasury
cannot pay) is refused before anything is proposed. `describe` reads any action back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from eth_utils.address import is_address, to_checksum_address
from web3.exceptions import ContractLogicError

from flowmarket.actions.actor import Actor
from flowmarket.actions.plan import tokens
from flowmarket.clearing.model import ENGINES, ENGINES_TEXT
from flowmarket.errors import ActionRefused, FieldError, InvalidInput
from flowmarket.schedule import check_interval

PARAMETERS = "MarketParameters"
BPS_MAX = 10_000
# --collateral keys → `IMarketParameters.CollateralParams` fields, in declaration order.
COLLATERAL_KEYS = {
    "initial": "initialMarginBps",
    "deviation": "deviationMarginBps",
    "warning": "warningBufferBps",
}


@dataclass(frozen=True)
class ProposalChanges:
    """Typed changes; None / empty means "leave as is". Basis points, wei, addresses."""

    fee_bps: int | None = None
    collateral: Mapping[str, int] = field(default_factory=dict)  # COLLATERAL_KEYS subset
    holder_share_bps: int | None = None
    treasury: str | None = None
    oracle: str | None = None
    clearing_interval_s: int | None = None  # from the next hour boundary on
    clearing_engine: int | None = None  # from the next hour boundary on (`model.ENGINES`)
    treasury_transfers: tuple[tuple[str, int], ...] = ()  # (to, capacity-token wei)
    raw: tuple[tuple[str, bytes], ...] = ()  # (target, calldata): only with --raw

    def __post_init__(self) -> None:
        for name, bps in (("fee_bps", self.fee_bps), ("holder_share_bps", self.holder_share_bps)):
            _check_bps(name, bps)
        for key, bps in self.collateral.items():
            if key not in COLLATERAL_KEYS:
                raise FieldError(
                    "collateral", f"unknown key {key!r}: use {sorted(COLLATERAL_KEYS)}"
                )
            _check_bps(f"collateral.{key}", bps)
        if self.clearing_interval_s is not None:
            check_interval(self.clearing_interval_s)
        if self.clearing_engine is not None and self.clearing_engine not in ENGINES:
            # The chain takes any version from 1; an engine no oracle runs would stop
            # the market's hours from clearing, so one is proposed only once it exists.
            engine = self.clearing_engine
            raise FieldError(
                "clearing_engine", f"{engine} is not an engine this runs ({ENGINES_TEXT})"
            )
        for name, address in (("treasury", self.treasury), ("oracle", self.oracle)):
            if address is not None:
                checked_address(name, address)
        for k, (to, amount) in enumerate(self.treasury_transfers):
            checked_address(f"treasury_transfers[{k}].to", to)
            if amount <= 0:
                raise FieldError(f"treasury_transfers[{k}].amount", "must be positive")

    @property
    def empty(self) -> bool:
        return not (
            self.fee_bps is not None
            or self.collateral
            or self.holder_share_bps is not None
            or self.treasury
            or self.oracle
            or self.clearing_interval_s is not None
            or self.clearing_engine is not None
            or self.treasury_transfers
            or self.raw
        )


@dataclass(frozen=True)
class Action:
    """One call the timelock makes: target, calldata, and what it changes in words."""

    target: str
    calldata: bytes
    says: str


def checked_address(name: str, address: str) -> str:
    if not is_address(address):
        raise FieldError(name, f"not an address: {address!r}")
    checksummed = str(to_checksum_address(address))
    if int(checksummed, 16) == 0:
        raise FieldError(name, "cannot be the zero address")
    return checksummed


def _check_bps(name: str, bps: int | None) -> None:
    if bps is not None and not 0 <= bps <= BPS_MAX:
        raise FieldError(name, f"must be in [0, {BPS_MAX}] basis points, got {bps}")


def _call(actor: Actor, contract: str, function: str, args: list[object], says: str) -> Action:
    data = actor.contract(contract).encode_abi(function, args=args)
    return Action(actor.address_of(contract), bytes.fromhex(data[2:]), says)


def actions(actor: Actor, changes: ProposalChanges) -> list[Action]:
    """The timelock's calls for `changes`, each simulated as the timelock now."""
    if changes.empty:
        raise InvalidInput("changes: a proposal needs at least one change")
    params = actor.contract(PARAMETERS).functions
    out: list[Action] = []
    if changes.fee_bps is not None:
        old = int(actor.read(params.feeBps()))
        out.append(
            _call(
                actor,
                PARAMETERS,
                "setFeeBps",
                [changes.fee_bps],
                f"set the market fee from {old} to {changes.fee_bps} bps",
            )
        )
    if changes.collateral:
        current = dict(zip(COLLATERAL_KEYS, actor.read(params.collateralParams()), strict=True))
        new = {**current, **changes.collateral}
        said = ", ".join(f"{k} margin {current[k]} → {new[k]} bps" for k in COLLATERAL_KEYS)
        out.append(
            _call(
                actor,
                PARAMETERS,
                "setCollateralParams",
                [tuple(new[k] for k in COLLATERAL_KEYS)],
                f"set collateral: {said}",
            )
        )
    if changes.holder_share_bps is not None or changes.treasury is not None:
        share = changes.holder_share_bps
        share = int(actor.read(params.holderShareBps())) if share is None else share
        treasury = changes.treasury or str(actor.read(params.treasury()))
        out.append(
            _call(
                actor,
                PARAMETERS,
                "setRevenueSplit",
                [share, checked_address("treasury", treasury)],
                f"give holders {share / 100:g} % of fees, the rest to treasury {treasury}",
            )
        )
    if changes.oracle is not None:
        old_oracle = str(actor.read(params.oracle()))
        new_oracle = checked_address("oracle", changes.oracle)
        out.append(
            _call(
                actor,
                PARAMETERS,
                "setOracle",
                [new_oracle],
                f"replace the oracle {old_oracle} by {new_oracle}",
            )
        )
    if changes.clearing_interval_s is not None:
        new_minutes = changes.clearing_interval_s // 60
        old_minutes = int(actor.read(params.clearingInterval())) // 60
        out.append(
            _call(
                actor,
                PARAMETERS,
                "setClearingInterval",
                [changes.clearing_interval_s],
                f"clear every {new_minutes} minutes instead of every {old_minutes}, "
                "from the first hour whose bidding opens after execution",
            )
        )
    if changes.clearing_engine is not None:
        old_engine = int(actor.read(params.clearingEngine()))
        out.append(
            _call(
                actor,
                PARAMETERS,
                "setClearingEngine",
                [changes.clearing_engine],
                f"clear with engine {changes.clearing_engine} instead of engine {old_engine}, "
                "from the first hour whose bidding opens after execution",
            )
        )
    for to, amount in changes.treasury_transfers:
        out.append(
            _call(
                actor,
                "CapacityToken",
                "transfer",
                [checked_address("to", to), amount],
                f"pay {tokens(amount)} from the treasury to {to}",
            )
        )
    for target, calldata in changes.raw:
        out.append(
            Action(
                checked_address("raw target", target), calldata, describe(actor, target, calldata)
            )
        )
    for action in out:
        simulate(actor, action)
    return out


def simulate(actor: Actor, action: Action) -> None:
    """Run `action` as the timelock would now (eth_call); refuse it when it would revert."""
    timelock = actor.address_of("MarketTimelock")
    try:
        actor.w3.eth.call({"from": timelock, "to": action.target, "data": action.calldata})
    except ContractLogicError as exc:
        reason = actor.decoder.reverted(action.says, exc)
        raise ActionRefused(f"this change would fail when executed: {reason}") from None


def describe(actor: Actor, target: str, calldata: bytes) -> str:
    """`Contract.function(args)` for a call to a market contract, else the raw calldata."""
    for name, address in actor.deployment.addresses.items():
        if address.lower() == target.lower() and name in actor.artifacts:
            try:
                function, args = actor.contract(name).decode_function_input(calldata)
            except ValueError:
                break
            shown = ", ".join(_shown(value) for value in args.values())
            return f"{name}.{function.fn_name}({shown})"
    return f"{target}: 0x{calldata.hex()}"


def _shown(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_shown(v) for v in value) + ")"
    return str(value)
