"""What a demo run measured, as one JSON-able document (`<state>/summary.json`).

Everything is read back from where it is recorded: hours and fees from the ledger's
`HourCommitted` events, prices, volumes and welfare from the oracle's journaled
results, the fee rate each hour was cleared with from the journal (and checked
against the on-chain fees: `hour_amounts` of the hour's result at that rate must give
exactly the committed fees), the settlement from `WeeklySettlement`'s events, gas from
the blocks (`gas`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from statistics import mean
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.catalogue import CatalogueSpec, Kind, format_hour, parse_name
from flowmarket.clearing import ResultDoc
from flowmarket.db import oracle_repo, orders_repo, results_repo
from flowmarket.db.models import HourOrder
from flowmarket.demo.gas import GasLine
from flowmarket.demo.governance import FeeChange
from flowmarket.demo.market_loop import HourStats
from flowmarket.demo.setup import Cast
from flowmarket.demo.traders import TradeCounts, WalletTrader
from flowmarket.money import from_wad, hour_amounts
from flowmarket.oracle.journal import require, result_of
from flowmarket.states import CollateralStatus, LeafStatus

FULL_BPS = 10_000


def _events(cast: Cast, contract: str, event: str) -> list[dict[str, Any]]:
    handle = getattr(cast.contract("deployer", contract).events, event)
    logs = handle().get_logs(from_block=cast.deployment.block_number)
    return [dict(log["args"]) for log in logs]


@dataclass
class HourRows:
    """Each published hour's row of the hours section, read from its journal and results
    (all but the fees committed on chain, read at the end with the events); the demo's
    loop adds each hour while the oracle clears the next one (`MarketLoop.while_clearing`,
    when this process would only wait), the rest are read with the section."""

    engine: Engine
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    expected_fees: dict[int, int] = field(default_factory=dict)  # at the journaled rate

    def add(self, s: HourStats) -> None:
        with Session(self.engine) as session:
            # Light: the order set (megabytes an hour at the demo catalogue) is not read
            # here; the result and collateral record load when first read below.
            journal = require(session, s.hour, light=True)
            result = result_of(journal)
            value = hour_amounts(result, fee_bps=FULL_BPS).total_fees
            self.expected_fees[s.hour] = hour_amounts(result, fee_bps=journal.fee_bps).total_fees
            states = journal.collateral["participants"].values()
            self.rows[s.hour] = {
                "hour": s.hour,
                "fee_bps": journal.fee_bps,
                "fees_wei": None,  # from the HourCommitted event
                "fees_match_rate": False,
                "traded_value_wei": value,
                "welfare": float(result["welfare"]),
                "orders": s.orders,
                "api_calls": s.calls.requests,
                "orders_changed": s.calls.orders,
                "bid_s": round(s.bid_s, 4),
                "clear_s": round(s.clear_s, 4),
                "collateral_not_ok": sum(1 for st in states if st["state"] != CollateralStatus.OK),
                "orders_cut": len(journal.collateral["cut_orders"]),
                "prices": result["prices"],
                "volumes": {p: v["volume"] for p, v in result["products"].items()},
                "congestion_rent": float(result.get("congestion_rent", 0.0)),
                "full_realtime_links": _full_links(result, s.hour),
            }


def hours_section(cast: Cast, rows: HourRows, stats: Sequence[HourStats]) -> dict[str, Any]:
    """Committed hours with their on-chain fees, checked against each hour's fee rate."""
    ledger = cast.contract("deployer", "ClearingLedger").functions
    genesis, next_hour = int(ledger.genesisHour().call()), int(ledger.nextHour().call())
    committed = {int(e["hour"]): e for e in _events(cast, "ClearingLedger", "HourCommitted")}
    out = []
    for s in stats:
        if s.hour not in rows.rows:
            rows.add(s)
        row = dict(rows.rows[s.hour])
        fees = int(committed[s.hour]["fees"]) if s.hour in committed else None
        row["fees_wei"] = fees
        row["fees_match_rate"] = fees == rows.expected_fees[s.hour]
        out.append(row)
    return {
        "genesis_hour": genesis,
        "next_hour": next_hour,
        "committed_on_chain": next_hour - genesis,
        "hour_committed_events": len(committed),
        "rows": out,
    }


