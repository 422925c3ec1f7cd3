"""EIP-712 typed data for orders, cancels and receipts: one encoder for API and CLI.

Domain: `EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)`
with name "flowmarket", version "1" and the ClearingLedger as verifying contract.

Struct types (their Solidity twins must use these exact strings):

    Order(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,
          bytes32 replaces,bytes32[] products,int256[] weights,
          int256[] curveQuantities,int256[] curvePrices)
    Cancel(address participant,bytes32 orderHash)
    Receipt(bytes32 orderHash,address participant,uint256 nonce,string action,
            uint64 recordedAt)

- `products[k]` is `keccak256(bytes(name))`; the portfolio is listed in ascending
  order of product name (Python `sorted`, i.e. by code point); `weights[k]` is the
  weight of `products[k]`.
- Weights, quantities (GB/h) and prices (capacity tokens per GB of the portfolio)
  are int256 fixed-point with 18 decimals (see `fixed_point`).
- `fromHour`/`untilHour` are delivery hours (hours since the Unix epoch), inclusive.
- `replaces` is the EIP-712 digest of the order this one replaces, or zero.
- An order's id is its EIP-712 digest (`0x` + 64 hex digits).
- `OrderBatch` (orders and cancels signed at once) and `BatchReceipt` are documented in
  `order_batch`; `ExpectedPositions` (a participant's reported expected positions) in
  `expected_positions`; `AuctionBid` and `PackageBid` (primary-auction bids) in
  `auction_bids`; `UsageReport` (the network operator's metered usage) in `usage`;
  `Authorisation` (a participant's limits on one portfolio) in `authorisation`.
- An `OrderMessage` with `terms` (a non-convex order: all-or-nothing, minimum fill,
  start-up cost) is signed as a `NonConvexOrder` (`nonconvex_order`); one with
  `portfolios` (a curve over several named portfolios) as a `PortfolioOrder`
  (`portfolio_order`); otherwise as `Order`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_account.messages import SignableMessage, encode_typed_data
from eth_keys.datatypes import PrivateKey, Signature
from eth_keys.exceptions import BadSignature
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak as reference_keccak

from flowmarket.errors import FieldError, InvalidInput
from flowmarket.hashing import keccak
from flowmarket.signing.auction_bids import (
    AUCTION_BID_TYPE_STRING,
    PACKAGE_BID_TYPE_STRING,
    AuctionBidMessage,
    PackageBidMessage,
)
from flowmarket.signing.authorisation import AUTHORISATION_TYPE_STRING, AuthorisationMessage
from flowmarket.signing.expected_positions import (
    EXPECTED_POSITIONS_TYPE_STRING,
    ExpectedPositionsMessage,
)
from flowmarket.signing.fixed_point import product_id, to_fixed
from flowmarket.signing.nonconvex_order import (
    NONCONVEX_ORDER_TYPE_STRING,
    NonConvexTerms,
    hash_nonconvex_order,
    terms_struct,
)
from flowmarket.signing.order_batch import (
    BATCH_RECEIPT_TYPE_STRING,
    ORDER_BATCH_FIELDS,
    BatchReceiptMessage,
    OrderBatchMessage,
)
from flowmarket.signing.portfolio_order import (
    PORTFOLIO_ORDER_PRIMARY,
    PORTFOLIO_TYPE_STRING,
    NamedPortfolio,
    hash_portfolio_order,
    ordered,
    portfolio_struct,
)
from flowmarket.signing.struct_hash import (
    domain_separator,
    hash_cancel,
    hash_order,
    hash_receipt,
)
from flowmarket.signing.usage import USAGE_REPORT_TYPE_STRING, UsageReportMessage

DOMAIN_NAME = "flowmarket"
DOMAIN_VERSION = "1"
ZERO_HASH = "0x" + "00" * 32

ORDER_TYPE_STRING = (
    "Order(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,"
    "bytes32 replaces,bytes32[] products,int256[] weights,"
    "int256[] curveQuantities,int256[] curvePrices)"
)
CANCEL_TYPE_STRING = "Cancel(address participant,bytes32 orderHash)"
RECEIPT_TYPE_STRING = (
    "Receipt(bytes32 orderHash,address participant,uint256 nonce,string action,uint64 recordedAt)"
)

_DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def _fields(type_string: str) -> list[dict[str, str]]:
    inner = type_string[type_string.index("(") + 1 : -1]
    return [
        {"name": name, "type": kind}
        for kind, name in (member.split(" ") for member in inner.split(","))
    ]


@dataclass(frozen=True)
class Domain:
    """The EIP-712 domain: chain id and the ClearingLedger address."""

    chain_id: int
    verifying_contract: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }


@dataclass(frozen=True)
class OrderMessage:
    """An order as signed. portfolio: {product: weight}; curve: ((GB/h, price), ...);
    terms: a non-convex order's kind and parameters (None: a curve order); portfolios:
    the named portfolios of a curve over several of them (then `portfolio` is empty)."""

    participant: str
    nonce: int
    from_hour: int
    until_hour: int
    portfolio: dict[str, float]
    curve: tuple[tuple[float, float], ...]
    replaces: str | None = None
    terms: NonConvexTerms | None = None
    portfolios: tuple[NamedPortfolio, ...] | None = None

    def struct(self) -> dict[str, Any]:
        """The EIP-712 message: fixed-point integers, products sorted by name."""
        if self.portfolios is not None:
            return self._portfolio_struct(self.portfolios)
        names = sorted(self.portfolio)
        extra = {} if self.terms is None else terms_struct(self.terms)
        return extra | {
            "participant": to_checksum_address(self.participant),
            "nonce": self.nonce,
            "fromHour": self.from_hour,
            "untilHour": self.until_hour,
            "replaces": bytes.fromhex((self.replaces or ZERO_HASH)[2:]),
            "products": [product_id(name) for name in names],
            "weights": [
                to_fixed(self.portfolio[name], field=f"order.portfolio.{name}") for name in names
            ],
            "curveQuantities": [
                to_fixed(q, field=f"order.curve[{k}][0]") for k, (q, _) in enumerate(self.curve)
            ],
            "curvePrices": [
                to_fixed(p, field=f"order.curve[{k}][1]") for k, (_, p) in enumerate(self.curve)
            ],
        }

    def _portfolio_struct(self, portfolios: tuple[NamedPortfolio, ...]) -> dict[str, Any]:
        if self.terms is not None:
            raise FieldError("order.portfolios", "a non-convex order has one inline portfolio")
        return {
            "participant": to_checksum_address(self.participant),
            "nonce": self.nonce,
            "fromHour": self.from_hour,
            "untilHour": self.until_hour,
            "replaces": bytes.fromhex((self.replaces or ZERO_HASH)[2:]),
            "portfolios": [portfolio_struct(k, p) for k, p in enumerate(ordered(portfolios))],
            "curveQuantities": [
                to_fixed(q, field=f"order.curve[{k}][0]") for k, (q, _) in enumerate(self.curve)
            ],
            "curvePrices": [
                to_fixed(p, field=f"order.curve[{k}][1]") for k, (_, p) in enumerate(self.curve)
            ],
        }


@dataclass(frozen=True)
class CancelMessage:
    """A cancel of one order (by its id) signed by the order's participant."""

    participant: str
    order_hash: str

    def struct(self) -> dict[str, Any]:
        return {
            "participant": to_checksum_address(self.participant),
            "orderHash": bytes.fromhex(self.order_hash[2:]),
        }


