"""The JSON bodies of the API's signed writes, built in one place.

The participant client, the demo, the load benchmark, the API reference
(`scripts/api_reference.py`) and the tests send these (`POST /v1/orders`,
`POST /v1/orders/batch`, `.../cancel`, `POST /v1/expected-positions`, the auctions'
`POST /v1/auctions/{name}/bids` and `.../packages`, `POST /v1/authorisations`): the
EIP-712 message's fields, the domain it was signed for and the 65-byte signature.
"""

from __future__ import annotations

from typing import Any

from flowmarket.money import wad_string
from flowmarket.signing import (
    AuctionBidMessage,
    AuthorisationMessage,
    CancelMessage,
    Domain,
    ExpectedPositionsMessage,
    OrderBatchMessage,
    OrderMessage,
    PackageBidMessage,
    UsageReportMessage,
    sign,
)
from flowmarket.signing.auction_bids import bid_json
from flowmarket.signing.typed_data import Message as SignedMessage


def _signed(
    domain: Domain, message: SignedMessage, private_key: str, **payload: Any
) -> dict[str, Any]:
    """`payload` with the envelope every signed write carries: domain and signature."""
    return {
        **payload,
        "chain_id": domain.chain_id,
        "verifying_contract": domain.verifying_contract,
        "signature": sign(domain, message, private_key),
    }


def order_json(order: OrderMessage) -> dict[str, Any]:
    """The `order` object of a request: the signed `Order` struct's fields (and a
    non-convex order's kind and parameters; an all-or-nothing order sends no curve; a
    portfolio order sends its named `portfolios` instead of `portfolio`)."""
    body: dict[str, Any] = {
        "participant": order.participant,
        "nonce": order.nonce,
        "from_hour": order.from_hour,
        "until_hour": order.until_hour,
        "portfolio": order.portfolio,
        "curve": [list(point) for point in order.curve],
        "replaces": order.replaces,
    }
    if order.terms is not None:
        body.update(order.terms.as_json())
        if not order.curve:
            del body["curve"]
    if order.portfolios is not None:  # a portfolio order (docs/portfolios.md)
        del body["portfolio"]
        body["portfolios"] = [p.as_json() for p in order.portfolios]
    return body


def order_body(domain: Domain, order: OrderMessage, private_key: str) -> dict[str, Any]:
    """POST /v1/orders: `order` signed with `private_key` for `domain`."""
    return _signed(domain, order, private_key, order=order_json(order))


def batch_body(domain: Domain, batch: OrderBatchMessage, private_key: str) -> dict[str, Any]:
    """POST /v1/orders/batch: the batch (its orders and cancels) signed once for `domain`."""
    fields = {
        "participant": batch.participant,
        "orders": [order_json(order) for order in batch.orders],
        "cancels": list(batch.cancels),
    }
    return _signed(domain, batch, private_key, batch=fields)


def cancel_body(domain: Domain, message: CancelMessage, private_key: str) -> dict[str, Any]:
    """POST /v1/orders/{message.order_hash}/cancel: the cancel signed for `domain`."""
    return {
        "participant": message.participant,
        "chain_id": domain.chain_id,
        "signature": sign(domain, message, private_key),
    }


def expected_positions_body(
    domain: Domain, report: ExpectedPositionsMessage, private_key: str
) -> dict[str, Any]:
    """POST /v1/expected-positions: the report signed for `domain`."""
    fields = {
        "participant": report.participant,
        "nonce": report.nonce,
        "deadline": report.deadline,
        "positions": report.positions,
    }
    return _signed(domain, report, private_key, report=fields)


def usage_body(domain: Domain, report: UsageReportMessage, private_key: str) -> dict[str, Any]:
    """POST /v1/usage: the network operator's usage report signed for `domain`."""
    entries = [
        {"product": product, "participant": who, "gb": wad_string(quantity)}
        for product, who, quantity in report.sorted_entries()
    ]
    fields = {"operator": report.operator, "hour": report.hour, "entries": entries}
    return _signed(domain, report, private_key, report=fields)


def bid_body(
    domain: Domain, bid: AuctionBidMessage | PackageBidMessage, private_key: str
) -> dict[str, Any]:
    """POST /v1/auctions/{bid.auction}/bids (a clock-round `AuctionBid`) or .../packages
    (a sealed `PackageBid`): the bid signed for `domain`."""
    return _signed(domain, bid, private_key, bid=bid_json(bid))


def authorisation_body(
    domain: Domain, message: AuthorisationMessage, private_key: str
) -> dict[str, Any]:
    """POST /v1/authorisations: the authorisation signed for `domain` (a limit not set
    is null)."""
    fields = {
        "participant": message.participant,
        "nonce": message.nonce,
        "from_hour": message.from_hour,
        "until_hour": message.until_hour,
        "portfolio": message.portfolio,
        "min_rate": message.min_rate,
        "max_rate": message.max_rate,
        "min_position": message.min_position,
        "max_position": message.max_position,
        "replaces": message.replaces,
    }
    return _signed(domain, message, private_key, authorisation=fields)
