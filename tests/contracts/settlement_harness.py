"""Weekly settlement on the contract-test market: a week's tree from named amounts, its
root posted (by the oracle unless told), a participant's leaf executed, collateral put
in the vault. Shared by the settlement tests and the stateful invariant tests."""

from __future__ import annotations

from collections.abc import Mapping

from market_harness import Market
from web3.types import TxReceipt

from flowmarket.chain import leaves


def build_week(market: Market, amounts: Mapping[str, int], fees: int) -> leaves.SettlementWeek:
    """Week 0's tree: `amounts` in wei by account name (negative: the account pays)."""
    return leaves.settlement_week(0, [(market.address(w), a) for w, a in amounts.items()], fees)


def post_root(
    market: Market,
    week: leaves.SettlementWeek,
    *,
    by: str = "oracle",
    number: int | None = None,
    fees: int | None = None,
) -> TxReceipt:
    """`postSettlementRoot` of `week`'s root and totals, signed by `by`; `number` and `fees`
    replace the week's own index and fees (to post something the contract must refuse)."""
    return market.send(
        by,
        "WeeklySettlement",
        "postSettlementRoot",
        week.week if number is None else number,
        week.root,
        week.total_credits,
        week.total_debits,
        week.fees if fees is None else fees,
    )


def execute(
    market: Market, week: leaves.SettlementWeek, who: str, *, caller: str = "dave"
) -> TxReceipt:
    """`executeSettlement` of `who`'s leaf with its amount and proof, sent by `caller`."""
    address = market.address(who)
    return market.send(
        caller,
        "WeeklySettlement",
        "executeSettlement",
        week.week,
        address,
        week.amounts[address],
        week.proof(address),
    )


def deposit_collateral(market: Market, who: str, amount: int) -> None:
    """Approve the vault for `amount` wei of `who`'s capacity tokens and deposit them."""
    market.approve(who, "CollateralVault", amount)
    market.send(who, "CollateralVault", "deposit", amount)
