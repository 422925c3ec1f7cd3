"""A bidder's side of the auction routes: read an auction, sign and send bids.

Built on `ParticipantClient` (its wallet, domain and sign-in). Prices in capacity tokens
per GB, quantities in GB (GB per hour on a leg), amounts in tokens, as signed.
"""

from __future__ import annotations

from typing import Any

import httpx

from flowmarket.client.bodies import bid_body
from flowmarket.client.participant_client import ParticipantClient, check_response
from flowmarket.errors import ApiUnavailable, Conflict
from flowmarket.signing import AuctionBidMessage, PackageBidMessage
from flowmarket.signing.fixed_point import signable

Schedule = list[tuple[float, float]]


class AuctionClient:
    """Auction calls for the wallet of `participant`."""

    def __init__(self, participant: ParticipantClient) -> None:
        self.participant = participant

    def _get(self, path: str) -> Any:
        return self.participant.call("GET", path).json()

    def auction(self, name: str) -> dict[str, Any]:
        body: dict[str, Any] = self._get(f"/v1/auctions/{name}")
        return body

    def mine(self, name: str) -> dict[str, Any]:
        body: dict[str, Any] = self.participant.private(f"auctions/{name}")
        return body

    def next_revision(self, name: str, round_: int) -> int:
        revisions = [b["revision"] for b in self.mine(name)["bids"] if b["round"] == round_]
        return max(revisions) + 1 if revisions else 0

    def bid(
        self,
        name: str,
        demand: dict[str, Schedule],
        *,
        round_: int | None = None,
        revision: int | None = None,
    ) -> dict[str, Any]:
        """Sign and send a demand schedule per product for the open round (or `round_`)."""
        if round_ is None:
            current = self.auction(name).get("open_round")
            if current is None:
                raise Conflict("bid.round", f"auction {name} has no open round")
            round_ = int(current["round"])
        if revision is None:
            revision = self.next_revision(name, round_)
        message = AuctionBidMessage(
            bidder=self.participant.account.address,
            auction=name,
            round=round_,
            revision=revision,
            demand={
                product: tuple((signable(p), signable(q)) for p, q in points)
                for product, points in demand.items()
            },
        )
        body = bid_body(self.participant.domain(), message, self.participant.account.key.hex())
        result: dict[str, Any] = self.participant.call(
            "POST", f"/v1/auctions/{name}/bids", json=body
        ).json()
        return result

    def package(
        self, name: str, amount: float, capacities: dict[str, float], *, revision: int | None = None
    ) -> dict[str, Any]:
        """Sign and send a sealed package bid (a later revision replaces an earlier one)."""
        if revision is None:
            revisions = [b["revision"] for b in self.mine(name)["bids"]]
            revision = max(revisions) + 1 if revisions else 0
        message = PackageBidMessage(
            bidder=self.participant.account.address,
            auction=name,
            revision=revision,
            amount=signable(amount),
            capacities={leg: signable(c) for leg, c in capacities.items()},
        )
        body = bid_body(self.participant.domain(), message, self.participant.account.key.hex())
        result: dict[str, Any] = self.participant.call(
            "POST", f"/v1/auctions/{name}/packages", json=body
        ).json()
        return result


RECORD_PATHS = {"auction": "", "rounds": "/rounds", "bids": "/bids", "results": "/results"}


def published_record(
    base_url: str,
    name: str,
    *,
    parts: tuple[str, ...] = tuple(RECORD_PATHS),
    timeout: float = 30.0,
) -> dict[str, Any]:
    """What the API publishes about auction `name` (no wallet needed): the auction, its
    rounds, every signed bid and the result (the last two once it has ended)."""
    out: dict[str, Any] = {}
    with httpx.Client(base_url=base_url, timeout=timeout) as http:
        for key in parts:
            path = RECORD_PATHS[key]
            try:
                response = http.get(f"/v1/auctions/{name}{path}")
            except httpx.HTTPError as exc:
                raise ApiUnavailable(f"cannot reach {base_url}: {exc}") from None
            check_response(response)
            out[key] = response.json()
    return out