@dataclass(frozen=True)
class ReceiptMessage:
    """The operator's acknowledgement: action is "accepted" or "cancelled"."""

    order_hash: str
    participant: str
    nonce: int
    action: str
    recorded_at: int

    def struct(self) -> dict[str, Any]:
        return {
            "orderHash": bytes.fromhex(self.order_hash[2:]),
            "participant": to_checksum_address(self.participant),
            "nonce": self.nonce,
            "action": self.action,
            "recordedAt": self.recorded_at,
        }


_TYPES = {
    OrderMessage: ("Order", ORDER_TYPE_STRING),
    OrderBatchMessage: ("OrderBatch", ORDER_BATCH_FIELDS),
    BatchReceiptMessage: ("BatchReceipt", BATCH_RECEIPT_TYPE_STRING),
    CancelMessage: ("Cancel", CANCEL_TYPE_STRING),
    ReceiptMessage: ("Receipt", RECEIPT_TYPE_STRING),
    ExpectedPositionsMessage: ("ExpectedPositions", EXPECTED_POSITIONS_TYPE_STRING),
    AuctionBidMessage: ("AuctionBid", AUCTION_BID_TYPE_STRING),
    PackageBidMessage: ("PackageBid", PACKAGE_BID_TYPE_STRING),
    UsageReportMessage: ("UsageReport", USAGE_REPORT_TYPE_STRING),
    AuthorisationMessage: ("Authorisation", AUTHORISATION_TYPE_STRING),
}

