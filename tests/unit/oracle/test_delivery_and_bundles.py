"""Which products leave the live state after an hour clears, and the per-hour bundle cache."""

from __future__ import annotations

from typing import Any

from flowmarket.catalogue import Kind, ProductKey
from flowmarket.oracle.bundles import BundleCache
from flowmarket.oracle.delivery import delivered_by, period_end
from flowmarket.oracle.hour_commitment import CommittedHour, build_hour_bundle, entries_document

HOUR = 498_702


def name(kind: Kind, hour: int) -> str:
    return ProductKey(kind, "eu-west", "premium", hour).name


def test_a_real_time_product_is_delivered_once_its_own_hour_has_cleared() -> None:
    rt = name(Kind.REAL_TIME, HOUR)
    assert delivered_by([rt], HOUR - 1) == []
    assert delivered_by([rt], HOUR) == [rt]
    assert delivered_by([rt], HOUR + 5) == [rt]


def test_an_hourly_forward_stays_live_until_its_delivery_hour_has_cleared() -> None:
    forward = name(Kind.HOURLY, HOUR + 3)
    assert delivered_by([forward], HOUR + 2) == []
    assert delivered_by([forward], HOUR + 3) == [forward]


def test_names_outside_the_catalogue_are_never_delivered() -> None:
    assert period_end("premium") is None
    assert period_end("rt:eu-west:premium:not-an-hour") is None
    assert delivered_by(["premium", "regular", "rt:bad"], 10**9) == []


def test_delivered_products_come_back_sorted_and_only_once_each() -> None:
    names = [name(Kind.REAL_TIME, HOUR), name(Kind.HOURLY, HOUR - 1), name(Kind.HOURLY, HOUR + 9)]
    assert delivered_by(set(names), HOUR) == sorted(names[:2])


def _result(price: float) -> dict[str, Any]:
    buyer, seller = "0x" + "11" * 20, "0x" + "22" * 20
    return {
        "prices": {"premium": price},
        "orders": {"a": {"quantity": 2.0}, "b": {"quantity": 2.0}},
        "participants": {
            buyer: {"trades": {"premium": 2.0}, "cash": -2.0 * price},
            seller: {"trades": {"premium": -2.0}, "cash": 2.0 * price},
        },
        "products": {"premium": {"volume": 2.0, "slope": -1.0}},
        "welfare": 3.0,
        "certificate": {"max_imbalance": 0.0, "max_order_gap": 0.0},
    }


def test_the_bundle_cache_builds_each_hour_once_and_matches_a_fresh_build() -> None:
    cache = BundleCache()
    first = cache.get(_result(4.0), hour=HOUR, fee_bps=10)
    assert cache.get(_result(99.0), hour=HOUR, fee_bps=10) is first  # the journaled one
    assert first.commitment == build_hour_bundle(_result(4.0), hour=HOUR, fee_bps=10).commitment
    other_fee = cache.get(_result(4.0), hour=HOUR, fee_bps=25)
    assert other_fee.commitment.fees != first.commitment.fees


def test_the_bundle_cache_keeps_only_the_latest_hours_and_a_fresh_solve_replaces_one() -> None:
    cache = BundleCache(keep=2)
    for hour in (HOUR, HOUR + 1, HOUR + 2):
        cache.get(_result(4.0), hour=hour, fee_bps=10)
    assert cache.cached(hour=HOUR, fee_bps=10) is None
    assert cache.cached(hour=HOUR + 2, fee_bps=10) is not None
    solved = build_hour_bundle(_result(5.0), hour=HOUR + 2, fee_bps=10)
    kept = cache.put(solved, fee_bps=10)
    assert cache.cached(hour=HOUR + 2, fee_bps=10) is kept
    assert kept.commitment == solved.commitment and kept.amounts is solved.amounts


def test_the_cache_keeps_only_what_commit_and_publish_read_of_a_bundle() -> None:
    cache = BundleCache()
    solved = build_hour_bundle(_result(4.0), hour=HOUR, fee_bps=10)
    kept = cache.put(solved, fee_bps=10)
    # Not the bundle: its order, lines, holdings and fills trees and fills are not held.
    assert type(kept) is CommittedHour and not hasattr(kept, "fills_tree")
    assert (kept.hour, kept.commitment, kept.network) == (HOUR, solved.commitment, {})
    assert (kept.prices_tree.root, kept.entries_tree.root) == (
        solved.prices_tree.root,
        solved.entries_tree.root,
    )
    for product in solved.amounts.prices:
        assert kept.price_leaf(product) == solved.price_leaf(product)
    for who in solved.amounts.trades:
        assert kept.entry_leaf(who) == solved.entry_leaf(who)
    assert entries_document(kept) == entries_document(solved)


def test_releasing_an_hour_forgets_its_bundles_at_every_fee_and_keeps_the_others() -> None:
    cache = BundleCache(keep=4)
    for hour, fee in ((HOUR, 10), (HOUR, 25), (HOUR + 1, 10)):
        cache.get(_result(4.0), hour=hour, fee_bps=fee)
    cache.release(HOUR)
    assert cache.cached(hour=HOUR, fee_bps=10) is None
    assert cache.cached(hour=HOUR, fee_bps=25) is None
    assert cache.cached(hour=HOUR + 1, fee_bps=10) is not None
