"""A portfolio order's fill leaf and its signature check: the Python twin of
`contracts/libraries/PortfolioOrders.sol` (`ClearingLedger.isPortfolioFillUnsigned`).

A portfolio order (docs/portfolios.md) is one curve over several named portfolios, signed
as an EIP-712 `PortfolioOrder`. Its fill is the curve's quantity (Σ weight_j × rate_j) and
each portfolio's rate, committed next to the hour's other fills as

    leaf   = keccak256(keccak256(abi.encode(LEAF_TAG, orderKey, participant, quantity,
                                            terms, signed)))
    terms  = keccak256(abi.encode(bytes32 portfoliosHash, int256[] rates,
                                  int256[] curveQuantities, int256[] curvePrices))
    signed = keccak256(abi.encode(uint256 nonce, uint64 fromHour, uint64 untilHour,
                                  bytes32 replaces, bytes32 keccak256(signature)))

with `portfoliosHash` the EIP-712 hash of the order's `Portfolio[]` (the members' struct
hashes concatenated, portfolios in ascending order of name) and LEAF_TAG =
keccak256("flowmarket.PortfolioFill"): six words, so it is neither a plain fill leaf
(five) nor an order leaf (two). The contract rebuilds the `PortfolioOrder` struct hash from
the fill's fields, its digest under the ledger's domain, and recovers the signer; the fill
is unsigned when the hour is outside [fromHour, untilHour] or the signature does not
recover the participant (`fill_signature.signer`'s rules: 65 bytes, v 27 or 28, low s).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode
from eth_utils.address import is_address, to_checksum_address

from flowmarket.chain.fill_signature import low_s, signer
from flowmarket.chain.leaves import order_key, product_id
from flowmarket.errors import InvalidInput
from flowmarket.hashing import keccak, keccak_text
from flowmarket.money import to_wad
from flowmarket.schedule import SECONDS_PER_HOUR
from flowmarket.signing.fixed_point import to_fixed
from flowmarket.signing.portfolio_order import PORTFOLIO_ORDER_TYPE_STRING, PORTFOLIO_TYPE_STRING
from flowmarket.signing.struct_hash import type_hash, word_address, word_int, word_uint

LEAF_TAG = keccak(b"flowmarket.PortfolioFill")


@dataclass(frozen=True)
class SignedPortfolio:
    """One `Portfolio` as signed: name, weight in the curve's quantity, product names in
    ascending order and their weights (18 decimals)."""

    name: str
    weight: int
    products: tuple[str, ...]
    weights: tuple[int, ...]

    @property
    def struct_hash(self) -> bytes:
        return keccak(
            type_hash(PORTFOLIO_TYPE_STRING)
            + keccak_text(self.name)
            + word_int(self.weight)
            + keccak(b"".join(product_id(p) for p in self.products))
            + keccak(b"".join(word_int(w) for w in self.weights))
        )

    def as_tuple(self) -> tuple[Any, ...]:
        """`IClearingLedger.Portfolio`."""
        return (self.name, self.weight, [product_id(p) for p in self.products], list(self.weights))


@dataclass(frozen=True)
class PortfolioFillTerms:
    """A portfolio order's committed fill: `quantity` the curve's (10^-18 GB/h), `rates`
    each portfolio's (signed order), the portfolios and curve as signed, the rest of the
    signed order and its signature (r ‖ s ‖ v, s low). In an hour cleared in intervals,
    `order_id` is the leaf key `interval:J:ID` and `interval` J."""

    order_id: str
    participant: str
    quantity: int
    rates: tuple[int, ...]
    portfolios: tuple[SignedPortfolio, ...]
    curve_quantities: tuple[int, ...]
    curve_prices: tuple[int, ...]
    nonce: int
    from_hour: int
    until_hour: int
    replaces: bytes
    signature: bytes
    interval: int | None = None
    interval_s: int = SECONDS_PER_HOUR

    @property
    def portfolios_hash(self) -> bytes:
        return keccak(b"".join(p.struct_hash for p in self.portfolios))

    @property
    def struct_hash(self) -> bytes:
        """`hashStruct(PortfolioOrder)` from the committed integers."""
        return keccak(
            type_hash(PORTFOLIO_ORDER_TYPE_STRING)
            + word_address(self.participant)
            + word_uint(self.nonce)
            + word_uint(self.from_hour)
            + word_uint(self.until_hour)
            + self.replaces
            + self.portfolios_hash
            + keccak(b"".join(word_int(q) for q in self.curve_quantities))
            + keccak(b"".join(word_int(p) for p in self.curve_prices))
        )

    @property
    def leaf(self) -> bytes:
        terms = keccak(
            encode(
                ["bytes32", "int256[]", "int256[]", "int256[]"],
                [
                    self.portfolios_hash,
                    list(self.rates),
                    list(self.curve_quantities),
                    list(self.curve_prices),
                ],
            )
        )
        signed_fields = [self.nonce, self.from_hour, self.until_hour, self.replaces]
        signed = keccak(
            encode(
                ["uint256", "uint64", "uint64", "bytes32", "bytes32"],
                [*signed_fields, keccak(self.signature)],
            )
        )
        return keccak(
            keccak(
                encode(
                    ["bytes32", "bytes32", "address", "int256", "bytes32", "bytes32"],
                    [
                        LEAF_TAG,
                        order_key(self.order_id),
                        self.participant,
                        self.quantity,
                        terms,
                        signed,
                    ],
                )
            )
        )

    def as_tuple(self, proof: Sequence[bytes]) -> tuple[Any, ...]:
        """`IClearingLedger.PortfolioFill` with the leaf's proof."""
        return (
            order_key(self.order_id),
            self.participant,
            self.quantity,
            list(self.rates),
            [p.as_tuple() for p in self.portfolios],
            list(self.curve_quantities),
            list(self.curve_prices),
            self.nonce,
            self.from_hour,
            self.until_hour,
            self.replaces,
            self.signature,
            list(proof),
        )


