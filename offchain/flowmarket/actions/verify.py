"""Check the oracle's work as anyone can: `flowmarket verify --hour H` and `--week W`.

Nothing the operator serves is trusted; only the chain is. An hour is verified by
re-clearing its published order set (with the previous cleared hour's published prices
as the tie-break prior, as the oracle does) at the fee the chain governed when the hour
was committed, rebuilding the three roots and the summary (`build_hour_bundle`) and
comparing each field with `ClearingLedger.hourCommitment`. Re-clearing also re-runs the
certificate gate: an order set whose certificate cannot reach its tolerance fails. When
the entries root differs, the operator's own published entries (the publication's
result, or the API's entry leaves) name the participants whose committed entry is not
the re-cleared one.

A week is verified from its 168 hours: the committed entries of each hour (the
re-cleared ones, or the published ones when they, and not the re-clearing, reproduce
the entries root on chain) give each participant's sum of hourly cash and the bitmap of
its hours. The posted root must be the tree of exactly those sums and bitmaps
(`settlement_week`). Each published leaf of the posted root is compared with them, and
every difference the contract can judge becomes a `Fault` with the calldata of the
matching `WeeklySettlement.challenge*` function (`flowmarket challenge` sends it).

Sources (`PublicRecord`): the public API, or a folder of publication files as the
oracle writes them (`hours/<h>.json`, `hours/<h>.orders.json`, `weeks/<w>.json`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from eth_utils.address import to_checksum_address

from flowmarket.actions.actor import Actor
from flowmarket.actions.no_loss import no_loss_problems
from flowmarket.actions.verify_backing import backing_faults
from flowmarket.actions.verify_balance import balance_faults, product_names
from flowmarket.actions.verify_holdings import entry_faults
from flowmarket.authorisation_record import bound_differences, check_records, strip_bounds
from flowmarket.authorisations import apply_authorisations
from flowmarket.chain.fill_check import judge_fill
from flowmarket.chain.fill_signature import is_signed_by
from flowmarket.chain.leaves import (
    SettlementWeek,
    decode_settlement_value,
    order_key,
    participant_key,
    product_id,
    settlement_week,
)
from flowmarket.chain.portfolio_fill import is_portfolio_signed_by
from flowmarket.chain.sorted_tree import Item, SortedTree, verify_item
from flowmarket.clearing import ResultDoc
from flowmarket.clearing.document import naming_engine, order_set_engine
from flowmarket.client.participant_client import ApiReader
from flowmarket.errors import InvalidInput, MarketError, NotFound, TransactionReverted
from flowmarket.money import from_wad
from flowmarket.oracle.hour_commitment import (
    FillTerms,
    HourBundle,
    HourCommitment,
    build_hour_bundle,
    interval_key,
    with_entries,
)
from flowmarket.oracle.publication import (
    check_result_document,
    published_intervals,
    published_order_set,
    read_week_file,
)
from flowmarket.schedule import SECONDS_PER_HOUR
from flowmarket.solvers.highs_projection import clear_market_document

HOURS_PER_WEEK = 168
LEDGER = "ClearingLedger"
SETTLEMENT = "WeeklySettlement"
# How far back the prior's search for the last cleared hour goes.
PRIOR_LOOKBACK_HOURS = HOURS_PER_WEEK


class PublicRecord(Protocol):
    """What the operator publishes about hours and weeks (none of it trusted)."""

    def order_set(self, hour: int) -> Mapping[str, Any]:
        """The hour's order set as cleared; `NotFound` when not published."""
        ...

    def prices(self, hour: int) -> dict[str, float] | None:
        """The published prices of a cleared hour; None when the hour was not cleared."""
        ...

    def fee_bps(self, hour: int) -> int | None:
        """The fee rate the oracle states it cleared at; None: read it from the chain."""
        ...

    def imbalance(self, hour: int) -> dict[str, str] | None:
        """The metered-usage settlements of the hour (not in the order set), if published."""
        ...

    def claimed_entries(self, hour: int, participants: list[str]) -> dict[str, bytes]:
        """The operator's published entry leaf of each participant it has one for."""
        ...

    def claimed_bundle(self, hour: int) -> HourBundle | None:
        """The operator's whole published hour (its result), when published as a file."""
        ...

    def week_leaves(self, week: int, participants: list[str]) -> tuple[list[Item], bool]:
        """The posted tree's published leaves (with proofs) and whether they are all of
        them (a whole week file) or only those of `participants` (the API)."""
        ...


@dataclass(frozen=True)
class Fault:
    """A wrong weekly root the contract can be shown: `function` of `WeeklySettlement`
    with `args` (web3 tuples) proves `description`."""

    description: str
    function: str
    args: tuple[Any, ...]


