"""The one commitment of an hour cleared in quarter-hours (docs/schedule.md), from the
interval-hour document, with every expected amount worked out by hand (money rule 8,
tests/unit/money/test_money_interval.py)."""

from __future__ import annotations

from typing import Any

import pytest

from flowmarket.chain.leaves import entry_leaf, price_leaf, product_id
from flowmarket.errors import InvalidInput
from flowmarket.money import WAD
from flowmarket.oracle.hour_commitment import build_hour_bundle, interval_key

ANN = "0x" + "a" * 40
BOB = "0x" + "B" * 40
ANN_CS = "0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa"
BOB_CS = "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"


def _quarter(price: float, rate: float) -> dict[str, Any]:
    return {
        "prices": {"premium": price},
        "orders": {"o-ann": {"quantity": rate}, "o-bob": {"quantity": -rate}},
        "participants": {
            ANN: {"trades": {"premium": rate}, "cash": -price * rate},
            BOB: {"trades": {"premium": -rate}, "cash": price * rate},
        },
        "products": {"premium": {"volume": rate, "slope": 0.0}},
        "welfare": 8.0 * rate,
        "certificate": {"max_imbalance": 0.0, "max_order_gap": 0.0},
    }


def _hour(*quarters: dict[str, Any]) -> Any:
    return {"interval_s": 900, "intervals": list(quarters)}


def test_the_hour_entry_is_the_exact_sum_of_its_quarters() -> None:
    # Quarters 0-2: 3 GB/h at 1.1 (1 100 000 000 000 000 089 wei as a float): 0.75 GB for
    # 825 000 000 000 000 066.75 wei → ann −…067, bob +…067, fee 10 bps of …066 =
    # 825 000 000 000 000 each. Quarter 3: 2 GB/h at 2.0 → 0.5 GB for exactly 1 token,
    # fee 0.001 token each.
    q = _quarter(1.1, 3.0)
    bundle = build_hour_bundle(_hour(q, q, q, _quarter(2.0, 2.0)), hour=7, fee_bps=10)
    fee = 3 * 825_000_000_000_000 + WAD // 1000
    cash = 3 * 825_000_000_000_000_067 + WAD
    assert bundle.amounts.trades == {
        ANN_CS: {"premium": 2_750_000_000_000_000_000},
        BOB_CS: {"premium": -2_750_000_000_000_000_000},
    }
    assert bundle.amounts.net_cash == {ANN_CS: -cash - fee, BOB_CS: cash - fee}
    assert bundle.entries_tree.root == _root(bundle, ANN_CS, BOB_CS)
    commitment = bundle.commitment
    assert commitment.fees == 2 * fee
    assert commitment.volume == 2_750_000_000_000_000_000  # GB delivered in the hour
    # welfare 24 tokens/h for three quarters and 16 for one: 6 + 6 + 6 + 4 tokens
    assert commitment.welfare == 22 * WAD
    # each quarter's price is a leaf of its own, keyed by its interval
    leaf = price_leaf(product_id(interval_key(3, "premium")), 2 * WAD)
    assert bundle.prices_tree.proof(leaf)  # raises when the leaf is not in the tree
    assert bundle.price_leaf(interval_key(0, "premium")) == price_leaf(
        product_id("interval:0:premium"), 1_100_000_000_000_000_089
    )
    assert set(bundle.order_quantities) == {
        interval_key(j, o) for j in range(4) for o in ("o-ann", "o-bob")
    }


def test_an_hourly_result_keeps_its_commitment() -> None:
    hourly = build_hour_bundle(_quarter(1.1, 3.0), hour=7, fee_bps=10)  # type: ignore[arg-type]
    assert hourly.amounts.trades[ANN_CS] == {"premium": 3 * WAD}
    assert hourly.amounts.cash[ANN_CS] == -3_300_000_000_000_000_267
    assert hourly.commitment.volume == 3 * WAD


def test_an_interval_hour_with_a_quarter_missing_is_refused() -> None:
    q = _quarter(1.1, 3.0)
    with pytest.raises(InvalidInput, match="intervals: an hour of 900-second intervals has 4"):
        build_hour_bundle(_hour(q, q, q), hour=7, fee_bps=10)
    with pytest.raises(InvalidInput, match="1000 s is not a whole number"):
        build_hour_bundle({"interval_s": 1000, "intervals": [q]}, hour=7, fee_bps=10)


def _root(bundle: Any, *who: str) -> bytes:
    from flowmarket.merkle import MerkleTree

    return MerkleTree.from_leaves(entry_leaf(*bundle.entry_fields(p)) for p in who).root
