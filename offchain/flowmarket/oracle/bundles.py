"""The hour bundle (integer amounts, Merkle trees, commitment) built once per hour.

Solve builds hour h's `HourBundle`; building it hashes every order, price and entry
leaf (~24,000 keccak calls at the demo catalogue's 5,900 orders). Commit and publish
read only its `CommittedHour` part (amounts, prices and entries trees, commitment), so
the cache keeps that part of the last few hours' bundles, keyed by hour and fee rate,
until their hour is published (`release`): the rest (the order, trade-lines, holdings
and fills trees and the fills; most of a bundle's 0.34–0.56 GB at 10^5 orders,
bench/README.md) goes as soon as the solve step is done, and nothing of a published
hour stays for the next hour's build to find still taken. A restarted oracle starts
empty and re-derives them from the journaled result, which gives identical bytes
(`build_hour_bundle` is pure).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowmarket.clearing import ResultDoc
from flowmarket.oracle.hour_commitment import CommittedHour, build_hour_bundle

KEEP = 2


@dataclass
class BundleCache:
    """`get` builds a bundle the first time and returns the same committed part
    afterwards."""

    keep: int = KEEP
    _bundles: OrderedDict[tuple[int, int], CommittedHour] = field(default_factory=OrderedDict)

    def get(
        self,
        result: ResultDoc,
        *,
        hour: int,
        fee_bps: int,
        orders: Sequence[Mapping[str, Any]] = (),
        batches: Mapping[str, Mapping[str, Any]] | None = None,
        order_sets: Sequence[Mapping[str, Any]] = (),
    ) -> CommittedHour:
        key = (hour, fee_bps)
        kept = self._bundles.get(key)
        if kept is None:
            bundle = build_hour_bundle(
                result,
                hour=hour,
                fee_bps=fee_bps,
                orders=orders,
                batches=batches,
                order_sets=order_sets,
            )
            kept = self.put(bundle, fee_bps=fee_bps)
        return kept

    def cached(self, *, hour: int, fee_bps: int) -> CommittedHour | None:
        return self._bundles.get((hour, fee_bps))

    def release(self, hour: int) -> None:
        """Forget hour `hour`'s bundles, at every fee rate (its hour is published)."""
        for key in [key for key in self._bundles if key[0] == hour]:
            del self._bundles[key]

    def put(self, bundle: CommittedHour, *, fee_bps: int) -> CommittedHour:
        """Remember the committed part of a bundle (or that part) just built from a fresh
        result (the solve step); returns it."""
        kept = bundle.committed()
        self._bundles[(bundle.hour, fee_bps)] = kept
        while len(self._bundles) > self.keep:
            self._bundles.popitem(last=False)
        return kept
