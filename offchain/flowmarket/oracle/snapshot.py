"""Step 1 of an hour: snapshot the standing orders and apply the collateral rules.

At the close of hour h the orders standing then (`orders_repo.standing_orders`) are
read; orders below the participant's on-chain `OrderRegistry.minNonce` are dropped;
orders beyond the governed order limits, or whose worst case their participant's
collateral cannot back, are left out with the reason (`screen`, stored as
`OrderExclusion` rows with the journal);
each participant's requirement is computed from its position, its reported expected
position, last hour's prices and the governed parameters, plus the cash it owes and has
not settled (`requirements.owed_after`), and compared with its collateral in the vault;
participants below zero excess or restricted after a seizure have their orders cut
(`collateral.cut_orders`). The resulting engine document, the fee rate and the
collateral states are journaled together, so a restart clears exactly what the first
run would have cleared, whatever the chain or the book did meanwhile. An hour cleared in
intervals (docs/schedule.md) is snapshotted at each interval's close into the hour's row
(`oracle.intervals`).
With a network (`Settings.network_catalogue`) the engine document carries the hour's
network block (`oracle.network`). Otherwise the authorisations standing at the close
bound their portfolios' rates inside the clearing (`authorisations`), from each
participant's exact committed positions; the journal's collateral record lists them
(`authorisations`: the orders each governs and the bounds cleared with), and the engine
document carries each one as signed with the positions its bounds came from
(`authorisation_record`), so the published order set lets anyone re-derive them.
When the book holds non-convex orders it carries the
market's `nonconvex_rule` (`Settings.nonconvex_rule`), so the hour clears through
`clearing.nonconvex` and a restart clears it under the same rule; with a network they
are left out of the hour with that reason (they cannot yet clear with one).
Portfolio orders (a curve over several named portfolios, docs/portfolios.md) bring their
named portfolios into the engine document (`orders.orders_document`); with a network
they are left out with a reason too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import partial
from typing import Any, cast

from flowmarket.authorisation_record import record
from flowmarket.authorisations import apply_authorisations
from flowmarket.clearing.document import naming_engine
from flowmarket.clearing.engine import check_engine
from flowmarket.clearing.schema import OrderDoc
from flowmarket.collateral import (
    CollateralParams,
    CollateralState,
    classify,
    cut_orders,
    requirement,
)
from flowmarket.db import (
    authorisations_repo,
    batches_repo,
    exclusions_repo,
    oracle_repo,
    orders_repo,
    results_repo,
)
from flowmarket.db.authorisation_tables import AuthorisationRow
from flowmarket.db.oracle_tables import OracleHour, OrderExclusion
from flowmarket.money import to_wad
from flowmarket.oracle import chain_state
from flowmarket.oracle.context import OracleContext
from flowmarket.oracle.intervals import (
    IntervalSnapshot,
    journal_interval,
    new_exclusions,
    pending_cash,
    previous_prices,
)
from flowmarket.oracle.journal import require
from flowmarket.oracle.network import hour_network
from flowmarket.oracle.requirements import owed_after
from flowmarket.oracle.screen import Books, Screened, screen_orders
from flowmarket.orders import is_nonconvex, is_portfolio_order, journaled_order, orders_document
from flowmarket.schedule import DEFAULT_INTERVAL_S
from flowmarket.states import CollateralStatus, Exclusion, JournalStep

NO_NETWORK = "kind: a non-convex order cannot yet clear in a market with a network"
NO_NETWORK_PORTFOLIOS = (
    "portfolios: an order over several portfolios cannot yet clear in a market with a network"
)


def take_snapshot(
    ctx: OracleContext, *, hour: int, interval_s: int = DEFAULT_INTERVAL_S, index: int = 0
) -> OracleHour:
    """Journal hour `hour`'s snapshot (step `snapshotted`) and return the row.

    interval_s, index: an hour the governed schedule splits into intervals of
    `interval_s` seconds (docs/schedule.md) is snapshotted once per interval, at the
    interval's close: interval `index`'s order set, collateral record and owners are
    appended to the hour's journal row (`oracle.intervals`), whose step stays
    `snapshotted` until the last interval is cleared. Interval index > 0 takes the
    previous interval's prices for the requirements."""
    hourly = interval_s == DEFAULT_INTERVAL_S
    close = (
        ctx.clock.close_time(hour) if hourly else ctx.clock.interval_close(hour, index, interval_s)
    )
    with ctx.session() as session:
        rows = orders_repo.standing_orders(session, hour=hour, close=close, fit_memos=True)
        batch_of = orders_repo.standing_batches(session, hour=hour, close=close)
        participants = sorted({row.participant for row in rows})
        positions = oracle_repo.positions_of(session, participants=participants)
        expected = oracle_repo.expected_positions(session, participants=participants)
        prices = {k: to_wad(v) for k, v in results_repo.prices_before(session, hour=hour).items()}
        pending: dict[str, int] = {}
        if index > 0:
            journaled = require(session, hour)
            prices = {k: to_wad(v) for k, v in previous_prices(journaled).items()}
            pending = pending_cash(journaled)
        auth_rows = authorisations_repo.standing_rows(session, hour=hour, close=close)
        auths = [authorisations_repo.as_authorisation(row) for row in auth_rows]
        held = oracle_repo.positions_wei_of(
            session, participants=sorted({a.participant for a in auths})
        )
    fee = ctx.rpc(lambda: chain_state.fee_bps(ctx), what="read fee", hour=hour)
    params = ctx.rpc(
        lambda: chain_state.collateral_params(ctx), what="read collateral params", hour=hour
    )
    states = ctx.rpc(
        partial(chain_state.participant_states, ctx, participants),
        what="read participants",
        hour=hour,
    )
    owed = owed_after(ctx, hour - 1, pending=pending)
    limits = ctx.rpc(lambda: chain_state.order_limits(ctx), what="read order limits", hour=hour)
    # An engine this oracle does not run stops the hour here, before anything is journaled:
    # the operator upgrades and the hour is snapshotted again (docs/engine-versions.md).
    engine = check_engine(
        ctx.rpc(lambda: chain_state.clearing_engine(ctx, hour), what="read engine", hour=hour)
    )
    kept = [row for row in rows if row.nonce >= states[row.participant].min_nonce]
    kept_hashes = {row.order_hash for row in kept}  # a set: the list test was O(n²)
    dropped = sorted(row.order_hash for row in rows if row.order_hash not in kept_hashes)
    collateral = {
        p: _state(
            p,
            requirement(positions[p], expected[p], prices, params) + owed.get(p, 0),
            params,
            states[p].collateral,
            states[p].restricted,
        )
        for p in participants
    }
    cut = {p: positions[p] for p, state in collateral.items() if state.must_cut}
    books = Books(
        requirements={p: state.requirement for p, state in collateral.items()},
        collateral={p: states[p].collateral for p in participants},
        prices=prices,
        exempt=frozenset(cut),
    )
    screened = screen_orders(kept, limits=limits, params=params, books=books)
    document = orders_document(screened.kept, hour=hour)
    placed = {
        o.order_hash: batch_of[o.order_hash] for o in screened.kept if o.order_hash in batch_of
    }
    with ctx.session() as session:
        batches = batches_repo.batch_parts(session, batch_ids=set(placed.values()))
    signed_orders = [journaled_order(o, placed.get(o["id"])) for o in document["orders"]]
    engine_doc, changes = cut_orders(
        {"products": document["products"], "orders": signed_orders}, cut=cut
    )
    kept_batches = sorted(
        {b for o in engine_doc["orders"] if (b := cast(dict[str, str], o).get("batch"))}
    )
    if kept_batches:
        engine_doc["batches"] = {b: batches[b] for b in kept_batches}
    engine_doc = _with_named_portfolios(engine_doc, document.get("portfolios", {}))
    with ctx.session() as session:
        network = hour_network(ctx.settings, session, hour=hour, products=engine_doc["products"])
    applied: dict[str, dict[str, object]] = {}
    if network is not None:
        for order in engine_doc["orders"]:
            if is_nonconvex(order):
                screened.excluded[order["id"]] = (Exclusion.ORDER_LIMITS, NO_NETWORK)
            elif is_portfolio_order(order):
                screened.excluded[order["id"]] = (Exclusion.ORDER_LIMITS, NO_NETWORK_PORTFOLIOS)
        kept_orders = [o for o in engine_doc["orders"] if order_stays(o)]
        engine_doc = {
            **{k: v for k, v in engine_doc.items() if k != "portfolios"},
            "orders": kept_orders,
            "network": network,
        }
        if auths:
            ctx.alert(
                "authorisations-ignored",
                f"hour {hour}: {len(auths)} authorisation(s) not applied: named portfolios "
                "do not clear with a network",
                hour=hour,
            )
    else:
        engine_doc, applied = apply_authorisations(engine_doc, auths, held)
        if auth_rows:  # published with the order set, so anyone re-derives the bounds
            engine_doc["authorisations"] = [_record(row, held) for row in auth_rows]
    if network is None and any(is_nonconvex(order) for order in engine_doc["orders"]):
        engine_doc["nonconvex_rule"] = ctx.settings.nonconvex_rule
    engine_doc = naming_engine(engine_doc, engine)  # so the order set is re-cleared with it
    owners = {  # the orders, and the authorisations governing some (their rate is a row)
        order["id"]: order["participant"] for order in [*document["orders"], *engine_doc["orders"]]
    }
    record = {
        "participants": {p: _state_json(s) for p, s in collateral.items()},
        "cut_orders": changes,
        "dropped_by_min_nonce": dropped,
        "authorisations": applied,
        "excluded": {h: {"stage": s, "reason": r} for h, (s, r) in screened.excluded.items()},
    }
    exclusions = _exclusions(hour, screened, {r.order_hash: r.participant for r in rows})
    with ctx.session() as session:
        if hourly:
            row = OracleHour(
                hour=hour,
                step=JournalStep.SNAPSHOTTED,
                close_time=close,
                fee_bps=fee,
                engine_doc=engine_doc,
                owners=owners,
                collateral=record,
                updated_at=time.time(),
            )
            session.add(row)
        else:
            row = journal_interval(
                session,
                hour=hour,
                index=index,
                interval_s=interval_s,
                snapshot=IntervalSnapshot(close, fee, dict(engine_doc), owners, record),
            )
            exclusions = new_exclusions(session, hour, exclusions)
        session.add_all(exclusions)
        session.commit()
    if screened.excluded:
        ctx.alert(
            "orders-excluded",
            f"hour {hour}: {len(screened.excluded)} standing order(s) left out by the order "
            f"limits or their participant's collateral, e.g. {next(iter(screened.excluded))}: "
            f"{next(iter(screened.excluded.values()))[1]}",
            hour=hour,
        )
    for state in collateral.values():
        if state.state != CollateralStatus.OK:
            ctx.alert(
                f"collateral-{state.state}",
                f"{state.participant}: collateral {state.collateral} wei, requirement "
                f"{state.requirement} wei ({state.state})",
                hour=hour,
            )
    return row


