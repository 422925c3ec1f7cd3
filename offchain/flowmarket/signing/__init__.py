"""Typed data and signatures shared by the API (verify) and the CLI (sign).

Pure: eth-account and the standard library only, so both sides encode identical bytes.
"""

from flowmarket.signing.auction_bids import AuctionBidMessage, PackageBidMessage
from flowmarket.signing.authorisation import AuthorisationMessage
from flowmarket.signing.expected_positions import ExpectedPositionsMessage
from flowmarket.signing.fixed_point import from_fixed, product_id, to_fixed
from flowmarket.signing.login import (
    LoginMessage,
    parse_login_message,
    recover_login_signer,
    sign_login,
)
from flowmarket.signing.nonconvex_order import NonConvexTerms
from flowmarket.signing.order_batch import BatchReceiptMessage, OrderBatchMessage, receipt_leaf
from flowmarket.signing.portfolio_order import NamedPortfolio
from flowmarket.signing.typed_data import (
    ZERO_HASH,
    CancelMessage,
    Domain,
    OrderMessage,
    ReceiptMessage,
    batch_ids,
    digest,
    order_struct_hash,
    recover,
    recover_digest,
    sign,
    typed_data,
)
from flowmarket.signing.usage import UsageReportMessage

__all__ = [
    "ZERO_HASH",
    "AuctionBidMessage",
    "AuthorisationMessage",
    "BatchReceiptMessage",
    "CancelMessage",
    "Domain",
    "ExpectedPositionsMessage",
    "LoginMessage",
    "NamedPortfolio",
    "NonConvexTerms",
    "OrderBatchMessage",
    "OrderMessage",
    "PackageBidMessage",
    "ReceiptMessage",
    "UsageReportMessage",
    "batch_ids",
    "digest",
    "from_fixed",
    "order_struct_hash",
    "parse_login_message",
    "product_id",
    "receipt_leaf",
    "recover",
    "recover_digest",
    "recover_login_signer",
    "sign",
    "sign_login",
    "to_fixed",
    "typed_data",
]