def _full_links(result: ResultDoc, hour: int) -> list[str]:
    """The hour's real-time links (delivery hour = `hour`) with a positive price."""
    stamp = f"@{format_hour(hour)}"
    links = result.get("links", {})
    return sorted(k for k, e in links.items() if k.endswith(stamp) and e["shadow_price"] > 0)


def network_section(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Hours and days with a full real-time link, and the rent the links earned."""
    days: dict[int, bool] = {}
    for row in rows:
        day = row["hour"] // 24
        days[day] = days.get(day, False) or bool(row["full_realtime_links"])
    return {
        "hours_with_a_full_link": sum(1 for r in rows if r["full_realtime_links"]),
        "days": len(days),
        "days_with_a_full_link": sum(days.values()),
        "congestion_rent_tokens": sum(r["congestion_rent"] for r in rows),
    }


def market_section(spec: CatalogueSpec, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Real-time price ranges and volumes per type, traded volume and welfare."""
    by_type: dict[str, list[float]] = {t: [] for t in spec.types}
    rt_volume = dict.fromkeys(spec.types, 0.0)
    for row in rows:
        for name, price in row["prices"].items():
            key = parse_name(name)
            if key.kind is Kind.REAL_TIME:
                by_type[key.type].append(price)
                rt_volume[key.type] += row["volumes"].get(name, 0.0)
    prices = {t: {"min": min(v), "mean": mean(v), "max": max(v)} for t, v in by_type.items() if v}
    return {
        "realtime_prices": prices,
        "realtime_volume_gb": rt_volume,
        "traded_volume_gb": sum(sum(r["volumes"].values()) for r in rows),
        "traded_value_tokens": from_wad(sum(r["traded_value_wei"] for r in rows)),
        "welfare_total": sum(r["welfare"] for r in rows),
        "welfare_per_hour": mean(r["welfare"] for r in rows) if rows else 0.0,
        "collateral_alerts": sum(r["collateral_not_ok"] for r in rows),
        "orders_cut_by_collateral_rules": sum(r["orders_cut"] for r in rows),
    }


def fee_section(rows: list[dict[str, Any]], split: int) -> dict[str, Any]:
    """Fees of the hours before and after the governance change (row index `split`)."""

    def part(chosen: list[dict[str, Any]]) -> dict[str, Any]:
        fees = sum(r["fees_wei"] or 0 for r in chosen)
        value = sum(r["traded_value_wei"] for r in chosen)
        return {
            "hours": len(chosen),
            "fee_bps": sorted({r["fee_bps"] for r in chosen}),
            "fees_tokens": from_wad(fees),
            "effective_bps": FULL_BPS * fees / value if value else None,
            "all_match_rate": all(r["fees_match_rate"] for r in chosen),
        }

    return {"before": part(rows[:split]), "after": part(rows[split:])}


def settlement_section(cast: Cast, engine: Engine, week: int, status: str) -> dict[str, Any]:
    """Per participant: the week's amount (wei, + = credit) and what moved on chain."""
    with Session(engine) as session:
        record = oracle_repo.get_week(session, week=week)
    if record is None:
        return {"week": week, "status": "not reached", "participants": []}
    moved: dict[str, dict[str, int]] = {}
    for event, column, amount in (
        ("SettlementPaid", "paid", "amount"),
        ("SettlementCollected", "collected", "amount"),
        ("SettlementSeized", "seized", "seized"),
    ):
        for e in _events(cast, "WeeklySettlement", event):
            if int(e["week"]) == week:
                got = moved.setdefault(str(e["participant"]), {})
                got[column] = got.get(column, 0) + int(e[amount])
    leaf = cast.contract("deployer", "WeeklySettlement").functions.leafStatus
    names = {w.address: w.agent for w in cast.wallets.values()}
    people = []
    for address, amount in sorted(record.amounts.items(), key=lambda kv: names.get(kv[0], kv[0])):
        got = moved.get(address, {})
        people.append(
            {
                "agent": names.get(address, address),
                "address": address,
                "amount_wei": int(amount),
                "paid_wei": got.get("paid", 0),
                "collected_wei": got.get("collected", 0),
                "seized_wei": got.get("seized", 0),
                "settled": LeafStatus(leaf(week, address).call()) == LeafStatus.SETTLED,
            }
        )
    forwarded = sum(
        int(e["amount"])
        for e in _events(cast, "WeeklySettlement", "FeesForwarded")
        if int(e["week"]) == week
    )
    return {
        "week": week,
        "status": status,
        "root": record.root,
        "fees_wei": int(record.fees),
        "fees_forwarded_wei": forwarded,
        "participants": people,
    }


def orders_section(stats: Sequence[HourStats]) -> dict[str, Any]:
    total = TradeCounts()
    for s in stats:
        total.add(s.calls)
    bid = [s.bid_s for s in stats]
    clear = [s.clear_s for s in stats]
    return {
        "placed": total.placed,
        "replaced": total.replaced,
        "cancelled": total.cancelled,
        "rejected": total.rejected,
        "rejection_examples": total.reasons,
        "standing_per_hour_mean": mean(s.orders for s in stats) if stats else 0,
        "standing_per_hour_max": max((s.orders for s in stats), default=0),
        "bidding_s_mean": mean(bid) if bid else 0.0,
        "signed_batches": total.requests,
        "api_ms_per_call": 1000 * sum(bid) / max(1, total.requests),
        "api_ms_per_order": 1000 * sum(bid) / max(1, total.orders),
        "clearing_s_mean": mean(clear) if clear else 0.0,
        "clearing_s_max": max(clear, default=0.0),
    }


def blocks_section(engine: Engine, traders: Sequence[WalletTrader]) -> list[dict[str, Any]]:
    """Every non-convex order an agent placed (the broadcaster's event blocks), as signed
    and as its hour cleared it: accepted or not, the GB/h it traded, the published
    prices of its products that hour and its participant's cash that hour."""
    rows: list[dict[str, Any]] = []
    with Session(engine, expire_on_commit=False) as session:
        for trader in traders:
            for oid, (hour, order_hash) in sorted(trader.blocks.items()):
                order = orders_repo.get_order(session, order_hash=order_hash)
                fill = session.get(HourOrder, (hour, order_hash))
                entry = results_repo.hour_participant(
                    session, hour=hour, participant=trader.wallet.address
                )
                prices = results_repo.hour_prices(session, hour=hour)
                if order is None or order.terms is None:
                    continue
                rows.append(
                    {
                        "id": oid,
                        "order_hash": order_hash,
                        "participant": trader.wallet.address,
                        "hour": hour,
                        "portfolio": order.portfolio,
                        "terms": order.terms,
                        "accepted": None if fill is None else fill.accepted,
                        "traded": 0.0 if fill is None else fill.quantity,
                        "prices": {p: prices[p] for p in order.portfolio if p in prices},
                        "trades": {} if entry is None else entry.trades,
                        "cash": 0.0 if entry is None else entry.cash,
                    }
                )
    return rows


def gas_section(lines: Sequence[GasLine]) -> dict[str, Any]:
    return {"by_kind": [asdict(line) for line in lines], "total": sum(g.gas for g in lines)}


def governance_section(change: FeeChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    out = asdict(change)
    del out["commands"]  # listed with the other wallet commands (`wallet`)
    out["proposal_id"] = str(change.proposal_id)  # > 2**53: keep it exact in JSON
    return out