def is_portfolio_signed_by(separator: bytes, hour: int, fill: PortfolioFillTerms) -> bool:
    """`PortfolioOrders.isSignedBy`: the fill's participant signed its order for `hour`."""
    if not fill.from_hour <= hour <= fill.until_hour:
        return False
    recovered = signer(keccak(b"\x19\x01" + separator + fill.struct_hash), fill.signature)
    return recovered is not None and recovered == to_checksum_address(fill.participant)


def portfolio_fill_terms(
    result: Mapping[str, Any], orders: Sequence[Mapping[str, Any]]
) -> dict[str, PortfolioFillTerms]:
    """{order id: its fill} for each cleared signed portfolio order of `orders` (a
    published order with `signed_portfolios`, its named portfolios `<id>:<name>` in the
    result's `portfolios`). Each rate is the result's portfolio quantity, the curve's
    quantity the order's; numbers signed are taken as signed (`to_fixed`)."""
    out: dict[str, PortfolioFillTerms] = {}
    rates = result.get("portfolios", {})
    for order in orders:
        order_id = str(order.get("id"))
        cleared = result["orders"].get(order_id)
        signed = order.get("signed_portfolios")
        participant = order.get("participant")
        if (
            cleared is None
            or not isinstance(signed, list)
            or not signed
            or not isinstance(participant, str)
            or not is_address(participant)
            or not isinstance(order.get("signature"), str)
            or "curve" not in order
        ):
            continue
        where = f"order {order_id}"
        portfolios = tuple(
            _portfolio(raw, f"{where}.signed_portfolios[{k}]")
            for k, raw in enumerate(sorted(signed, key=lambda p: str(p.get("name"))))
        )
        missing = [p.name for p in portfolios if f"{order_id}:{p.name}" not in rates]
        if missing:
            raise InvalidInput(
                f"result: portfolio order {order_id} has no rate for its portfolio(s) "
                f"{', '.join(missing)} in 'portfolios'"
            )
        curve = order["curve"]
        out[order_id] = PortfolioFillTerms(
            order_id=order_id,
            participant=str(to_checksum_address(participant)),
            quantity=to_wad(float(cleared["quantity"])),
            rates=tuple(
                to_wad(float(rates[f"{order_id}:{p.name}"]["quantity"])) for p in portfolios
            ),
            portfolios=portfolios,
            curve_quantities=tuple(
                to_fixed(q, field=f"{where}.curve[{k}][0]") for k, (q, _) in enumerate(curve)
            ),
            curve_prices=tuple(
                to_fixed(p, field=f"{where}.curve[{k}][1]") for k, (_, p) in enumerate(curve)
            ),
            nonce=int(order["nonce"]),
            from_hour=int(order["from_hour"]),
            until_hour=int(order["until_hour"]),
            replaces=_bytes(order.get("replaces") or "0x" + "00" * 32, f"{where}.replaces", 32),
            signature=low_s(_bytes(str(order["signature"]), f"{where}.signature", None)),
        )
    return out


def _portfolio(raw: Any, where: str) -> SignedPortfolio:
    if not isinstance(raw, Mapping) or set(raw) != {"name", "weight", "products"}:
        raise InvalidInput(f"{where}: must be an object with name, weight and products")
    products = raw["products"]
    if not isinstance(products, Mapping) or not products:
        raise InvalidInput(f"{where}.products: must be a non-empty object")
    names = tuple(sorted(str(n) for n in products))
    return SignedPortfolio(
        name=str(raw["name"]),
        weight=to_fixed(raw["weight"], field=f"{where}.weight"),
        products=names,
        weights=tuple(to_fixed(products[n], field=f"{where}.products.{n}") for n in names),
    )


def _bytes(value: Any, where: str, size: int | None) -> bytes:
    try:
        raw = bytes.fromhex(str(value).removeprefix("0x"))
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not 0x-hex") from None
    if size is not None and len(raw) != size:
        raise InvalidInput(f"{where}: {value!r} is not {size} bytes of 0x-hex")
    return raw
