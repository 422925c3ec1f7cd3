"""Weekly settlement on the contract-test market: a week's tree from named amounts, its
root posted (by the oracle unless told), a participant's leaf executed, the week's record
read back, collateral put in the vault and requirements posted. Shared by the settlement
tests and the stateful invariant tests."""

from __future__ import annotations

from collections.abc import Mapping

from market_harness import Market
from web3.types import TxReceipt

from flowmarket.chain import leaves
from flowmarket.chain.requirements import requirement_proof


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
        week.count,
        week.total_credits,
        week.total_debits,
        week.fees if fees is None else fees,
    )


def execute(
    market: Market, week: leaves.SettlementWeek, who: str, *, caller: str = "dave"
) -> TxReceipt:
    """`executeSettlement` of `who`'s leaf (with its proof), sent by `caller`."""
    item = week.item(market.address(who))
    return market.send(caller, "WeeklySettlement", "executeSettlement", week.week, item.as_tuple())


def week_record(market: Market, week: int) -> dict[str, int]:
    """`weekRoot(week)` by field name (the root as an int)."""
    names = (
        "root",
        "count",
        "postedAt",
        "pausedAtPost",
        "totalCredits",
        "totalDebits",
        "fees",
        "collected",
        "defaulted",
        "paidOut",
        "feesForwarded",
    )
    raw = market.view("WeeklySettlement", "weekRoot", week)
    return {
        n: int.from_bytes(v) if isinstance(v, bytes) else int(v)
        for n, v in zip(names, raw, strict=True)
    }


def deposit_collateral(market: Market, who: str, amount: int) -> None:
    """Approve the vault for `amount` wei of `who`'s capacity tokens and deposit them."""
    market.approve(who, "CollateralVault", amount)
    market.send(who, "CollateralVault", "deposit", amount)


def post_requirements(market: Market, hour: int, requirements: Mapping[str, int]) -> None:
    """Post the requirements tree of `requirements` (wei by account name) for `hour`."""
    tree = leaves.requirements_tree({market.address(w): a for w, a in requirements.items()})
    market.send("oracle", "CollateralVault", "postRequirements", hour, tree.root, tree.count)


def requirement_items(
    market: Market, requirements: Mapping[str, int], who: str
) -> list[tuple[int, bytes, bytes, list[bytes]]]:
    """The items proving `who`'s requirement under `requirements` (as posted)."""
    named = {market.address(w): a for w, a in requirements.items()}
    proof = requirement_proof(named, market.address(who))
    return [item.as_tuple() for item in proof]
