"""The backing of a committed hour's trade lines, as a verifier checks it (docs/settlement.md,
"Backing of a trade line").

From the published hour whose lines and fills roots are the chain's: an order with two fill
leaves, or a fills leaf of neither shape (`isFillsMalformed`); a line whose source is no key
of the fills tree, an order key with no fill or an unbacked source the tree does not list
(`isLineUnbacked`); a fill's line in a product outside its portfolio (`isLineOutsideFill`).
Each is returned as the ledger call that proves it, which `WeeklySettlement.challengeBalance`
takes as evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowmarket.actions.verify_balance import BalanceFault
from flowmarket.chain.leaves import product_id
from flowmarket.money import from_wad
from flowmarket.oracle.fills_tree import is_malformed
from flowmarket.oracle.hour_commitment import FillTerms, HourBundle
from flowmarket.oracle.trade_lines import decode_line


def backing_faults(
    bundle: HourBundle,
    fill_tuple: Callable[[HourBundle, FillTerms], tuple[Any, ...]],
    names: dict[bytes, str],
) -> list[BalanceFault]:
    """The provable backing faults of `bundle` (the hour as committed), fills tree first.
    names: product id → name, for the descriptions."""
    hour = bundle.hour
    fills, lines = bundle.fills_tree, bundle.lines
    by_key = {fill.key: fill for fill in bundle.fills.values()}
    out: list[BalanceFault] = []

    def order_of(key: bytes) -> str:
        fill = by_key.get(key)
        return f"order {fill.order_id}" if fill is not None else f"source 0x{key.hex()}"

    for i, (key, value) in enumerate(zip(fills.keys, fills.values, strict=True)):
        item = fills.item(i).as_tuple()
        if i and fills.keys[i - 1] >= key:
            what = "two fill leaves" if fills.keys[i - 1] == key else "fills out of order"
            out.append(
                BalanceFault(
                    f"{order_of(key)}: {what} in the fills tree (leaves {i - 1} and {i})",
                    "isFillsMalformed",
                    (hour, fills.item(i - 1).as_tuple(), item, True),
                )
            )
        if is_malformed(key, value):
            out.append(
                BalanceFault(
                    f"fills leaf {i}: neither a fill nor an unbacked source",
                    "isFillsMalformed",
                    (hour, item, item, False),
                )
            )
    for i, (key, value) in enumerate(zip(lines.keys, lines.values, strict=True)):
        line = decode_line(key, value)
        product = names.get(line.product, "0x" + line.product.hex())
        what = f"trade line of {product} ({from_wad(line.amount):+.6g} GB/h)"
        found = fills.find(line.source)
        if found is None:
            bracket = [item.as_tuple() for item in fills.lookup(line.source)]
            out.append(
                BalanceFault(
                    f"{what} on {order_of(line.source)}, which has no fill leaf",
                    "isLineUnbacked",
                    (hour, lines.item(i).as_tuple(), bracket),
                )
            )
            continue
        fill = by_key.get(line.source)
        if fill is not None and line.product not in {product_id(p) for p in fill.products}:
            out.append(
                BalanceFault(
                    f"{what} on order {fill.order_id}, whose portfolio does not hold {product}",
                    "isLineOutsideFill",
                    (hour, fill_tuple(bundle, fill), lines.item(i).as_tuple()),
                )
            )
    return out