@dataclass
class HourVerdict:
    """The outcome of one hour: `problems` (each a sentence) make it fail; `notes` do not.
    `committed` is the bundle whose entries reproduce the chain's entries root (the
    re-cleared one, else the published one), None when neither does."""

    hour: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    recleared: HourBundle | None = None
    committed: HourBundle | None = None
    faults: list[Fault] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class WeekVerdict:
    week: int
    root: bytes
    hours: list[HourVerdict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(h.ok for h in self.hours)


COMMITMENT_FIELDS = (
    ("orders_root", "orders root"),
    ("prices_root", "prices root"),
    ("entries_root", "entries root"),
    ("welfare", "welfare"),
    ("volume", "volume"),
    ("fees", "fees"),
    ("max_imbalance", "certificate max imbalance"),
    ("max_order_gap", "certificate max order gap"),
    ("lines_root", "trade lines root"),
    ("lines_count", "trade lines count"),
    ("fills_root", "fills root"),
    ("fills_count", "fills count"),
)


def _show(name: str, value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if name == "fees":
        return f"{value} wei"
    if name in ("lines_count", "fills_count"):
        return str(value)
    return f"{from_wad(int(str(value))):.6g}"


def read_commitment(actor: Actor, hour: int) -> HourCommitment:
    """The chain's commitment of `hour` (`TransactionReverted` when not committed)."""
    raw = actor.read(actor.contract(LEDGER).functions.hourCommitment(hour))
    return HourCommitment(*raw)


def fee_at_commit(actor: Actor, hour: int) -> int:
    """The governed fee rate in the state just before the block that committed `hour`."""
    ledger = actor.contract(LEDGER)
    logs = ledger.events.HourCommitted().get_logs(
        from_block=0, to_block="latest", argument_filters={"hour": hour}
    )
    if not logs:
        raise NotFound(f"hour: no HourCommitted event for hour {hour} on chain")
    block = int(logs[-1]["blockNumber"])
    function = actor.contract("MarketParameters").functions.feeBps()
    return int(function.call(block_identifier=max(block - 1, 0)))


def engine_at(actor: Actor, hour: int) -> int:
    """The clearing engine the chain governs for `hour`: fixed once bidding for the hour
    began (`MarketParameters.clearingEngineAt`), so the latest state tells."""
    function = actor.contract("MarketParameters").functions.clearingEngineAt(hour)
    return int(actor.read(function))


def governed_engine(
    verdict: HourVerdict, doc: Mapping[str, Any], engine: int, where: str
) -> dict[str, Any]:
    """`doc` to re-clear with the governed `engine`; a problem when it names another (an
    order set names its engine unless it is 1, docs/engine-versions.md)."""
    named = order_set_engine(doc)
    if named != engine:
        verdict.problems.append(
            f"{where} names clearing engine {named!r}, the chain governed engine {engine} "
            f"for hour {verdict.hour}"
        )
    return naming_engine(doc, engine)


def prior_prices(
    source: PublicRecord, hour: int, products: list[str], genesis: int
) -> dict[str, float]:
    """The prices of the latest cleared hour before `hour`, on the order set's products
    (the oracle's prior: `results_repo.prices_before`)."""
    wanted = set(products)
    for earlier in range(hour - 1, max(genesis, hour - PRIOR_LOOKBACK_HOURS) - 1, -1):
        prices = source.prices(earlier)
        if prices is not None:
            return {p: v for p, v in prices.items() if p in wanted}
    return {}


def verify_hour(actor: Actor, source: PublicRecord, hour: int) -> HourVerdict:
    """Re-clear hour `hour` from the published record and compare it with the chain."""
    verdict = HourVerdict(hour)
    try:
        onchain = read_commitment(actor, hour)
    except TransactionReverted:
        verdict.problems.append("not committed on chain")
        return verdict
    genesis = int(actor.read(actor.contract(LEDGER).functions.genesisHour()))
    try:
        order_set = source.order_set(hour)
    except NotFound as exc:
        verdict.problems.append(f"no published order set ({exc})")
        _use_published(verdict, source, onchain)
        return verdict
    engine = engine_at(actor, hour)
    intervals = order_set.get("intervals")
    if isinstance(intervals, list):
        intervals = [
            governed_engine(verdict, doc, engine, f"interval {j}'s order set")
            if isinstance(doc, Mapping)
            else doc
            for j, doc in enumerate(intervals)
        ]
        order_set = {**order_set, "intervals": intervals}
    else:
        order_set = governed_engine(verdict, order_set, engine, "the order set")
    if intervals is None:
        order_set = rederive_bounds(actor, verdict, source, order_set, genesis)
    elif any(isinstance(doc, dict) and doc.get("authorisations") for doc in intervals):
        verdict.notes.append(
            "authorisations: an hour cleared in intervals is re-cleared with the bounds as "
            "published (not yet re-derived interval by interval)"
        )
    products = sorted(
        {str(p) for doc in (intervals or [order_set]) for p in doc.get("products", [])}
    )
    prior = prior_prices(source, hour, products, genesis)
    stated = source.fee_bps(hour)
    fee_bps = fee_at_commit(actor, hour)
    if stated is not None and stated != fee_bps:
        verdict.notes.append(f"published fee {stated} bps, chain {fee_bps} bps at commit")
    imbalance = source.imbalance(hour)
    if imbalance:
        verdict.notes.append(
            f"{len(imbalance)} metered-usage settlements taken as published (not re-derivable)"
        )
    orders = order_set.get("orders", [])
    try:
        if intervals is not None:
            document = reclear_intervals(order_set, prior, imbalance)
            for j, (doc, cleared) in enumerate(zip(intervals, document["intervals"], strict=True)):
                verdict.problems += [
                    f"interval {j}: {problem}"
                    for problem in no_loss_problems(
                        doc.get("orders", []), cleared["orders"], cleared["prices"]
                    )
                ]
            result = cast(ResultDoc, document)
        else:
            result = clear_market_document(order_set, {"prices": prior})
            if imbalance:
                result = {**result, "imbalance": imbalance}
            verdict.problems += no_loss_problems(orders, result["orders"], result["prices"])
    except MarketError as exc:
        verdict.problems.append(f"the published order set does not re-clear: {exc}")
        _use_published(verdict, source, onchain)
        # What the published record proves on chain needs no re-clearing: an order set
        # that lists one order twice does not re-clear, and its fills tree shows it.
        try:
            _fill_faults(actor, verdict, source, onchain)
            _balance_faults(actor, verdict, source, onchain)
        except MarketError as unreadable:
            verdict.notes.append(f"the published hour cannot be rebuilt: {unreadable}")
        return verdict
    batches = order_set.get("batches", {})
    bundle = build_hour_bundle(
        result,
        hour=hour,
        fee_bps=fee_bps,
        orders=orders,
        batches=batches,
        order_sets=intervals or (),
    )
    named = sum(
        1
        for o in orders
        if isinstance(o, Mapping) and "portfolios" in o and "signed_portfolios" not in o
    )
    if named:
        verdict.notes.append(
            f"{named} order(s) an authorisation governs have no fill leaf: re-cleared and "
            "checked through the prices and entries roots only (docs/order-limits.md)"
        )
    verdict.recleared = bundle
    for name, label in COMMITMENT_FIELDS:
        mine, theirs = getattr(bundle.commitment, name), getattr(onchain, name)
        if mine != theirs:
            verdict.problems.append(
                f"{label}: on chain {_show(name, theirs)}, re-cleared {_show(name, mine)}"
            )
    if bundle.commitment.entries_root == onchain.entries_root:
        verdict.committed = bundle
    else:
        _diff_entries(verdict, source, bundle, onchain)
    _signature_faults(
        actor,
        verdict,
        bundle,
        fills=bundle.commitment.fills_root == onchain.fills_root,
        portfolios=bundle.commitment.orders_root == onchain.orders_root,
    )
    if not verdict.ok:
        _fill_faults(actor, verdict, source, onchain)
        _balance_faults(actor, verdict, source, onchain)
    return verdict


def reclear_intervals(
    order_set: Mapping[str, Any], prior: Mapping[str, float], imbalance: Mapping[str, str] | None
) -> dict[str, Any]:
    """Re-clear an hour cleared in intervals (docs/schedule.md) as the oracle did: each
    interval's published order set in order, interval 0 with the previous hour's prices
    as prior and each later one with the re-cleared prices of the one before; the metered
    usage settled in the hour goes with interval 0. Returns the interval-hour document
    whose bundle is the hour's commitment."""
    interval_s = order_set.get("interval_s")
    docs = order_set.get("intervals")
    if not isinstance(interval_s, int) or not isinstance(docs, list) or not docs:
        raise InvalidInput("order set: an interval hour needs 'interval_s' and 'intervals'")
    results: list[dict[str, Any]] = []
    before: Mapping[str, float] = prior
    for j, doc in enumerate(docs):
        wanted = set(doc.get("products", []))
        result = clear_market_document(
            doc, {"prices": {p: v for p, v in before.items() if p in wanted}}
        )
        if j == 0 and imbalance:
            result = {**result, "imbalance": dict(imbalance)}
        results.append(dict(result))
        before = {p: float(v) for p, v in result["prices"].items()}
    return {"interval_s": interval_s, "intervals": results}


def rederive_bounds(
    actor: Actor,
    verdict: HourVerdict,
    source: PublicRecord,
    order_set: Mapping[str, Any],
    genesis: int,
) -> dict[str, Any]:
    """The order set the oracle should have cleared: its signed orders bounded by the
    published authorisations that check (`authorisation_record`), from the positions
    the committed hours before give; every record that does not check and every bound
    that differs from the published set's is a problem of the verdict."""
    records = order_set.get("authorisations", [])
    if not isinstance(records, list):
        verdict.problems.append("published authorisations: expected a list")
        records = []
    auths, published_positions, problems = check_records(
        records, domain=actor.deployment.domain(), hour=verdict.hour
    )
    verdict.problems += problems
    participants = sorted({a.participant for a in auths})
    derived, why_not = committed_positions(actor, source, verdict.hour, genesis, participants)
    if derived is None:
        positions = published_positions
        if participants:
            verdict.notes.append(f"authorisations: positions taken as published ({why_not})")
    else:
        positions = derived
        for auth in auths:
            stated = published_positions.get(auth.participant, {})
            for product in sorted(auth.portfolio):
                mine = derived.get(auth.participant, {}).get(product, 0)
                theirs = stated.get(product, 0)
                if mine != theirs:
                    verdict.problems.append(
                        f"position of {auth.participant} in {product} under authorisation "
                        f"{auth.auth_hash}: published {theirs} (10⁻¹⁸ GB/h), the committed "
                        f"hours before give {mine}"
                    )
    signed = strip_bounds(
        order_set, {str(r.get("auth_hash")) for r in records if isinstance(r, dict)}
    )
    expected, applied = apply_authorisations(signed, auths, positions)
    verdict.problems += bound_differences(order_set, expected)
    if applied:
        verdict.notes.append(
            f"authorisations: {len(auths)} signed, {len(applied)} governing orders; bounds "
            "re-derived from the signed limits and the committed positions"
        )
    return expected


def committed_positions(
    actor: Actor, source: PublicRecord, hour: int, genesis: int, participants: list[str]
) -> tuple[dict[str, dict[str, int]] | None, str]:
    """{participant: {product: 10⁻¹⁸ GB/h}}: the sums of their committed trades of the
    hours genesis … hour − 1 (each hour's published result must reproduce the chain's
    entries root); (None, why) when an hour's trades cannot be had that way."""
    totals: dict[str, dict[str, int]] = {p: {} for p in participants}
    if not participants:
        return totals, ""
    for earlier in range(genesis, hour):
        try:
            onchain = read_commitment(actor, earlier)
        except TransactionReverted:
            continue  # not committed: it traded nothing
        bundle = source.claimed_bundle(earlier)
        if bundle is None:
            return None, f"hour {earlier}'s committed result is not published here"
        if bundle.commitment.entries_root != onchain.entries_root:
            return None, f"hour {earlier}'s published result is not its committed entries"
        for who in participants:
            book = totals[who]
            for product, quantity in bundle.amounts.trades.get(who, {}).items():
                book[product] = book.get(product, 0) + quantity
    return totals, ""


def _balance_faults(
    actor: Actor, verdict: HourVerdict, source: PublicRecord, onchain: HourCommitment
) -> None:
    """Each provable fault of the published hour's fills and trade lines (a line backed by
    no fill, an order with two fills, a product whose trades do not sum to zero, a line
    that is not its fill), as the `challengeBalance` call that proves it, the trees'
    structure first; the published hour must reproduce the chain's lines and fills roots."""
    claimed = source.claimed_bundle(verdict.hour)
    if claimed is None:
        return
    c = claimed.commitment
    same = (c.lines_root, c.lines_count, c.fills_root, c.fills_count) == (
        onchain.lines_root,
        onchain.lines_count,
        onchain.fills_root,
        onchain.fills_count,
    )
    if not same:
        return
    ledger = actor.contract(LEDGER)
    names = product_names(claimed)
    found_faults = [
        *backing_faults(claimed, fill_tuple, names),
        *balance_faults(claimed, fill_tuple),
    ]
    bound = (c.entries_root, c.holdings_root, c.holdings_count) == (
        onchain.entries_root,
        onchain.holdings_root,
        onchain.holdings_count,
    )
    if bound:
        parameters = actor.contract("MarketParameters").functions
        interval = int(actor.read(parameters.clearingIntervalAt(verdict.hour)))
        found_faults += entry_faults(claimed, whole_hour=interval == SECONDS_PER_HOUR)
    for found in found_faults:
        verdict.problems.append(f"{found.description} (provable: challengeBalance)")
        check = ledger.encode_abi(found.function, args=list(found.args))
        verdict.faults.append(
            Fault(
                found.description,
                "challengeBalance",
                (verdict.hour, bytes.fromhex(check.removeprefix("0x"))),
            )
        )


def _signature_faults(
    actor: Actor, verdict: HourVerdict, bundle: HourBundle, *, fills: bool, portfolios: bool
) -> None:
    """Each committed fill that no signature of its participant backs (an order the
    oracle invented or altered, or a signature that does not check out), as the
    `challengeUnsignedFill` call that proves it: the plain fills when `bundle` reproduces
    the fills root on chain (`fills`), the portfolio fills when it reproduces the orders
    root (`portfolios`), so that each leaf has its proof."""
    if not (fills or portfolios):
        return
    separator = bytes(actor.read(actor.contract(LEDGER).functions.domainSeparator()))
    for fill in bundle.fills.values() if fills else ():
        if is_signed_by(separator, verdict.hour, fill.signed_fields):
            continue
        description = (
            f"fill of order {fill.order_id} by {fill.participant}: "
            f"{from_wad(fill.quantity):+.6g} GB/h on an order {fill.participant} did not sign"
        )
        verdict.problems.append(f"{description} (provable: challengeUnsignedFill)")
        verdict.faults.append(
            Fault(description, "challengeUnsignedFill", (verdict.hour, fill_tuple(bundle, fill)))
        )
    ledger = actor.contract(LEDGER)
    for portfolio_fill in bundle.portfolio_fills.values() if portfolios else ():
        if is_portfolio_signed_by(separator, verdict.hour, portfolio_fill):
            continue
        description = (
            f"fill of portfolio order {portfolio_fill.order_id} by {portfolio_fill.participant}: "
            f"{from_wad(portfolio_fill.quantity):+.6g} GB/h on an order "
            f"{portfolio_fill.participant} did not sign"
        )
        proven = portfolio_fill.as_tuple(bundle.orders_tree.proof(portfolio_fill.leaf))
        check = ledger.encode_abi("isPortfolioFillUnsigned", args=[verdict.hour, proven])
        verdict.problems.append(f"{description} (provable: challengeBalance)")
        verdict.faults.append(
            Fault(
                description,
                "challengeBalance",
                (verdict.hour, bytes.fromhex(check.removeprefix("0x"))),
            )
        )


def _fill_faults(
    actor: Actor, verdict: HourVerdict, source: PublicRecord, onchain: HourCommitment
) -> None:
    """Each published fill off its order's curve at the committed prices, as the
    `challengeTrade` call that proves it (the published hour must reproduce the fills
    and prices roots on chain, so that every leaf has its proof)."""
    claimed = source.claimed_bundle(verdict.hour)
    if claimed is None:
        return
    c = claimed.commitment
    if c.fills_root != onchain.fills_root or c.prices_root != onchain.prices_root:
        return
    limits = actor.read(actor.contract("MarketParameters").functions.orderLimits())
    max_price = int(limits[2])
    for fill in claimed.fills.values():
        prices = _fill_prices(claimed, fill)
        judged = judge_fill(
            fill.quantity,
            fill.weights,
            fill.curve_quantities,
            fill.curve_prices,
            prices,
            max_price,
            window=fill.window,
        )
        if not judged.off_curve:
            continue
        what = (
            "terms that are not an order the market accepts"
            if judged.malformed
            else f"its curve gives {from_wad(judged.lowest):.9g} to "
            f"{from_wad(judged.highest):.9g} GB/h at portfolio price "
            f"{from_wad(judged.portfolio_price):.9g}"
        )
        description = (
            f"fill of order {fill.order_id} by {fill.participant}: "
            f"{from_wad(fill.quantity):+.6g} GB/h, {what}"
        )
        if fill.interval is not None:
            # isFillOffCurve proves a price by its product id; an interval's prices are
            # keyed interval:J:NAME (docs/schedule.md), so the chain cannot judge it yet.
            verdict.problems.append(f"{description} (an interval's fill: not provable on chain)")
            continue
        proven = [
            (price, claimed.prices_tree.proof(claimed.price_leaf(product)))
            for product, price in zip(fill.products, prices, strict=True)
        ]
        verdict.problems.append(f"{description} (provable: challengeTrade)")
        verdict.faults.append(
            Fault(description, "challengeTrade", (verdict.hour, fill_tuple(claimed, fill), proven))
        )


def _fill_prices(bundle: HourBundle, fill: FillTerms) -> list[int]:
    """The committed prices of the fill's products: its interval's in an hour cleared in
    intervals (the prices tree's `interval:J:NAME` leaves), the hour's otherwise."""
    if fill.interval is None:
        return [bundle.amounts.prices[p] for p in fill.products]
    return [bundle.network[interval_key(fill.interval, p)] for p in fill.products]


def fill_tuple(bundle: HourBundle, fill: FillTerms) -> tuple[Any, ...]:
    """`IClearingLedger.OrderFill` of a committed fill, with its index and proof in the
    hour's fills tree (the first leaf of its order key)."""
    return fill_in_tree(bundle.fills_tree, fill)


def fill_in_tree(tree: SortedTree, fill: FillTerms) -> tuple[Any, ...]:
    """`IClearingLedger.OrderFill` of `fill` with its index and proof in `tree`."""
    found = tree.find(fill.key)
    if found is None:
        raise InvalidInput(f"order {fill.order_id}: no fill leaf in the hour's fills tree")
    item = tree.item(found)
    return order_fill(fill, item.index, list(item.proof))


def order_fill(fill: FillTerms, index: int, proof: list[bytes]) -> tuple[Any, ...]:
    """`IClearingLedger.OrderFill` of `fill`, leaf `index` of the fills tree with `proof`."""
    return (
        order_key(fill.order_id),
        fill.participant,
        fill.quantity,
        [product_id(p) for p in fill.products],
        list(fill.weights),
        list(fill.curve_quantities),
        list(fill.curve_prices),
        fill.window[0],
        fill.window[1],
        (
            fill.nonce,
            fill.from_hour,
            fill.until_hour,
            fill.replaces,
            fill.signature,
            list(fill.batch_orders),
            fill.batch_cancels,
        ),
        index,
        proof,
    )


def _use_published(verdict: HourVerdict, source: PublicRecord, onchain: HourCommitment) -> None:
    claimed = source.claimed_bundle(verdict.hour)
    if claimed is not None and claimed.commitment.entries_root == onchain.entries_root:
        verdict.committed = claimed


def _diff_entries(
    verdict: HourVerdict, source: PublicRecord, bundle: HourBundle, onchain: HourCommitment
) -> None:
    """Name the participants whose published (committed) entry is not the re-cleared one."""
    claimed = source.claimed_bundle(verdict.hour)
    if claimed is not None and claimed.commitment.entries_root == onchain.entries_root:
        verdict.committed = claimed
        for who in sorted(set(claimed.amounts.trades) | set(bundle.amounts.trades)):
            theirs = _entry_text(claimed, who)
            mine = _entry_text(bundle, who)
            if theirs != mine:
                verdict.problems.append(f"entry of {who}: committed {theirs}, re-cleared {mine}")
        return
    participants = sorted(bundle.amounts.trades)
    leaves = source.claimed_entries(verdict.hour, participants)
    for who in participants:
        leaf = leaves.get(who)
        if leaf is None:
            verdict.problems.append(
                f"entry of {who}: none published, re-cleared {_entry_text(bundle, who)}"
            )
        elif leaf != bundle.entry_leaf(who):
            verdict.problems.append(
                f"entry of {who}: the published leaf is not the re-cleared "
                f"{_entry_text(bundle, who)}"
            )


def _entry_text(bundle: HourBundle, participant: str) -> str:
    if participant not in bundle.amounts.trades:
        return "no entry"
    _, cash, fee, _ = bundle.entry_fields(participant)
    trades = ", ".join(
        f"{product} {from_wad(q):+.6g} GB"
        for product, q in sorted(bundle.amounts.trades[participant].items())
    )
    return f"cash {from_wad(cash):+.6f} fee {from_wad(fee):.6f} ({trades or 'no trades'})"


@dataclass(frozen=True)
class PostedRoot:
    root: bytes
    count: int
    total_credits: int
    total_debits: int
    fees: int


def read_posted(actor: Actor, week: int) -> PostedRoot:
    raw = actor.read(actor.contract(SETTLEMENT).functions.weekRoot(week))
    return PostedRoot(bytes(raw[0]), int(raw[1]), int(raw[4]), int(raw[5]), int(raw[6]))


@dataclass
class CommittedWeek:
    """Per participant: the sum of its committed hourly cash (wei), its hours bitmap and
    its entries as the contract takes them (`HourEntry` tuples by bit)."""

    sums: dict[str, int] = field(default_factory=dict)
    bitmaps: dict[str, int] = field(default_factory=dict)
    entries: dict[str, dict[int, tuple[Any, ...]]] = field(default_factory=dict)
    fees: int = 0
    voided: dict[int, int] = field(default_factory=dict)  # bit → hour voided on chain

    def add(self, bit: int, bundle: HourBundle) -> None:
        for who in bundle.amounts.trades:
            _, cash, fee, trades = bundle.entry_fields(who)
            proof = bundle.entries_tree.proof(bundle.entry_leaf(who))
            self.sums[who] = self.sums.get(who, 0) + cash
            self.bitmaps[who] = self.bitmaps.get(who, 0) | (1 << bit)
            self.entries.setdefault(who, {})[bit] = (bundle.hour, cash, fee, trades, proof)
            self.fees += fee


def verify_week(actor: Actor, source: PublicRecord, week: int) -> WeekVerdict:
    """Verify each hour of week `week`, then its posted root against their entries."""
    posted = read_posted(actor, week)
    verdict = WeekVerdict(week, posted.root)
    genesis = int(actor.read(actor.contract(LEDGER).functions.genesisHour()))
    first = genesis + HOURS_PER_WEEK * week
    committed = CommittedWeek()
    complete = True
    settlement = actor.contract(SETTLEMENT).functions
    for bit in range(HOURS_PER_WEEK):
        hour = verify_hour(actor, source, first + bit)
        verdict.hours.append(hour)
        if actor.read(settlement.isHourVoided(first + bit)):
            committed.voided[bit] = first + bit
            hour.notes.extend(f"(proven, void) {problem}" for problem in hour.problems)
            hour.problems.clear()
            hour.faults.clear()
            hour.notes.append("void on chain (a proven wrong trade): no weekly root counts it")
        elif hour.committed is None:
            complete = False
        else:
            committed.add(bit, hour.committed)
    if not complete:
        verdict.problems.append(
            "the committed entries of some hours are unknown: the leaves cannot be checked"
        )
        return verdict
    if posted.root == bytes(32):
        verdict.notes.append("no settlement root posted for this week")
        return verdict
    expected = settlement_week(
        week, sorted(committed.sums.items()), committed.fees, committed.bitmaps
    )
    if expected.root == posted.root and expected.count == posted.count:
        return verdict
    verdict.problems.append(
        f"posted root 0x{posted.root.hex()} ({posted.count} leaves) is not the root of the "
        f"committed entries 0x{expected.root.hex()} ({expected.count} leaves)"
    )
    _find_faults(verdict, source, posted, committed, expected)
    return verdict


def _find_faults(
    verdict: WeekVerdict,
    source: PublicRecord,
    posted: PostedRoot,
    committed: CommittedWeek,
    expected: SettlementWeek,
) -> None:
    week = verdict.week
    items, whole = source.week_leaves(week, sorted(committed.sums))
    leaves: dict[str, Item] = {}
    for item in items:
        if not verify_item(posted.root, posted.count, item) or len(item.key) != 20:
            verdict.notes.append(f"a published leaf (index {item.index}) is not in the posted root")
            continue
        leaves[str(to_checksum_address(item.key))] = item
    for who, item in sorted(leaves.items()):
        leaf = decode_settlement_value(item.value)
        bits = committed.bitmaps.get(who, 0)
        entries = committed.entries.get(who, {})
        if leaf.hours >> HOURS_PER_WEEK:
            dummy = next(iter(entries.values()), (0, 0, 0, bytes(32), []))
            _fault(verdict, f"leaf of {who} names hours beyond the week", "challengeLeafHours",
                   (week, item.as_tuple(), dummy))  # fmt: skip
            continue
        void = [bit for bit in committed.voided if leaf.hours >> bit & 1]
        if void:
            hour = committed.voided[void[0]]
            what = f"leaf of {who} counts hour {hour}, void on chain"
            _fault(verdict, what, "challengeLeafHours",
                   (week, item.as_tuple(), (hour, 0, 0, bytes(32), [])))  # fmt: skip
            continue
        missed = bits & ~leaf.hours
        if missed:
            bit = (missed & -missed).bit_length() - 1
            what = f"leaf of {who} leaves out hour {entries[bit][0]}, where it has an entry"
            _fault(verdict, what, "challengeLeafHours", (week, item.as_tuple(), entries[bit]))
            continue
        if leaf.hours & ~bits:
            verdict.problems.append(
                f"leaf of {who} names hours in which it has no committed entry; the entries "
                "trees are not sorted by participant, so no contract call can prove it"
            )
            continue
        total = committed.sums.get(who, 0)
        if leaf.amount != total:
            evidence = [entries[bit] for bit in sorted(entries)]
            what = (
                f"leaf of {who}: {leaf.amount} wei, its committed hourly entries sum to {total} wei"
            )
            _fault(verdict, what, "challengeLeafSum", (week, item.as_tuple(), evidence))
    if not whole:
        missing = sorted(set(committed.sums) - set(leaves))
        for who in missing:
            verdict.problems.append(f"{who} has entries in the week but no published leaf")
        return
    tree = _published_tree(items, posted)
    if tree is None:
        return
    for who in sorted(set(committed.sums) - set(leaves)):
        bit = min(committed.entries[who])
        absence = [i.as_tuple() for i in tree.lookup(participant_key(who))]
        entry = committed.entries[who][bit]
        what = f"{who} has an entry in hour {entry[0]} and no leaf"
        _fault(verdict, what, "challengeMissingParticipant", (week, who, entry, absence))
    _running_sums(verdict, tree, posted)


def _published_tree(items: list[Item], posted: PostedRoot) -> Any:
    from flowmarket.chain.sorted_tree import SortedTree

    tree = SortedTree((item.key, item.value) for item in items)
    return tree if tree.root == posted.root and tree.count == posted.count else None


def _running_sums(verdict: WeekVerdict, tree: Any, posted: PostedRoot) -> None:
    week = verdict.week
    credits = debits = 0
    for index in range(tree.count):
        item: Item = tree.item(index)
        leaf = decode_settlement_value(item.value)
        if (leaf.credits_before, leaf.debits_before) != (credits, debits):
            if index == 0:
                args: tuple[Any, ...] = (week, item.as_tuple(), item.as_tuple(), False)
            else:
                args = (week, tree.item(index - 1).as_tuple(), item.as_tuple(), True)
            _fault(verdict, f"leaf {index}'s running sums are not those of the leaves before it",
                   "challengeRunningSums", args)  # fmt: skip
            return
        credits += max(leaf.amount, 0)
        debits += max(-leaf.amount, 0)
    if (credits, debits) != (posted.total_credits, posted.total_debits) and tree.count:
        last = tree.item(tree.count - 1).as_tuple()
        _fault(verdict, "the leaves do not sum to the posted totals", "challengeRunningSums",
               (week, last, last, False))  # fmt: skip


def _fault(verdict: WeekVerdict, description: str, function: str, args: tuple[Any, ...]) -> None:
    verdict.problems.append(f"{description} (provable: {function})")
    verdict.faults.append(Fault(description, function, args))


class PublicationFiles:
    """The publication files as the oracle writes them under its state folder (or as
    downloaded into any folder): `hours/<h>.json`, `hours/<h>.orders.json`, `weeks/<w>.json`."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise InvalidInput(f"--files: {folder} is not a folder")
        self.folder = folder
        self._publications: dict[int, dict[str, Any] | None] = {}

    def _read(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{path}: not readable JSON ({exc})") from None

    def _publication(self, hour: int) -> dict[str, Any] | None:
        if hour not in self._publications:
            path = self.folder / "hours" / f"{hour}.json"
            raw = self._read(path) if path.exists() else None
            if raw is not None and (not isinstance(raw, dict) or "result" not in raw):
                raise InvalidInput(f"{path}: not a publication (no 'result')")
            self._publications[hour] = raw
        return self._publications[hour]

    def order_set(self, hour: int) -> Mapping[str, Any]:
        path = self.folder / "hours" / f"{hour}.orders.json"
        if not path.exists():
            raise NotFound(f"{path} does not exist")
        raw = self._read(path)
        if not isinstance(raw, dict):
            raise InvalidInput(f"{path}: expected a JSON object")
        return raw

    def prices(self, hour: int) -> dict[str, float] | None:
        publication = self._publication(hour)
        if publication is None:
            return None
        result = publication["result"]
        if "intervals" in result:  # an hour cleared in intervals: its last one's prices
            result = result["intervals"][-1]
        return {str(k): float(v) for k, v in result["prices"].items()}

    def fee_bps(self, hour: int) -> int | None:
        publication = self._publication(hour)
        return None if publication is None else int(publication["fee_bps"])

    def imbalance(self, hour: int) -> dict[str, str] | None:
        publication = self._publication(hour)
        if publication is None:
            return None
        result = publication["result"]
        if "intervals" in result:  # settled in the hour's first interval
            result = result["intervals"][0]
        imbalance = result.get("imbalance")
        return dict(imbalance) if imbalance else None

    def claimed_bundle(self, hour: int) -> HourBundle | None:
        publication = self._publication(hour)
        if publication is None:
            return None
        result = check_result_document(publication["result"], f"hours/{hour}.json")
        orders, batches = published_order_set(self.folder, hour)
        bundle = build_hour_bundle(
            result,
            hour=hour,
            fee_bps=int(publication["fee_bps"]),
            orders=orders,
            batches=batches,
            order_sets=published_intervals(self.folder, hour),
        )
        if publication.get("entries") is not None:
            bundle = with_entries(bundle, publication["entries"])
        return bundle

    def claimed_entries(self, hour: int, participants: list[str]) -> dict[str, bytes]:
        bundle = self.claimed_bundle(hour)
        if bundle is None:
            return {}
        return {p: bundle.entry_leaf(p) for p in participants if p in bundle.amounts.trades}

    def week_leaves(self, week: int, participants: list[str]) -> tuple[list[Item], bool]:
        path = self.folder / "weeks" / f"{week}.json"
        if not path.exists():
            raise NotFound(f"{path} does not exist: the week's leaves are not published")
        tree = read_week_file(self._read(path), str(path))
        return [tree.item(i) for i in range(tree.count)], True


class PublicApi:
    """The same record from the public API (no settlement fee or metered usage there:
    the fee is read from the chain, and usage settlements are not re-derived)."""

    def __init__(self, reader: ApiReader) -> None:
        self.reader = reader

    def order_set(self, hour: int) -> Mapping[str, Any]:
        raw = self.reader.public(f"hours/{hour}/orders")
        if not isinstance(raw, dict):
            raise InvalidInput(f"API hours/{hour}/orders: expected a JSON object")
        return raw

    def prices(self, hour: int) -> dict[str, float] | None:
        try:
            rows = self.reader.public(f"hours/{hour}/prices")
        except NotFound:
            return None
        return {str(row["product"]): float(row["price"]) for row in rows}

    def fee_bps(self, hour: int) -> int | None:
        return None

    def imbalance(self, hour: int) -> dict[str, str] | None:
        return None

    def claimed_bundle(self, hour: int) -> HourBundle | None:
        return None

    def claimed_entries(self, hour: int, participants: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for who in participants:
            try:
                proof = self.reader.public(f"hours/{hour}/proofs/participants/{who}")
            except NotFound:
                continue
            out[who] = bytes.fromhex(str(proof["leaf"]).removeprefix("0x"))
        return out

    def week_leaves(self, week: int, participants: list[str]) -> tuple[list[Item], bool]:
        items = []
        for who in participants:
            try:
                leaf = self.reader.settlement_leaf(week, who)
            except NotFound:
                continue
            items.append(Item.from_json(leaf["item"], field=f"leaf of {who}"))
        return items, False
