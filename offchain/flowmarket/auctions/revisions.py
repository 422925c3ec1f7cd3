"""Which of a bidder's bids counts: its highest revision (both auction formats)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from flowmarket.errors import FieldError


class Revised(Protocol):
    @property
    def bidder(self) -> str: ...
    @property
    def revision(self) -> int: ...


B = TypeVar("B", bound=Revised)


def latest_revisions(bids: Iterable[B]) -> dict[str, B]:
    """{bidder: its highest-revision bid}, sorted by bidder; two bids of one bidder with
    the same revision are an error (a bidder revises by raising the revision)."""
    out: dict[str, B] = {}
    for bid in bids:
        held = out.get(bid.bidder)
        if held is not None and held.revision == bid.revision:
            raise FieldError(
                "bid.revision", f"{bid.bidder} has two bids with revision {bid.revision}"
            )
        if held is None or bid.revision > held.revision:
            out[bid.bidder] = bid
    return dict(sorted(out.items()))
