"""The Python encoder of every Merkle leaf; its Solidity twin is `MarketLeaves.sol`.

Each leaf is `keccak256(keccak256(abi.encode(...)))`, exactly as OpenZeppelin's
StandardMerkleTree hashes values, so a leaf can never be mistaken for an inner node.
All fields are static ABI types, so `abi.encode` is the 32-byte big-endian words
concatenated (two's complement for signed integers); `trades_hash` and
`terms_hash` hash dynamic arrays, encoded by hand as `abi.encode` lays them out
(`_abi_arrays`). Units: prices in capacity-token wei per GB,
cash, fees and settlement amounts in wei (negative = the participant pays),
quantities in 18-decimal GB (per hour for orders). The weekly settlement and the
requirements trees are sorted, indexed trees (`flowmarket.chain.sorted_tree`) keyed by
the participant's address; this module encodes their keys and values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from eth_utils.address import is_address, to_canonical_address, to_checksum_address

from flowmarket.chain.sorted_tree import Item, SortedTree
from flowmarket.errors import InvalidInput
from flowmarket.hashing import keccak
from flowmarket.hashing import order_key as order_key
from flowmarket.hashing import product_id as product_id

INT256_MIN = -(2**255)
INT256_MAX = 2**255 - 1
UINT256_MAX = 2**256 - 1
UINT64_MAX = 2**64 - 1


def trades_hash(product_ids: Sequence[bytes], quantities: Sequence[int]) -> bytes:
    """keccak256(abi.encode(bytes32[] productIds, int256[] quantities)); 18-decimal GB."""
    if len(product_ids) != len(quantities):
        raise InvalidInput(
            f"quantities: {len(quantities)} values for {len(product_ids)} product ids"
        )
    ids = _bytes32_words("product_ids", product_ids)
    return keccak(_abi_arrays([ids, _int_words("quantities", quantities)]))


def price_leaf(product: bytes, price: int) -> bytes:
    """Leaf of `(bytes32 productId, int256 price)`; price in wei per GB, may be negative."""
    return _leaf(_bytes32("product_id", product), _word_int("price", price))


def entry_leaf(participant: str, cash: int, fee: int, trades: bytes) -> bytes:
    """Leaf of `(address participant, int256 cash, uint256 fee, bytes32 tradesHash)`."""
    return _leaf(
        _word_address("participant", participant),
        _word_int("cash", cash),
        _word_uint("fee", fee, UINT256_MAX),
        _bytes32("trades_hash", trades),
    )


def order_leaf(key: bytes, quantity: int) -> bytes:
    """Leaf of `(bytes32 orderKey, int256 quantity)`; quantity in 18-decimal GB per hour."""
    return _leaf(_bytes32("order_key", key), _word_int("quantity", quantity))


def terms_hash(
    product_ids: Sequence[bytes],
    weights: Sequence[int],
    curve_quantities: Sequence[int],
    curve_prices: Sequence[int],
    window_low: int,
    window_high: int,
) -> bytes:
    """keccak256(abi.encode(bytes32[] products, int256[] weights, int256[] curveQuantities,
    int256[] curvePrices, int256 windowLow, int256 windowHigh)): the terms an order was
    cleared under, its curve as signed and the window of quantities the collateral rule left
    it (`MarketLeaves.termsHash`)."""
    arrays = [
        _bytes32_words("products", product_ids),
        _int_words("weights", weights),
        _int_words("curve_quantities", curve_quantities),
        _int_words("curve_prices", curve_prices),
    ]
    window = [_word_int("window_low", window_low), _word_int("window_high", window_high)]
    return keccak(_abi_arrays(arrays, window))


def signed_hash(
    *,
    nonce: int,
    from_hour: int,
    until_hour: int,
    replaces: bytes,
    signature: bytes,
    batch_orders: Sequence[bytes],
    batch_cancels: bytes,
) -> bytes:
    """keccak256(abi.encode(uint256 nonce, uint64 fromHour, uint64 untilHour, bytes32
    replaces, keccak256(signature), keccak256(abi.encodePacked(bytes32[] batchOrders)),
    bytes32 batchCancels)): the signature part of a fill leaf (`MarketLeaves.signedHash`)."""
    return keccak(
        _word_uint("nonce", nonce, UINT256_MAX)
        + _word_uint("from_hour", from_hour, UINT64_MAX)
        + _word_uint("until_hour", until_hour, UINT64_MAX)
        + _bytes32("replaces", replaces)
        + keccak(signature)
        + batch_orders_hash(tuple(batch_orders))
        + _bytes32("batch_cancels", batch_cancels)
    )


@lru_cache(maxsize=4096)
def batch_orders_hash(batch_orders: tuple[bytes, ...]) -> bytes:
    """keccak256(abi.encodePacked(bytes32[] batchOrders)). Every order of a batch carries
    the batch's whole member list, so an hour hashes each batch once per member: the
    cache makes that once per batch (linear, not quadratic, in a batch's size)."""
    return keccak(b"".join(_bytes32_words("batch_orders", batch_orders)))


def participant_key(participant: str) -> bytes:
    """The key of a participant's leaf (weekly settlement, requirements): its 20 address bytes."""
    return _word_address("participant", participant)[12:]


def requirement_value(requirement: int) -> bytes:
    """Value of a requirements leaf: abi.encode(uint256 requirement), wei."""
    return _word_uint("requirement", requirement, UINT256_MAX)


def settlement_value(amount: int, hours: int, credits_before: int, debits_before: int) -> bytes:
    """Value of a weekly settlement leaf: abi.encode(int256 amount, uint256 hours, uint256
    creditsBefore, uint256 debitsBefore) (see `MarketLeaves.settlementValue`)."""
    return (
        _word_int("amount", amount)
        + _word_uint("hours", hours, UINT256_MAX)
        + _word_uint("credits_before", credits_before, UINT256_MAX)
        + _word_uint("debits_before", debits_before, UINT256_MAX)
    )


@dataclass(frozen=True)
class SettlementValue:
    """A weekly settlement leaf's value, decoded (see `settlement_value`); wei."""

    amount: int
    hours: int
    credits_before: int
    debits_before: int


def decode_settlement_value(value: bytes) -> SettlementValue:
    """Inverse of `settlement_value`: four 32-byte words, the first signed."""
    if len(value) != 128:
        raise InvalidInput(f"settlement value: expected 128 bytes, got {len(value)}")
    words = [value[i : i + 32] for i in range(0, 128, 32)]
    amount = int.from_bytes(words[0], "big", signed=True)
    hours, credits, debits = (int.from_bytes(word, "big") for word in words[1:])
    return SettlementValue(amount, hours, credits, debits)


def requirements_tree(requirements: Mapping[str, int]) -> SortedTree:
    """The sorted requirements tree the vault checks withdrawals against: one leaf per
    participant (requirement in wei)."""
    return SortedTree(
        (participant_key(p), requirement_value(amount)) for p, amount in requirements.items()
    )


EMPTY_WEEK_ROOT = keccak(b"flowmarket: a week with no leaves")
"""`WeeklySettlement.EMPTY_WEEK_ROOT`: the root of a week with no leaf (every entry void)."""


@dataclass(frozen=True)
class SettlementWeek:
    """A week's settlement tree and the totals `postSettlementRoot` commits to (wei).

    amounts: {checksummed address: wei, negative = pays}; hours: {address: bitmap of the
    week's hours (bit h for hour genesis + 168·week + h) in which it has an entry}."""

    week: int
    amounts: dict[str, int]
    hours: dict[str, int]
    fees: int
    tree: SortedTree

    @property
    def root(self) -> bytes:
        """The tree's root; a week with no leaf posts `EMPTY_WEEK_ROOT`."""
        return self.tree.root if self.tree.count else EMPTY_WEEK_ROOT

    @property
    def count(self) -> int:
        return self.tree.count

    @property
    def total_credits(self) -> int:
        return sum(a for a in self.amounts.values() if a > 0)

    @property
    def total_debits(self) -> int:
        return -sum(a for a in self.amounts.values() if a < 0)

    def item(self, participant: str) -> Item:
        """The participant's leaf with its proof (the `SortedTree.Item` to execute)."""
        address = to_checksum_address(participant)
        index = self.tree.find(participant_key(address))
        if index is None:
            raise InvalidInput(f"participant: {address} has no leaf in week {self.week}")
        return self.tree.item(index)


def settlement_week(
    week: int,
    amounts: Iterable[tuple[str, int]],
    fees: int,
    hours: Mapping[str, int] | None = None,
) -> SettlementWeek:
    """Build week `week`'s tree: one leaf per participant, amounts summing to −fees; leaves
    in address order carry the running sums of credits and debits before them."""
    if fees < 0:
        raise InvalidInput(f"fees: must be >= 0, got {fees}")
    merged: dict[str, int] = {}
    for participant, amount in amounts:
        address = str(to_checksum_address(participant_key(participant)))
        if address in merged:
            raise InvalidInput(f"participant: {address} appears twice in week {week}")
        merged[address] = _int256("amount", amount)
    total = sum(merged.values())
    if total + fees != 0:
        raise InvalidInput(
            f"amounts: week {week} sums to {total} wei, must be -fees = {-fees} (zero after fees)"
        )
    given = {str(to_checksum_address(p)): b for p, b in (hours or {}).items()}
    bitmaps = {p: given.get(p, 0) for p in merged}
    pairs: list[tuple[bytes, bytes]] = []
    credits = debits = 0
    for participant in sorted(merged, key=participant_key):
        amount = merged[participant]
        value = settlement_value(amount, bitmaps[participant], credits, debits)
        pairs.append((participant_key(participant), value))
        credits, debits = credits + max(amount, 0), debits + max(-amount, 0)
    return SettlementWeek(
        week=week, amounts=merged, hours=bitmaps, fees=fees, tree=SortedTree(pairs)
    )


def _abi_arrays(arrays: Sequence[Sequence[bytes]], statics: Sequence[bytes] = ()) -> bytes:
    """abi.encode of dynamic arrays of 32-byte words followed by static words, by hand
    (the oracle hashes every order's terms and every participant's trades each hour;
    eth_abi's generic encoder was most of that time): a head of one offset per array
    and the static words, then each array as its length and its words.
    tests/unit/chain/test_terms_hash_encoding.py checks it against eth_abi.encode."""
    head: list[bytes] = []
    tail: list[bytes] = []
    offset = 32 * (len(arrays) + len(statics))
    for words in arrays:
        head.append(offset.to_bytes(32, "big"))
        tail.append(len(words).to_bytes(32, "big"))
        tail.extend(words)
        offset += 32 * (1 + len(words))
    return b"".join([*head, *statics, *tail])


def _leaf(*words: bytes) -> bytes:
    return keccak(keccak(b"".join(words)))


def _bytes32(field: str, value: bytes) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidInput(f"{field}: must be 32 bytes, got {value!r}")
    return value


def _int256(field: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{field}: must be an integer (wei / 1e-18 units), got {value!r}")
    if not INT256_MIN <= value <= INT256_MAX:
        raise InvalidInput(f"{field}: {value} is outside int256")
    return value


def _word_int(field: str, value: int) -> bytes:
    return _int256(field, value).to_bytes(32, "big", signed=True)


def _int_words(field: str, values: Sequence[int]) -> list[bytes]:
    """Each value as an int256 word; `field[i]` names a bad one. Plain integers in range,
    every number of an hour's terms and trades, are encoded without a name per value."""
    if all(type(v) is int for v in values):
        try:
            return [v.to_bytes(32, "big", signed=True) for v in values]
        except OverflowError:  # outside int256: named below
            pass
    return [_word_int(f"{field}[{i}]", v) for i, v in enumerate(values)]


def _bytes32_words(field: str, values: Sequence[bytes]) -> list[bytes]:
    """Each value as a 32-byte word as given; `field[i]` names a bad one."""
    if all(type(v) is bytes and len(v) == 32 for v in values):
        return list(values)
    return [_bytes32(f"{field}[{i}]", v) for i, v in enumerate(values)]


def _word_uint(field: str, value: int, maximum: int) -> bytes:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise InvalidInput(f"{field}: must be an integer in [0, {maximum}], got {value!r}")
    return value.to_bytes(32, "big")


def _word_address(field: str, value: str) -> bytes:
    if not isinstance(value, str) or not is_address(value):
        raise InvalidInput(f"{field}: not an address: {value!r}")
    return bytes(12) + to_canonical_address(value)