Message = (
    OrderMessage
    | OrderBatchMessage
    | BatchReceiptMessage
    | CancelMessage
    | ReceiptMessage
    | ExpectedPositionsMessage
    | AuctionBidMessage
    | PackageBidMessage
    | UsageReportMessage
    | AuthorisationMessage
)


def typed_data(domain: Domain, message: Message) -> dict[str, Any]:
    """The full EIP-712 document (`eth_signTypedData_v4` input) for `message`."""
    if isinstance(message, OrderBatchMessage):
        _curve_orders_only(message)
    primary, type_string = _TYPES[type(message)]
    if isinstance(message, OrderMessage) and message.terms is not None:
        primary, type_string = "NonConvexOrder", NONCONVEX_ORDER_TYPE_STRING
    if isinstance(message, OrderMessage) and message.portfolios is not None:
        primary, type_string = "PortfolioOrder", PORTFOLIO_ORDER_PRIMARY
    types = {"EIP712Domain": _DOMAIN_FIELDS, primary: _fields(type_string)}
    if primary == "PortfolioOrder":
        types["Portfolio"] = _fields(PORTFOLIO_TYPE_STRING)
    if isinstance(message, OrderBatchMessage):
        types["Order"] = _fields(ORDER_TYPE_STRING)
    return {
        "types": types,
        "primaryType": primary,
        "domain": domain.as_dict(),
        "message": message.struct(),
    }


def reference_digest(domain: Domain, message: Message) -> str:
    """The digest by eth-account's generic EIP-712 encoder (what wallets compute)."""
    signable: SignableMessage = encode_typed_data(full_message=typed_data(domain, message))
    return (
        "0x" + reference_keccak(b"\x19" + signable.version + signable.header + signable.body).hex()
    )


def _struct_hash(message: Message) -> bytes:
    if isinstance(
        message,
        ExpectedPositionsMessage
        | AuctionBidMessage
        | PackageBidMessage
        | UsageReportMessage
        | BatchReceiptMessage
        | AuthorisationMessage,
    ):
        return message.struct_hash()
    if isinstance(message, OrderBatchMessage):
        _curve_orders_only(message)
        return message.struct_hash(ORDER_TYPE_STRING, [_struct_hash(o) for o in message.orders])
    if isinstance(message, OrderMessage) and message.portfolios is not None:
        if message.terms is not None:
            raise FieldError("order.portfolios", "a non-convex order has one inline portfolio")
        return hash_portfolio_order(
            participant=message.participant,
            nonce=message.nonce,
            from_hour=message.from_hour,
            until_hour=message.until_hour,
            replaces=message.replaces or ZERO_HASH,
            portfolios=message.portfolios,
            curve=message.curve,
        )
    if isinstance(message, OrderMessage) and message.terms is not None:
        return hash_nonconvex_order(
            participant=message.participant,
            nonce=message.nonce,
            from_hour=message.from_hour,
            until_hour=message.until_hour,
            replaces=message.replaces or ZERO_HASH,
            portfolio=message.portfolio,
            curve=message.curve,
            terms=message.terms,
        )
    if isinstance(message, OrderMessage):
        return hash_order(
            ORDER_TYPE_STRING,
            participant=message.participant,
            nonce=message.nonce,
            from_hour=message.from_hour,
            until_hour=message.until_hour,
            replaces=message.replaces or ZERO_HASH,
            portfolio=message.portfolio,
            curve=message.curve,
        )
    if isinstance(message, CancelMessage):
        return hash_cancel(
            CANCEL_TYPE_STRING, participant=message.participant, order_hash=message.order_hash
        )
    return hash_receipt(
        RECEIPT_TYPE_STRING,
        order_hash=message.order_hash,
        participant=message.participant,
        nonce=message.nonce,
        action=message.action,
        recorded_at=message.recorded_at,
    )