def _record(row: AuthorisationRow, held: dict[str, dict[str, int]]) -> dict[str, object]:
    return record(
        authorisations_repo.as_authorisation(row),
        nonce=row.nonce,
        from_hour=row.from_hour,
        until_hour=row.until_hour,
        replaces=row.replaces,
        signature=row.signature,
        held=held.get(row.participant, {}),
    )


def order_stays(order: OrderDoc) -> bool:
    """Whether an order clears in a market with a network (neither kind below does yet)."""
    return not is_nonconvex(order) and not is_portfolio_order(order)


def _with_named_portfolios(doc: dict[str, Any], named: Mapping[str, object]) -> dict[str, Any]:
    """The engine document with the named portfolios its portfolio orders still name
    (those of an order the collateral rule removed go with it)."""
    kept = {pid for order in doc["orders"] for pid in order.get("portfolios", {})}
    used = {pid: entry for pid, entry in named.items() if pid in kept}
    return {**doc, "portfolios": used} if used else doc


def _exclusions(hour: int, screened: Screened, owners: dict[str, str]) -> list[OrderExclusion]:
    rows: list[OrderExclusion] = []
    for stage in Exclusion:
        reasons = {h: r for h, (s, r) in screened.excluded.items() if s == stage}
        rows += exclusions_repo.exclusion_rows(hour, stage=stage, reasons=reasons, owners=owners)
    return rows


def _state(
    participant: str, required: int, params: CollateralParams, collateral: int, restricted: bool
) -> CollateralState:
    return classify(
        participant, collateral=collateral, required=required, params=params, restricted=restricted
    )


def _state_json(state: CollateralState) -> dict[str, str]:
    return {
        "collateral": str(state.collateral),
        "requirement": str(state.requirement),
        "state": state.state,
    }
