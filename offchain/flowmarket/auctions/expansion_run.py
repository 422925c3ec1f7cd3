"""Run an expansion auction: check the packages, select (MILP), verify exactly, price.

Pricing rule: the configuration and winners maximise the as-bid surplus (winning bids
minus the cost of what is built) among outcomes that admit one price per unit of
capacity on each leg at which every built leg recovers its cost and every winner pays
at most its bid; each leg's price is then the lowest such: cost ÷ capacity sold.
`docs/auctions.md` states which properties hold and why.
"""

from __future__ import annotations

from collections.abc import Iterable

from flowmarket.auctions.expansion_milp import Selection, select
from flowmarket.auctions.expansion_prices import (
    ExpansionResult,
    in_the_money_losers,
    leg_outcomes,
    payments,
    priced,
)
from flowmarket.auctions.expansion_spec import ExpansionSpec, PackageBid, check_package
from flowmarket.auctions.revisions import latest_revisions
from flowmarket.errors import ClearingFailed

MAX_CUTS = 64


def effective_packages(bids: Iterable[PackageBid]) -> list[PackageBid]:
    """Each bidder's highest-revision package, sorted by bidder."""
    return list(latest_revisions(bids).values())


def run_expansion(spec: ExpansionSpec, bids: Iterable[PackageBid]) -> ExpansionResult:
    """Winners, built alternatives, prices and payments of the sealed packages `bids`."""
    packages = effective_packages(bids)
    for bid in packages:
        check_package(spec, bid)
    excluded: list[Selection] = []
    for _ in range(MAX_CUTS):
        selection = select(spec, packages, excluded)
        legs = leg_outcomes(spec, packages, selection)
        if priced(legs, packages, selection.winners):
            awards = payments(legs, packages, selection.winners)
            losers = in_the_money_losers(legs, packages, selection.winners)
            return ExpansionResult(legs, awards, losers)
        excluded.append(selection)
    raise ClearingFailed(
        f"expansion {spec.name}: no exactly priced selection after {MAX_CUTS} cuts"
    )
