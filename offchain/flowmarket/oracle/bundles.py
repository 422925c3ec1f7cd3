"""The hour bundle (integer amounts, Merkle trees, commitment) built once per hour.

Solve, commit and publish each need hour h's `HourBundle`; building it hashes every
order, price and entry leaf (~24,000 keccak calls at the demo catalogue's 5,900
orders). The cache keeps the bundles of the last few hours, keyed by hour and fee
rate, until their hour is published (`release`): nothing reads a published hour's
bundle, and at 10^6 orders one holds some 4–5 GB (0.44 GB at 10^5, bench/README.md),
which the next hour's build would otherwise find still taken. A restarted oracle starts
empty and re-derives them from the journaled result, which gives identical bytes
(`build_hour_bundle` is pure).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowmarket.clearing import ResultDoc
from flowmarket.oracle.hour_commitment import HourBundle, build_hour_bundle

KEEP = 2


@dataclass
class BundleCache:
    """`get` builds a bundle the first time and returns the same object afterwards."""

    keep: int = KEEP
    _bundles: OrderedDict[tuple[int, int], HourBundle] = field(default_factory=OrderedDict)

    def get(
        self,
        result: ResultDoc,
        *,
        hour: int,
        fee_bps: int,
        orders: Sequence[Mapping[str, Any]] = (),
        batches: Mapping[str, Mapping[str, Any]] | None = None,
        order_sets: Sequence[Mapping[str, Any]] = (),
    ) -> HourBundle:
        key = (hour, fee_bps)
        bundle = self._bundles.get(key)
        if bundle is None:
            bundle = build_hour_bundle(
                result,
                hour=hour,
                fee_bps=fee_bps,
                orders=orders,
                batches=batches,
                order_sets=order_sets,
            )
            self.put(bundle, fee_bps=fee_bps)
        return bundle

    def cached(self, *, hour: int, fee_bps: int) -> HourBundle | None:
        return self._bundles.get((hour, fee_bps))

    def release(self, hour: int) -> None:
        """Forget hour `hour`'s bundles, at every fee rate (its hour is published)."""
        for key in [key for key in self._bundles if key[0] == hour]:
            del self._bundles[key]

    def put(self, bundle: HourBundle, *, fee_bps: int) -> None:
        """Remember a bundle just built from a fresh result (the solve step)."""
        self._bundles[(bundle.hour, fee_bps)] = bundle
        while len(self._bundles) > self.keep:
            self._bundles.popitem(last=False)
