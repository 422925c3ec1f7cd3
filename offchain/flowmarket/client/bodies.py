"""The JSON bodies of the API's signed writes, built in one place.

The participant client, the demo, the load benchmark, the API reference
(`scripts/api_reference.py`) and the tests send these (`POST /v1/orders`, `.../cancel`,
`POST /v1/expected-positions`, the auctions' `POST /v1/auctions/{name}/bids` and
`.../packages`): the EIP-712 message's fields, the domain it was signed for and the
65-byte signature.
"""

from __future__ import annotations

from typing import Any

from flowmarket.signing import (
    AuctionBidMessage,
    CancelMessage,
    Domain,
    ExpectedPositionsMessage,
    OrderMessage,
    PackageBidMessage,
    sign,
)
from flowmarket.signing.auction_bids import bid_json


def order_body(domain: Domain, order: OrderMessage, private_key: str) -> dict[str, Any]:
    """POST /v1/orders: `order` signed with `private_key` for `domain`."""
    return {
        "order": {
            "participant": order.participant,
            "nonce": order.nonce,
            "from_hour": order.from_hour,
            "until_hour": order.until_hour,
            "portfolio": order.portfolio,
            "curve": [list(point) for point in order.curve],
            "replaces": order.replaces,
        },
        "chain_id": domain.chain_id,
        "verifying_contract": domain.verifying_contract,
        "signature": sign(domain, order, private_key),
    }


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
    return {
        "report": {
            "participant": report.participant,
            "nonce": report.nonce,
            "deadline": report.deadline,
            "positions": report.positions,
        },
        "chain_id": domain.chain_id,
        "verifying_contract": domain.verifying_contract,
        "signature": sign(domain, report, private_key),
    }


def auction_bid_body(domain: Domain, bid: AuctionBidMessage, private_key: str) -> dict[str, Any]:
    """POST /v1/auctions/{bid.auction}/bids: a clock-round bid signed for `domain`."""
    return {
        "bid": bid_json(bid),
        "chain_id": domain.chain_id,
        "verifying_contract": domain.verifying_contract,
        "signature": sign(domain, bid, private_key),
    }


def package_bid_body(domain: Domain, bid: PackageBidMessage, private_key: str) -> dict[str, Any]:
    """POST /v1/auctions/{bid.auction}/packages: a sealed package bid signed for `domain`."""
    return {
        "bid": bid_json(bid),
        "chain_id": domain.chain_id,
        "verifying_contract": domain.verifying_contract,
        "signature": sign(domain, bid, private_key),
    }
