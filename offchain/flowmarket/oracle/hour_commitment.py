"""Turn a cleared hour into its on-chain commitment, send it, and read it back.

`build_hour_bundle` is pure: from the clearing result (RESULT.json document) and
the governed fee rate it derives the exact integer amounts (`flowmarket.money`),
the Merkle trees (prices, and with a network the link prices and flows,
`network_values`; participant entries, link owners' included; cleared orders; the trade
lines, `flowmarket.oracle.trade_lines`; the fills that back them,
`flowmarket.oracle.fills_tree`) with the leaf encoders the contracts verify, and
the `HourCommitment` summary. The same
result always gives the same bundle, so a restarted oracle re-derives identical
roots. `commit_bundle` sends it as the oracle; `read_commitment` reads it back.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, cast

import numpy as np
from eth_utils.address import is_address
from web3.contract import Contract
from web3.types import TxReceipt

from flowmarket.chain.addresses import checksummed, is_wallet_address
from flowmarket.chain.client import ChainClient
from flowmarket.chain.fill_signature import SignedOrderFields, cancels_hash, low_s
from flowmarket.chain.leaf_arrays import order_leaves, price_leaves
from flowmarket.chain.leaves import (
    entry_leaf,
    order_key,
    price_leaf,
    product_id,
    trades_hash,
)
from flowmarket.chain.portfolio_fill import PortfolioFillTerms, portfolio_fill_terms
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.clearing import ParticipantResult, ResultDoc
from flowmarket.errors import InvalidInput
from flowmarket.merkle import MerkleTree
from flowmarket.merkle.rows import row_bytes
from flowmarket.money import HourAmounts, hour_amounts, to_wad, to_wad_many
from flowmarket.oracle.fill_hashes import signed_one, terms_one
from flowmarket.oracle.fills_tree import fill_value, fills_tree
from flowmarket.oracle.holdings import holdings_tree
from flowmarket.oracle.trade_lines import (
    IntervalLines,
    interval_trade_lines,
    trade_lines,
    unbacked_lines,
    unbacked_source,
)
from flowmarket.schedule import SECONDS_PER_HOUR, interval_wad, intervals_per_hour
from flowmarket.signing.fixed_point import fixed_many


@dataclass(frozen=True)
class HourCommitment:
    """The `IClearingLedger.HourCommitment` struct; 18-decimal fixed point, fees in wei."""

    orders_root: bytes
    prices_root: bytes
    entries_root: bytes
    welfare: int
    volume: int
    fees: int
    max_imbalance: int
    max_order_gap: int
    lines_root: bytes
    lines_count: int
    holdings_root: bytes
    holdings_count: int
    fills_root: bytes
    fills_count: int

    def as_tuple(
        self,
    ) -> tuple[bytes, bytes, bytes, int, int, int, int, int, bytes, int, bytes, int, bytes, int]:
        return (
            self.orders_root,
            self.prices_root,
            self.entries_root,
            self.welfare,
            self.volume,
            self.fees,
            self.max_imbalance,
            self.max_order_gap,
            self.lines_root,
            self.lines_count,
            self.holdings_root,
            self.holdings_count,
            self.fills_root,
            self.fills_count,
        )

    def to_json(self) -> dict[str, str]:
        """Roots as 0x-hex, integers as decimal strings (JSON numbers lose precision)."""
        return {
            name: ("0x" + value.hex()) if isinstance(value, bytes) else str(value)
            for name, value in self.__dict__.items()
        }


# The `replaces` of an order that replaces none (signed as the zero word).
NO_REPLACES = bytes(32)


@dataclass(frozen=True)
class FillTerms:
    """An order's committed fill, the terms it was cleared under and its participant's
    signature (18 decimals): the `IClearingLedger.OrderFill` a challenge sends, less the
    proof. products: names in ascending order (their ids on chain), weights in the same
    order, curve as signed (points), window: the quantities the collateral rule left the
    order (the curve's own range when it did not cut it); the signed rest of the order
    (`signing.typed_data.Order`) and the signature (r ‖ s ‖ v, s in the lower half); for an
    order signed in a batch, the batch's orders' struct hashes and its cancels hash."""

    order_id: str
    participant: str
    quantity: int
    products: tuple[str, ...]
    weights: tuple[int, ...]
    curve_quantities: tuple[int, ...]
    curve_prices: tuple[int, ...]
    window: tuple[int, int]
    nonce: int
    from_hour: int
    until_hour: int
    replaces: bytes
    signature: bytes
    batch_orders: tuple[bytes, ...] = ()
    batch_cancels: bytes = bytes(32)
    interval: int | None = None
    interval_s: int = SECONDS_PER_HOUR

    @property
    def result_id(self) -> str:
        """The order's id in its (interval's) clearing result."""
        if self.interval is None:
            return self.order_id
        return self.order_id.removeprefix(interval_key(self.interval, ""))

    @property
    def terms(self) -> bytes:
        """`MarketLeaves.termsHash` of this fill (a whole hour's: `fill_hashes`)."""
        return terms_one(self)

    @property
    def signed(self) -> bytes:
        """`MarketLeaves.signedHash` of this fill (a whole hour's: `fill_hashes`)."""
        return signed_one(self)

    @property
    def key(self) -> bytes:
        """The fill's key in the fills tree: its order key."""
        return order_key(self.order_id)

    @property
    def value(self) -> bytes:
        """The fill's value in the fills tree (`fills_tree.fill_value`)."""
        return fill_value(self.participant, self.quantity, self.terms, self.signed)

    @property
    def signed_fields(self) -> SignedOrderFields:
        """What `ClearingLedger.isFillUnsigned` reads of this fill."""
        return SignedOrderFields(
            participant=self.participant,
            nonce=self.nonce,
            from_hour=self.from_hour,
            until_hour=self.until_hour,
            replaces=self.replaces,
            product_ids=tuple(product_id(p) for p in self.products),
            weights=self.weights,
            curve_quantities=self.curve_quantities,
            curve_prices=self.curve_prices,
            signature=self.signature,
            batch_orders=self.batch_orders,
            batch_cancels=self.batch_cancels,
        )


@dataclass(frozen=True)
class CommittedHour:
    """What an hour's commit and publication read of its bundle: the amounts, the prices
    and entries trees (their proofs are published) and the commitment. The oracle keeps
    this much of an hour from its solve to its publication (`oracle.bundles`): the order,
    trade-lines, holdings and fills trees and the fills, which only a verifier reads leaf
    by leaf, are dropped once their roots are in the commitment."""

    hour: int
    amounts: HourAmounts
    network: dict[str, int]
    prices_tree: MerkleTree
    entries_tree: MerkleTree
    commitment: HourCommitment

    def price_leaf(self, product: str) -> bytes:
        """The prices tree's leaf of a product, or of a `network_values` key."""
        value = self.network[product] if product in self.network else self.amounts.prices[product]
        return price_leaf(product_id(product), value)

    def entry_fields(self, participant: str) -> tuple[str, int, int, bytes]:
        """(participant, net cash, fee, tradesHash) of the participant's entry leaf."""
        return entry_fields(self.amounts, participant)

    def entry_leaf(self, participant: str) -> bytes:
        return entry_leaf(*self.entry_fields(participant))

    def committed(self) -> CommittedHour:
        """This much of the hour alone (a bundle's other parts left behind)."""
        return CommittedHour(
            hour=self.hour,
            amounts=self.amounts,
            network=self.network,
            prices_tree=self.prices_tree,
            entries_tree=self.entries_tree,
            commitment=self.commitment,
        )


@dataclass(frozen=True)
class HourBundle(CommittedHour):
    """Everything needed to commit hour `hour` and to prove any of its entries."""

    order_quantities: dict[str, int]
    orders_tree: MerkleTree
    lines: SortedTree
    holdings: SortedTree
    fills_tree: SortedTree
    fills: dict[str, FillTerms] = field(default_factory=dict)
    portfolio_fills: dict[str, PortfolioFillTerms] = field(default_factory=dict)


def build_hour_bundle(
    result: ResultDoc,
    *,
    hour: int,
    fee_bps: int,
    orders: Sequence[Mapping[str, Any]] = (),
    batches: Mapping[str, Mapping[str, Any]] | None = None,
    order_sets: Sequence[Mapping[str, Any]] = (),
) -> HourBundle:
    """Derive the integer amounts, trees and summary of a cleared hour.

    orders: the order set's orders as cleared (`OrdersDoc["orders"]`); each one the
    on-chain fill check can judge (`fill_terms`) adds a fill leaf to the orders tree, so a
    fill off its order's curve (`WeeklySettlement.challengeTrade`) or without its
    participant's signature (`challengeUnsignedFill`) can be proven on chain; a signed
    portfolio order adds its own fill leaf (`chain.portfolio_fill`: its signature is
    provable through `isPortfolioFillUnsigned`); batches: the order set's `batches` (the
    batches its orders were signed in).

    An hour the governed schedule splits into k > 1 intervals is journaled and published
    as an interval-hour document (`{"interval_s": L, "intervals": [RESULT_0, …]}`); its
    one hour commitment is `build_interval_bundle`'s, with `order_sets` the intervals'
    order sets as cleared (the order set's `intervals`: each one's `orders` and `batches`;
    `orders` and `batches` are then unused)."""
    if "intervals" in result:
        return build_interval_bundle(
            cast(Mapping[str, Any], result), hour=hour, fee_bps=fee_bps, order_sets=order_sets
        )
    amounts = result_amounts(result, fee_bps=fee_bps)
    cleared_orders = result["orders"]
    order_quantities = dict(
        zip(
            cleared_orders,
            to_wad_many([float(entry["quantity"]) for entry in cleared_orders.values()]),
            strict=True,
        )
    )
    network = network_values(result)
    priced = {**amounts.prices, **network}
    prices_tree = MerkleTree.from_array(price_leaves(list(priced), list(priced.values())))
    listed = fill_list(result, orders, batches)
    fills = {fill.order_id: fill for fill in listed}
    portfolio_fills = portfolio_fill_terms(result, orders)
    orders_tree = _orders_tree(order_quantities, portfolio_fills)
    entries_tree = MerkleTree.from_leaves(
        entry_leaf(*entry_fields(amounts, participant)) for participant in amounts.trades
    )
    lines = trade_lines(result, orders, fills.values())
    owners = {order_key(f.order_id): f.participant for f in fills.values()}
    holdings = holdings_tree(lines, owners, amounts)
    # An order set that lists one order twice (only a faulty oracle's) gives two fills of
    # one key: the tree is built as committed, for a verifier to prove it malformed.
    fills_committed = fills_tree(
        listed, unbacked_participants(lines, _participants(result)), strict=False
    )
    commitment = _summary(
        result, amounts, orders_tree.root, prices_tree.root, entries_tree.root, lines, holdings
    )
    commitment = replace(
        commitment, fills_root=fills_committed.root, fills_count=fills_committed.count
    )
    return HourBundle(
        hour=hour,
        amounts=amounts,
        network=network,
        order_quantities=order_quantities,
        prices_tree=prices_tree,
        entries_tree=entries_tree,
        orders_tree=orders_tree,
        commitment=commitment,
        lines=lines,
        holdings=holdings,
        fills_tree=fills_committed,
        fills=fills,
        portfolio_fills=portfolio_fills,
    )


def _orders_tree(
    order_quantities: Mapping[str, int],
    portfolio_fills: Mapping[str, PortfolioFillTerms],
) -> MerkleTree:
    """The orders tree: an order leaf per cleared order, then the portfolio orders' fill
    leaves (a plain order's fill is in the fills tree)."""
    rows = order_leaves(list(order_quantities), list(order_quantities.values()))
    leaves = [f.leaf for f in portfolio_fills.values()]
    if leaves:
        fill_rows = np.frombuffer(b"".join(leaves), dtype=np.uint8)
        rows = np.concatenate([rows, fill_rows.reshape(-1, 32)])
    return MerkleTree.from_array(rows)


def interval_key(index: int, name: str) -> str:
    """The leaf key of `name` (a product, a `network_values` key or an order id) in
    interval `index` of an interval hour: `interval:J:NAME`. Product names and order ids
    never start with `interval:`, so a key names its interval and its item."""
    return f"interval:{index}:{name}"


def build_interval_bundle(
    doc: Mapping[str, Any],
    *,
    hour: int,
    fee_bps: int,
    order_sets: Sequence[Mapping[str, Any]] = (),
) -> HourBundle:
    """The one commitment of an hour cleared in k intervals of L seconds (docs/schedule.md).

    Each interval's amounts follow money rule 8 for L seconds; the hour's entry of a
    participant is the exact integer sum of its k interval entries (cash, fee, and each
    product's trade), so the weekly settlement is unchanged. The prices tree holds every
    interval's prices (and network values) under `interval_key(j, name)`, the orders tree
    every interval's order quantities under `interval_key(j, order id)`: a price or order
    proof names its interval with no new contract code. With the intervals' order sets
    (`order_sets`, one per interval, as cleared) each interval's fills are committed as
    fill leaves next to them, keyed `interval_key(j, order id)` (`fill_terms`), and the
    trade lines back each interval fill's trade (`trade_lines.interval_trade_lines`).
    Without them (a result alone) every trade is unbacked. Welfare and volume are the
    hour's: the sum of each interval's (a rate) times L / 3600, to the wei; the
    certificate's gaps are the worst interval's."""
    interval_s = doc.get("interval_s")
    if not isinstance(interval_s, int) or isinstance(interval_s, bool):
        raise InvalidInput(f"interval_s: must be an integer number of seconds, got {interval_s!r}")
    k = intervals_per_hour(interval_s)
    results = doc.get("intervals")
    if not isinstance(results, list) or len(results) != k:
        count = len(results) if isinstance(results, list) else results
        raise InvalidInput(
            f"intervals: an hour of {interval_s}-second intervals has {k} results, got {count}"
        )
    each = [
        result_amounts(cast(ResultDoc, r), fee_bps=fee_bps, interval_s=interval_s) for r in results
    ]
    amounts = sum_amounts(each, fee_bps=fee_bps)
    if order_sets and len(order_sets) != k:
        raise InvalidInput(
            f"intervals: the order set has {len(order_sets)} intervals, the result {k}"
        )
    network: dict[str, int] = {}
    order_quantities: dict[str, int] = {}
    fills: dict[str, FillTerms] = {}
    portfolio_fills: dict[str, PortfolioFillTerms] = {}
    parts: list[IntervalLines] = []
    for j, (result, interval) in enumerate(zip(results, each, strict=True)):
        for name, value in {**interval.prices, **network_values(result)}.items():
            network[interval_key(j, name)] = value
        for order_id, entry in result["orders"].items():
            order_quantities[interval_key(j, order_id)] = to_wad(float(entry["quantity"]))
        if order_sets:
            order_set = order_sets[j]
            orders = order_set.get("orders", [])
            cleared = fill_terms(cast(ResultDoc, result), orders, order_set.get("batches"))
            mine = {
                interval_key(j, order_id): replace(
                    fill, order_id=interval_key(j, order_id), interval=j, interval_s=interval_s
                )
                for order_id, fill in cleared.items()
            }
            fills.update(mine)
            portfolio_fills.update(
                {
                    interval_key(j, order_id): replace(
                        fill, order_id=interval_key(j, order_id), interval=j, interval_s=interval_s
                    )
                    for order_id, fill in portfolio_fill_terms(result, orders).items()
                }
            )
            parts.append(IntervalLines(cast(ResultDoc, result), orders, list(mine.values())))
    prices_tree = MerkleTree.from_array(price_leaves(list(network), list(network.values())))
    orders_tree = _orders_tree(order_quantities, portfolio_fills)
    entries_tree = MerkleTree.from_leaves(
        entry_leaf(*entry_fields(amounts, participant)) for participant in amounts.trades
    )
    lines = interval_trade_lines(parts, amounts.trades) if parts else unbacked_lines(amounts.trades)
    owners = {order_key(f.order_id): f.participant for f in fills.values()}
    holdings = holdings_tree(lines, owners, amounts)
    fills_committed = fills_tree(list(fills.values()), unbacked_participants(lines, amounts.trades))
    commitment = HourCommitment(
        orders_root=orders_tree.root,
        prices_root=prices_tree.root,
        entries_root=entries_tree.root,
        welfare=max(0, sum(interval_wad(float(r["welfare"]), interval_s) for r in results)),
        volume=sum(
            interval_wad(float(p["volume"]), interval_s)
            for r in results
            for p in r["products"].values()
        ),
        fees=amounts.total_fees,
        max_imbalance=max(to_wad(float(r["certificate"]["max_imbalance"])) for r in results),
        max_order_gap=max(to_wad(float(r["certificate"]["max_order_gap"])) for r in results),
        lines_root=lines.root,
        lines_count=lines.count,
        holdings_root=holdings.root,
        holdings_count=holdings.count,
        fills_root=fills_committed.root,
        fills_count=fills_committed.count,
    )
    return HourBundle(
        hour=hour,
        amounts=amounts,
        network=network,
        order_quantities=order_quantities,
        prices_tree=prices_tree,
        entries_tree=entries_tree,
        orders_tree=orders_tree,
        commitment=commitment,
        lines=lines,
        holdings=holdings,
        fills_tree=fills_committed,
        fills=fills,
        portfolio_fills=portfolio_fills,
    )


def sum_amounts(parts: Sequence[HourAmounts], *, fee_bps: int) -> HourAmounts:
    """The exact integer sum of several intervals' amounts: per participant its cash, fee,
    imbalance and net cash, and per product its trade. Prices are not summed (empty: each
    interval's are in the prices tree)."""
    trades: dict[str, dict[str, int]] = {}
    totals: dict[str, dict[str, int]] = {"cash": {}, "fees": {}, "net_cash": {}, "imbalance": {}}
    for part in parts:
        for participant, book in part.trades.items():
            held = trades.setdefault(participant, {})
            for product, qty in book.items():
                held[product] = held.get(product, 0) + qty
        for name, values in (
            ("cash", part.cash),
            ("fees", part.fees),
            ("net_cash", part.net_cash),
            ("imbalance", part.imbalance),
        ):
            for participant, value in values.items():
                totals[name][participant] = totals[name].get(participant, 0) + value
    return HourAmounts(
        prices={},
        trades={p: trades[p] for p in sorted(trades)},
        cash=totals["cash"],
        fees=totals["fees"],
        net_cash=totals["net_cash"],
        fee_bps=fee_bps,
        imbalance=totals["imbalance"],
    )


def result_amounts(
    result: ResultDoc, *, fee_bps: int, interval_s: int = SECONDS_PER_HOUR
) -> HourAmounts:
    """The result's amounts (money.py) with every address checked and checksummed."""
    for participant in result["participants"]:
        if not is_address(participant):
            raise InvalidInput(
                f"participants: {participant!r} is not a wallet address; on chain every "
                "participant entry is keyed by its 0x address"
            )
    for owner in result.get("owners", {}):
        if not is_address(owner):
            raise InvalidInput(f"owners: link owner {owner!r} is not a wallet address")
    for participant in result.get("imbalance", {}):
        if not is_address(participant):
            raise InvalidInput(f"imbalance: {participant!r} is not a wallet address")
    participants: dict[str, ParticipantResult] = {
        checksummed(p): v for p, v in result["participants"].items()
    }
    owners = {checksummed(o): v for o, v in result.get("owners", {}).items()}
    imbalance = {checksummed(p): v for p, v in result.get("imbalance", {}).items()}
    return hour_amounts(
        {**result, "participants": participants, "owners": owners, "imbalance": imbalance},
        fee_bps=fee_bps,
        interval_s=interval_s,
    )


def fill_terms(
    result: ResultDoc,
    orders: Sequence[Mapping[str, Any]],
    batches: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, FillTerms]:
    """{order id: its fill} of `fill_list` (one per order id)."""
    return {fill.order_id: fill for fill in fill_list(result, orders, batches)}


def fill_list(
    result: ResultDoc,
    orders: Sequence[Mapping[str, Any]],
    batches: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[FillTerms]:
    """Its fill, terms and signature for each order of `orders` (in their order) that the chain can
    judge: a signed plain (convex) curve order of a wallet address over priced products
    (`orders.PublishedOrder`: nonce, from_hour, until_hour, replaces, signature; the signed
    curve as `signed_curve` when the collateral rule cut it; `batch`, the id of the batch it
    was signed in, whose orders' struct hashes and cancelled ids `batches` lists).
    Non-convex orders (all or nothing, `accepted` in the result), orders over named
    portfolios (an authorisation's) and orders without a signature are not committed
    this way."""
    prices = result["prices"]
    # Each batch's members and cancels, decoded once: every order of a batch names it.
    batch_parts: dict[str, tuple[tuple[bytes, ...], bytes]] = {}
    judged: list[_Judged] = []
    numbers: list[Any] = []  # every judged order's weights, curve quantities and prices
    for order in orders:
        order_id = str(order.get("id"))
        cleared = result["orders"].get(order_id)
        portfolio = order.get("portfolio")
        participant = order.get("participant")
        if (
            cleared is None
            or "accepted" in cleared
            or not isinstance(portfolio, dict)
            or not portfolio
            or not isinstance(participant, str)
            or not is_wallet_address(participant)
            or any(p not in prices for p in portfolio)
            or not isinstance(order.get("signature"), str)
        ):
            continue
        names = tuple(sorted(portfolio))
        cut = order["curve"]
        signed_curve = order.get("signed_curve", cut)
        batch_orders: tuple[bytes, ...] = ()
        batch_cancels = bytes(32)
        if order.get("batch") is not None:
            batch_id = str(order["batch"])
            if batch_id not in batch_parts:
                batch = (batches or {}).get(batch_id)
                if batch is None:
                    raise InvalidInput(
                        f"orders: order {order_id} names batch {order['batch']} that the "
                        "order set's batches do not list"
                    )
                batch_parts[batch_id] = (
                    _Members(_hex32(h, f"batches.{batch_id}.orders") for h in batch["orders"]),
                    cancels_hash([str(c) for c in batch["cancels"]]),
                )
            batch_orders, batch_cancels = batch_parts[batch_id]
        points = len(signed_curve)
        judged.append(
            _Judged(order, order_id, cleared, names, cut, points, len(numbers), batch_orders,
                    batch_cancels)
        )  # fmt: skip
        numbers.extend([portfolio[n] for n in names])  # lists: a generator's frames cost
        numbers.extend([q for q, _ in signed_curve])
        numbers.extend([p for _, p in signed_curve])
    fixed = fixed_many(numbers, _number_names(judged))
    # Each order's traded quantity and its window's ends, 18 decimals, three a fill.
    wads = to_wad_many(
        [float(x) for j in judged for x in (j.cleared["quantity"], j.cut[0][0], j.cut[-1][0])]
    )
    out: list[FillTerms] = []
    for at, j in enumerate(judged):
        order, order_id, k, points = j.order, j.order_id, len(j.names), j.points
        weights = j.start + k
        quantities = weights + points
        out.append(
            FillTerms(
                order_id=order_id,
                participant=checksummed(order["participant"]),
                quantity=wads[3 * at],
                products=j.names,
                weights=tuple(fixed[j.start : weights]),
                curve_quantities=tuple(fixed[weights:quantities]),
                curve_prices=tuple(fixed[quantities : quantities + points]),
                window=(wads[3 * at + 1], wads[3 * at + 2]),
                nonce=int(order["nonce"]),
                from_hour=int(order["from_hour"]),
                until_hour=int(order["until_hour"]),
                replaces=(
                    _hex32(order["replaces"], f"order {order_id}.replaces")
                    if order.get("replaces")
                    else NO_REPLACES
                ),
                signature=low_s(_hex(str(order["signature"]), f"order {order_id}.signature")),
                batch_orders=j.batch_orders,
                batch_cancels=j.batch_cancels,
            )
        )
    return out


class _Judged(NamedTuple):
    """An order `fill_list` commits, before its numbers are converted: they are the
    `len(names) + 2 * points` numbers from `start` of the hour's list (weights in name
    order, the signed curve's quantities, its prices). A named tuple, not a frozen
    dataclass: one is made per order an hour, and a frozen dataclass's `__init__` sets
    each field through `object.__setattr__`."""

    order: Mapping[str, Any]
    order_id: str
    cleared: Mapping[str, Any]
    names: tuple[str, ...]
    cut: Sequence[Sequence[Any]]
    points: int
    start: int
    batch_orders: tuple[bytes, ...]
    batch_cancels: bytes


def _number_names(judged: Sequence[_Judged]) -> Callable[[int], str]:
    """The field name of the i-th number of `fill_list`'s list (for its error only)."""
    starts = [j.start for j in judged]

    def name(i: int) -> str:
        j = judged[bisect_right(starts, i) - 1]
        where, r = f"order {j.order_id}", i - j.start
        if r < len(j.names):
            return f"{where}.portfolio.{j.names[r]}"
        r -= len(j.names)
        return f"{where}.curve[{r % j.points}][{r // j.points}]"

    return name


class _Members(tuple[bytes, ...]):
    """A batch's members, hashed once: every one of its orders' fills keys the signature
    hashes' memo and `batch_orders_hash` by the whole list (hundreds of members), which a
    plain tuple hashes anew each time."""

    _hash: int

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            self._hash = tuple.__hash__(self)
            return self._hash


def _hex(value: str, where: str) -> bytes:
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not 0x-hex") from None


def _hex32(value: Any, where: str) -> bytes:
    raw = _hex(str(value), where)
    if len(raw) != 32:
        raise InvalidInput(f"{where}: {value!r} is not 32 bytes of 0x-hex")
    return raw


def network_values(result: ResultDoc) -> dict[str, int]:
    """The network's leaves of the prices tree, 18 decimals: `link:ID` → the link's price
    (wei per GB of capacity) and `flow:ID:COMMODITY` → its flow (10^-18 GB/h). Product
    names never contain these prefixes, so a verifier re-derives them from RESULT.json
    next to the prices, and each has a Merkle proof like a price (no contract change)."""
    out = {
        f"link:{link}": to_wad(float(e["shadow_price"]))
        for link, e in result.get("links", {}).items()
    }
    for link, by_commodity in result.get("flows", {}).items():
        for commodity, flow in by_commodity.items():
            out[f"flow:{link}:{commodity}"] = to_wad(float(flow))
    return out


def entry_fields(amounts: HourAmounts, participant: str) -> tuple[str, int, int, bytes]:
    """(participant, net cash, fee, tradesHash): the fields of a participant's entry leaf.
    Trades are hashed in ascending product-name order."""
    book = amounts.trades[participant]
    products = sorted(book)
    hashed = trades_hash([product_id(p) for p in products], [book[p] for p in products])
    return participant, amounts.net_cash[participant], amounts.fees[participant], hashed


def entries_document(bundle: CommittedHour) -> dict[str, Any]:
    """The hour's committed entries as published (`hours/<h>.json` "entries"): per
    participant its net cash and fee (wei) and its trades (10^-18 GB), decimal strings."""
    a = bundle.amounts
    return {
        who: {
            "cash": str(a.net_cash[who]),
            "fee": str(a.fees[who]),
            "trades": {name: str(q) for name, q in sorted(book.items())},
        }
        for who, book in a.trades.items()
    }


def with_entries(bundle: HourBundle, document: Any) -> HourBundle:
    """`bundle` with the entries an operator published as committed (`entries_document`'s
    form, strictly parsed) instead of the ones its result gives: its entries tree and
    root are rebuilt from them, the trade lines and holdings are the result's."""
    if not isinstance(document, dict):
        raise InvalidInput("entries: expected an object {participant: entry}")
    net_cash: dict[str, int] = {}
    fees: dict[str, int] = {}
    trades: dict[str, dict[str, int]] = {}
    for who, entry in document.items():
        where = f"entries.{who}"
        if not is_address(who):
            raise InvalidInput(f"{where}: not a wallet address")
        if not isinstance(entry, dict) or set(entry) != {"cash", "fee", "trades"}:
            raise InvalidInput(f"{where}: expected exactly the keys cash, fee, trades")
        key = checksummed(who)
        net_cash[key] = _integer(entry["cash"], f"{where}.cash")
        fees[key] = _integer(entry["fee"], f"{where}.fee")
        if fees[key] < 0:
            raise InvalidInput(f"{where}.fee: must be >= 0 wei")
        if not isinstance(entry["trades"], dict):
            raise InvalidInput(f"{where}.trades: expected an object {{product: amount}}")
        trades[key] = {
            str(n): _integer(q, f"{where}.trades.{n}") for n, q in entry["trades"].items()
        }
    amounts = dataclasses.replace(bundle.amounts, net_cash=net_cash, fees=fees, trades=trades)
    entries_tree = MerkleTree.from_leaves(
        entry_leaf(*entry_fields(amounts, participant)) for participant in trades
    )
    commitment = dataclasses.replace(bundle.commitment, entries_root=entries_tree.root)
    return dataclasses.replace(
        bundle, amounts=amounts, entries_tree=entries_tree, commitment=commitment
    )


def _integer(value: Any, where: str) -> int:
    if not isinstance(value, str) or not value.lstrip("-").isdigit():
        raise InvalidInput(f"{where}: expected an integer as a decimal string, got {value!r}")
    return int(value)


def _summary(
    result: ResultDoc,
    amounts: HourAmounts,
    orders_root: bytes,
    prices_root: bytes,
    entries_root: bytes,
    lines: SortedTree,
    holdings: SortedTree,
) -> HourCommitment:
    certificate = result["certificate"]
    # As-bid welfare is ≥ 0 at the optimum (no trade is feasible); a float result a
    # hair below zero is solver noise and is committed as 0.
    return HourCommitment(
        orders_root=orders_root,
        prices_root=prices_root,
        entries_root=entries_root,
        welfare=max(0, to_wad(float(result["welfare"]))),
        volume=sum(to_wad(float(p["volume"])) for p in result["products"].values()),
        fees=amounts.total_fees,
        max_imbalance=to_wad(float(certificate["max_imbalance"])),
        max_order_gap=to_wad(float(certificate["max_order_gap"])),
        lines_root=lines.root,
        lines_count=lines.count,
        holdings_root=holdings.root,
        holdings_count=holdings.count,
        fills_root=bytes(32),
        fills_count=0,
    )


def unbacked_participants(lines: SortedTree, participants: Iterable[str]) -> list[str]:
    """The participants among `participants` with an unbacked line in `lines` (those whose
    unbacked source is a line's source): each gets an unbacked leaf in the fills tree."""
    sources = set(row_bytes(lines.key_rows()[:, 32:])) if lines.count else set()
    return sorted({p for p in participants if unbacked_source(p) in sources})


def _participants(result: ResultDoc) -> list[str]:
    """Every wallet with a trade in the result: participants and link owners, checksummed."""
    wallets = [*result["participants"], *result.get("owners", {})]
    return [checksummed(w) for w in wallets]


def commit_bundle(client: ChainClient, ledger: Contract, bundle: HourBundle) -> TxReceipt:
    """Send `commitHour` as the client's key (the oracle) and wait for the receipt."""
    return client.transact(
        ledger.functions.commitHour(bundle.hour, bundle.commitment.as_tuple()),
        label=f"commitHour({bundle.hour})",
    )


def read_commitment(client: ChainClient, ledger: Contract, hour: int) -> HourCommitment:
    """The committed hour as stored on chain; `TransactionReverted` if not committed."""
    raw = client.call(ledger.functions.hourCommitment(hour))
    return HourCommitment(*raw)
