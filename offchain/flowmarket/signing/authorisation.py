"""EIP-712 typed data for a participant's authorisation (limits) on one portfolio.

Same domain as orders (name "flowmarket", version "1", chain id, the ClearingLedger).
Struct type (a Solidity or JavaScript twin must use this exact string):

    Authorisation(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,
                  bytes32 replaces,bytes32[] products,int256[] weights,int256 minRate,
                  int256 maxRate,int256 minPosition,int256 maxPosition)

- `products`/`weights`: the portfolio, as in `Order` (keccak256 of each name, sorted by
  name; weights int256 fixed point, 18 decimals).
- `minRate`/`maxRate`: GB/h of the portfolio per clearing; `minPosition`/`maxPosition`:
  the cumulative total (GB/h held), all int256 fixed point with 18 decimals. A limit
  not set is `type(int256).min` (a minimum) or `type(int256).max` (a maximum).
- `fromHour`/`untilHour`: the delivery hours whose clearings it governs, inclusive.
- `replaces`: the id of the authorisation this one replaces, or zero. Its id is its
  EIP-712 digest; it is cancelled with `Cancel(participant, orderHash = its id)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from flowmarket.hashing import keccak
from flowmarket.signing.fixed_point import product_id, to_fixed
from flowmarket.signing.struct_hash import (
    type_hash,
    word_address,
    word_bytes32,
    word_int,
    word_uint,
)

AUTHORISATION_TYPE_STRING = (
    "Authorisation(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,"
    "bytes32 replaces,bytes32[] products,int256[] weights,int256 minRate,int256 maxRate,"
    "int256 minPosition,int256 maxPosition)"
)
NO_MIN = -(2**255)  # a minimum not set
NO_MAX = 2**255 - 1  # a maximum not set
LIMITS = ("min_rate", "max_rate", "min_position", "max_position")
_ZERO = "0x" + "00" * 32


@dataclass(frozen=True)
class AuthorisationMessage:
    """Limits on one portfolio {product: weight}, as signed; a limit None is not set."""

    participant: str
    nonce: int
    from_hour: int
    until_hour: int
    portfolio: dict[str, float]
    min_rate: float | None = None
    max_rate: float | None = None
    min_position: float | None = None
    max_position: float | None = None
    replaces: str | None = None

    def fixed_weights(self) -> list[tuple[str, int]]:
        """(product, weight × 10¹⁸) sorted by name; FieldError when not exact."""
        return [
            (name, to_fixed(self.portfolio[name], field=f"authorisation.portfolio.{name}"))
            for name in sorted(self.portfolio)
        ]

    def fixed_limits(self) -> dict[str, int | None]:
        """{limit: value × 10¹⁸ or None}; FieldError naming the limit when not exact."""
        out: dict[str, int | None] = {}
        for name in LIMITS:
            value = getattr(self, name)
            out[name] = None if value is None else to_fixed(value, field=f"authorisation.{name}")
        return out

    def _words(self) -> list[int]:
        fixed = self.fixed_limits()
        return [
            NO_MIN if fixed["min_rate"] is None else fixed["min_rate"],
            NO_MAX if fixed["max_rate"] is None else fixed["max_rate"],
            NO_MIN if fixed["min_position"] is None else fixed["min_position"],
            NO_MAX if fixed["max_position"] is None else fixed["max_position"],
        ]

    def struct(self) -> dict[str, Any]:
        """The EIP-712 message: fixed-point integers, products sorted by name."""
        weights = self.fixed_weights()
        min_rate, max_rate, min_position, max_position = self._words()
        return {
            "participant": to_checksum_address(self.participant),
            "nonce": self.nonce,
            "fromHour": self.from_hour,
            "untilHour": self.until_hour,
            "replaces": bytes.fromhex((self.replaces or _ZERO)[2:]),
            "products": [product_id(name) for name, _ in weights],
            "weights": [value for _, value in weights],
            "minRate": min_rate,
            "maxRate": max_rate,
            "minPosition": min_position,
            "maxPosition": max_position,
        }

    def struct_hash(self) -> bytes:
        """`hashStruct(message)` by byte packing (the same bytes as eth-account's encoder)."""
        weights = self.fixed_weights()
        return keccak(
            type_hash(AUTHORISATION_TYPE_STRING)
            + word_address(self.participant)
            + word_uint(self.nonce)
            + word_uint(self.from_hour)
            + word_uint(self.until_hour)
            + word_bytes32(self.replaces or _ZERO)
            + keccak(b"".join(product_id(name) for name, _ in weights))
            + keccak(b"".join(word_int(value) for _, value in weights))
            + b"".join(word_int(value) for value in self._words())
        )
