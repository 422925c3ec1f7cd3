"""The balance of a committed hour, as a verifier checks it (docs/settlement.md, "Balance
of an hour").

From the published hour whose orders and trade-lines roots are the chain's, every fault
the ledger's balance views can be shown: a fill whose trade in a product has no line
(`isLineMissing`) or a line that is not the fill's quantity × weight (`isLineOffFill`),
and a product whose lines do not open at zero, do not continue, or end outside the
tolerance (`isUnbalanced`). Each is returned as the ledger call that proves it, which
`WeeklySettlement.challengeBalance` takes as evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flowmarket.chain.leaves import order_key, product_id
from flowmarket.money import from_wad
from flowmarket.oracle.hour_commitment import FillTerms, HourBundle
from flowmarket.oracle.trade_lines import Line, decode_line, is_outside_tolerance, line_amount


@dataclass(frozen=True)
class BalanceFault:
    """`function` of the ledger called with `args` returns true: `description` holds."""

    description: str
    function: str
    args: tuple[Any, ...]


def balance_faults(
    bundle: HourBundle, fill_tuple: Callable[[HourBundle, FillTerms], tuple[Any, ...]]
) -> list[BalanceFault]:
    """The provable balance faults of `bundle` (the hour as committed), lines first."""
    hour = bundle.hour
    names = product_names(bundle)
    tree = bundle.lines
    lines = [decode_line(k, v) for k, v in zip(tree.keys, tree.values, strict=True)]
    out: list[BalanceFault] = []
    for fill in bundle.fills.values():
        source = order_key(fill.order_id)
        for k, (name, weight) in enumerate(zip(fill.products, fill.weights, strict=True)):
            amount = line_amount(fill.quantity, weight, fill.interval_s)
            key = product_id(name) + source
            found = tree.find(key)
            what = f"fill of order {fill.order_id} in {name}: {from_wad(amount):+.6g} GB/h"
            if found is None and amount != 0:
                bracket = [item.as_tuple() for item in tree.lookup(key)]
                out.append(
                    BalanceFault(
                        f"{what}, no trade line",
                        "isLineMissing",
                        (hour, fill_tuple(bundle, fill), k, bracket),
                    )
                )
            elif found is not None and lines[found].amount != amount:
                out.append(
                    BalanceFault(
                        f"{what}, its trade line says {from_wad(lines[found].amount):+.6g}",
                        "isLineOffFill",
                        (hour, fill_tuple(bundle, fill), k, tree.item(found).as_tuple()),
                    )
                )
    out += _sum_faults(bundle, lines, names)
    return out


def _sum_faults(
    bundle: HourBundle, lines: list[Line], names: dict[bytes, str]
) -> list[BalanceFault]:
    tree = bundle.lines
    out: list[BalanceFault] = []

    def fault(description: str, a: int, b: int | None) -> None:
        first = tree.item(a).as_tuple()
        second = tree.item(b).as_tuple() if b is not None else first
        out.append(
            BalanceFault(description, "isUnbalanced", (bundle.hour, first, second, b is not None))
        )

    for i, line in enumerate(lines):
        name = names.get(line.product, "0x" + line.product.hex())
        opens = i == 0 or lines[i - 1].product != line.product
        if opens and (line.sum_before != 0 or line.gross_before != 0):
            fault(f"product {name}: its first trade line's running sums are not zero",
                  i - 1 if i else i, i if i else None)  # fmt: skip
        before = lines[i - 1]
        continued = (before.sum_after, before.gross_after)
        if not opens and (line.sum_before, line.gross_before) != continued:
            fault(f"product {name}: trade lines {i - 1} and {i} do not continue the sums", i - 1, i)
        closes = i == len(lines) - 1 or lines[i + 1].product != line.product
        if closes and is_outside_tolerance(line.sum_after, line.gross_after):
            fault(
                f"product {name}: its committed trades sum to {from_wad(line.sum_after):+.6g} "
                f"GB/h, not zero (gross {from_wad(line.gross_after):.6g} GB/h)",
                i,
                i + 1 if i + 1 < len(lines) else None,
            )
    return out


def product_names(bundle: HourBundle) -> dict[bytes, str]:
    names: Iterable[str] = [
        *bundle.amounts.prices,
        *(p for fill in bundle.fills.values() for p in fill.products),
        *(p for book in bundle.amounts.trades.values() for p in book),
    ]
    return {product_id(name): name for name in names}