def _curve_orders_only(batch: OrderBatchMessage) -> None:
    for k, order in enumerate(batch.orders):
        if order.terms is not None:
            raise FieldError(
                f"batch.orders[{k}].kind",
                "a non-convex order is signed alone (POST /v1/orders), not in a batch",
            )
        if order.portfolios is not None:
            raise FieldError(
                f"batch.orders[{k}].portfolios",
                "an order over several portfolios is signed alone (POST /v1/orders), "
                "not in a batch",
            )


def _digest_of(domain: Domain, struct_hash: bytes) -> bytes:
    separator = domain_separator(
        DOMAIN_NAME, DOMAIN_VERSION, domain.chain_id, domain.verifying_contract
    )
    return keccak(b"\x19\x01" + separator + struct_hash)


def digest_bytes(domain: Domain, message: Message) -> bytes:
    """`keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message))`, 32 bytes."""
    return _digest_of(domain, _struct_hash(message))


def order_struct_hash(order: OrderMessage) -> bytes:
    """`hashStruct(order)`; FieldError naming `order.…` for a number that is not exact in
    18 decimals."""
    return _struct_hash(order)


def batch_ids(
    domain: Domain, batch: OrderBatchMessage, order_hashes: Sequence[bytes] | None = None
) -> tuple[bytes, list[str]]:
    """(the batch's digest, 32 bytes; each order's id) hashing every order once (give
    `order_hashes`, each order's `order_struct_hash`, when already computed): an order's
    id in a batch is its own digest, as if it were signed alone."""
    _curve_orders_only(batch)
    hashes = [_struct_hash(o) for o in batch.orders] if order_hashes is None else order_hashes
    batch_hash = _digest_of(domain, batch.struct_hash(ORDER_TYPE_STRING, hashes))
    return batch_hash, ["0x" + _digest_of(domain, h).hex() for h in hashes]


def digest(domain: Domain, message: Message) -> str:
    """The EIP-712 digest as 0x-hex (an order's id)."""
    return "0x" + digest_bytes(domain, message).hex()


def sign(domain: Domain, message: Message, private_key: str) -> str:
    """65-byte signature r ‖ s ‖ v (v ∈ {27, 28}) as 0x-hex, as eth_signTypedData_v4 gives."""
    v, r, s = _signing_key(private_key).sign_msg_hash(digest_bytes(domain, message)).vrs
    return "0x" + (r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v + 27])).hex()


@lru_cache(maxsize=256)
def _signing_key(private_key: str) -> PrivateKey:
    """The key object of a 0x-hex private key, kept: building one derives its public key,
    about half the cost of a signature, and a process signs with the same
    few keys (the operator's receipts, an agent's orders) again and again."""
    return PrivateKey(bytes.fromhex(private_key.removeprefix("0x")))


def recover(domain: Domain, message: Message, signature: bytes) -> str:
    """The checksummed address that signed `message` (see `recover_digest`)."""
    return recover_digest(digest_bytes(domain, message), signature)


def recover_digest(message_digest: bytes, signature: bytes) -> str:
    """The checksummed address that produced `signature` (65 bytes, v ∈ {0, 1, 27, 28})
    over the 32-byte EIP-712 digest `message_digest`.

    Raises ValueError when no key can have produced it (r or s zero or out of range, no
    curve point for r): eth_keys's `BadSignature` is not a ValueError."""
    if len(signature) != 65:
        raise InvalidInput(f"signature has {len(signature)} bytes, expected 65")
    v = signature[64] - 27 if signature[64] >= 27 else signature[64]
    if v not in (0, 1):
        raise InvalidInput(f"signature v byte {signature[64]} is not 27 or 28")
    vrs = (v, int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"))
    try:
        signed = Signature(vrs=vrs)
        public_key = signed.recover_public_key_from_msg_hash(message_digest)
    except BadSignature as exc:
        raise InvalidInput(f"no public key recovers from this signature ({exc})") from None
    return str(public_key.to_checksum_address())
