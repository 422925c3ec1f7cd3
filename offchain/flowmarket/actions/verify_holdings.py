"""An hour's entries against its holdings, as a verifier checks them (docs/settlement.md,
"Entries bound to the trade lines").

From a published hour that reproduces the chain's entries, trade-lines and holdings
roots, every entry that is not what its participant's holdings give is found and
returned as the ledger call that proves it (`isEntryOffHoldings`: a product's position or
the cash; `isEntryUnheld`: a position or cash with no holding at all), which
`WeeklySettlement.challengeBalance` takes as evidence. The rules are the contract's
(`flowmarket.oracle.holdings` is the twin of `Holdings.sol`).
"""

from __future__ import annotations

import bisect
from typing import Any

from flowmarket.actions.verify_balance import BalanceFault
from flowmarket.chain.leaves import product_id
from flowmarket.money import WAD, format_tokens, from_wad
from flowmarket.oracle.holdings import IMBALANCE, Holding, decode_holding, holding_key, is_cash_off
from flowmarket.oracle.hour_commitment import HourBundle


def entry_tuple(bundle: HourBundle, participant: str) -> tuple[Any, ...]:
    """`IHoldingsLedger.ProvenEntry` of a participant's committed entry, with its proof."""
    book = bundle.amounts.trades[participant]
    names = sorted(book)
    return (
        participant,
        bundle.amounts.net_cash[participant],
        bundle.amounts.fees[participant],
        [product_id(n) for n in names],
        [book[n] for n in names],
        list(bundle.entries_tree.proof(bundle.entry_leaf(participant))),
    )


def entry_faults(bundle: HourBundle, *, whole_hour: bool) -> list[BalanceFault]:
    """Each committed entry of `bundle` that its holdings do not give. whole_hour: the
    governed schedule cleared the hour in one interval (only then is the cash judged)."""
    tree = bundle.holdings
    holdings = [decode_holding(k, v) for k, v in zip(tree.keys, tree.values, strict=True)]
    names = {product_id(n): n for book in bundle.amounts.trades.values() for n in book}
    out: list[BalanceFault] = []
    ends: dict[str, list[int]] = {}  # participant → index of the last holding of each product
    for i, h in enumerate(holdings):
        after = holdings[i + 1] if i + 1 < len(holdings) else None
        if after is None or (after.participant, after.product) != (h.participant, h.product):
            ends.setdefault(h.participant, []).append(i)
    for who in bundle.amounts.trades:
        book = bundle.amounts.trades[who]
        quantities = {product_id(n): q for n, q in book.items()}
        evidence = entry_tuple(bundle, who)
        held: set[bytes] = set()
        for i in ends.get(who, []):
            h = holdings[i]
            held.add(h.product)
            nxt = [tree.item(i + 1).as_tuple()] if i + 1 < tree.count else []
            call = (bundle.hour, evidence, tree.item(i).as_tuple(), nxt)
            name = names.get(h.product, "0x" + h.product.hex())
            if h.product != IMBALANCE and h.position_after != quantities.get(h.product, 0):
                out.append(
                    BalanceFault(
                        f"entry of {who}: {name} {from_wad(quantities.get(h.product, 0)):+.6g} "
                        f"GB/h, its trade lines give {from_wad(h.position_after):+.6g} GB/h",
                        "isEntryOffHoldings",
                        call,
                    )
                )
            closes = not nxt or holdings[i + 1].participant != who
            if closes and whole_hour and _cash_off(bundle, who, h):
                out.append(BalanceFault(_cash_text(bundle, who, h), "isEntryOffHoldings", call))
        products = [product_id(n) for n in sorted(book)]
        for k, pid in enumerate(products):
            if quantities[pid] != 0 and pid not in held:
                bracket = _prefix_bracket(bundle, holding_key(who, pid, bytes(32))[:52])
                out.append(
                    BalanceFault(
                        f"entry of {who}: {names[pid]} {from_wad(quantities[pid]):+.6g} GB/h, "
                        "and it has no trade line of it",
                        "isEntryUnheld",
                        (bundle.hour, evidence, k, bracket),
                    )
                )
        gross = bundle.amounts.net_cash[who] + bundle.amounts.fees[who]
        if whole_hour and who not in ends and gross != 0:
            bracket = _prefix_bracket(bundle, holding_key(who, bytes(32), bytes(32))[:20])
            out.append(
                BalanceFault(
                    f"entry of {who}: cash {format_tokens(gross)} before its fee, "
                    "and it has no trade line",
                    "isEntryUnheld",
                    (bundle.hour, evidence, len(products), bracket),
                )
            )
    return out


def _cash_off(bundle: HourBundle, who: str, last: Holding) -> bool:
    return is_cash_off(bundle.amounts.net_cash[who], bundle.amounts.fees[who], last.cash_after)


def _cash_text(bundle: HourBundle, who: str, last: Holding) -> str:
    gross = bundle.amounts.net_cash[who] + bundle.amounts.fees[who]
    given = last.cash_after // WAD
    return (
        f"entry of {who}: cash {format_tokens(gross)} before its fee, its trade lines at "
        f"the hour's prices give {format_tokens(given)} (off by {format_tokens(gross - given)})"
    )


def _prefix_bracket(bundle: HourBundle, prefix: bytes) -> list[tuple[Any, ...]]:
    """The leaves proving no holding key starts with `prefix` (`Holdings.isPrefixAbsent`):
    none for an empty tree, the first or last leaf, or the two adjacent leaves around it."""
    tree = bundle.holdings
    at = bisect.bisect_left(tree.keys, prefix + b"\x00" * (84 - len(prefix)))
    if tree.count == 0:
        return []
    if at == 0:
        return [tree.item(0).as_tuple()]
    if at == tree.count:
        return [tree.item(tree.count - 1).as_tuple()]
    return [tree.item(at - 1).as_tuple(), tree.item(at).as_tuple()]
