"""The summary document as the text table `flowmarket demo` prints at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowmarket.money import from_wad


def _tokens(wei: int) -> str:
    return f"{from_wad(wei):,.2f}"


def _section(title: str) -> list[str]:
    return ["", title, "-" * len(title)]


def _overview(doc: dict[str, Any]) -> list[str]:
    cat, hours, orders = doc["catalogue"], doc["hours"], doc["orders"]
    timing = doc["timing"]
    return [
        *_section("Run"),
        f"catalogue        {cat['name']}: {len(cat['regions'])} regions x {len(cat['types'])} "
        f"types, {cat['hourly_days']} day(s) of hourly forwards = {cat['products_per_hour']} "
        "products per hour",
        f"participants     {len(doc['participants'])} wallets: "
        + ", ".join(f"{p['agent']} ({p['role']})" for p in doc["participants"]),
        f"hours            {hours['committed_on_chain']} committed on chain "
        f"(ledger nextHour {hours['next_hour']}, {hours['hour_committed_events']} HourCommitted "
        "events)",
        f"orders           {orders['placed']} placed, {orders['replaced']} replaced, "
        f"{orders['cancelled']} cancelled, {orders['rejected']} rejected in "
        f"{orders['signed_batches']} signed batches via the API ({orders['api_ms_per_call']:.1f} "
        f"ms per batch, {orders['api_ms_per_order']:.2f} ms per order); standing per hour: mean "
        f"{orders['standing_per_hour_mean']:.0f}, max {orders['standing_per_hour_max']}",
        f"clearing         {orders['clearing_s_mean']:.2f} s mean, "
        f"{orders['clearing_s_max']:.2f} s max per hour (snapshot, collateral, solve, commit, "
        "publish)",
        f"time             {timing['total_s']:.0f} s in all: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in timing["phases_s"].items()),
    ]


def _market(doc: dict[str, Any]) -> list[str]:
    market = doc["market"]
    lines = _section("Market (real-time products)")
    lines.append(f"{'type':<10} {'min':>8} {'mean':>8} {'max':>8} {'volume GB':>12}")
    for type_, p in market["realtime_prices"].items():
        volume = market["realtime_volume_gb"].get(type_, 0.0)
        lines.append(
            f"{type_:<10} {p['min']:>8.3f} {p['mean']:>8.3f} {p['max']:>8.3f} {volume:>12,.0f}"
        )
    lines.append(
        f"all products: {market['traded_volume_gb']:,.0f} GB traded, worth "
        f"{market['traded_value_tokens']:,.0f} tokens; welfare {market['welfare_total']:,.0f} "
        f"tokens ({market['welfare_per_hour']:,.1f} per hour); prices in tokens per GB"
    )
    lines.append(
        f"collateral: {market['collateral_alerts']} participant-hours below the warning "
        f"buffer, {market['orders_cut_by_collateral_rules']} orders cut by the collateral rules"
    )
    return lines


def _network(doc: dict[str, Any]) -> list[str]:
    net = doc.get("network")
    if not net:
        return []
    return [
        *_section("Network"),
        f"a real-time link was full in {net['hours_with_a_full_link']} hours, on "
        f"{net['days_with_a_full_link']} of {net['days']} days; congestion rent paid to the "
        f"links' owner {net['congestion_rent_tokens']:,.2f} tokens (nodal prices, "
        "docs/network.md)",
    ]


def _fees(doc: dict[str, Any]) -> list[str]:
    lines = _section("Fees and governance")
    gov = doc["governance"]
    if gov is not None:
        lines.append(
            f"proposal         {gov['description']}: {from_wad(gov['votes_for']):,.0f} votes for, "
            f"{from_wad(gov['votes_against']):,.0f} against; queued and executed by the timelock"
        )
    for label in ("before", "after"):
        part = doc["fees"][label]
        rate = part["effective_bps"]
        lines.append(
            f"{label:<16} {part['hours']} hours at {part['fee_bps']} bps: "
            f"{part['fees_tokens']:,.2f} tokens of fees committed"
            + (f" ({rate:.2f} bps of traded value)" if rate is not None else "")
            + ("; matches the rate" if part["all_match_rate"] else "; MISMATCH")
        )
    return lines


def _wallet(doc: dict[str, Any]) -> list[str]:
    commands = doc.get("wallet") or []
    if not commands:
        return []
    lines = _section("Wallet commands (the agents' own keys, as `flowmarket` sends them)")
    for c in commands:
        lines.append(
            f"{c['agent']:<12} {c['command']:<36} {', '.join(c['transactions'])} "
            f"(gas {c['gas_used']:,}): {c['outcome']}"
        )
    return lines


def _settlements(doc: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for s in doc.get("settlements", [doc["settlement"]]):
        out += _settlement(s)
    return out


def _settlement(s: dict[str, Any]) -> list[str]:
    lines = _section(f"Weekly settlement (week {s['week']}: {s['status']})")
    if not s["participants"]:
        return lines
    lines.append(
        f"{'participant':<12} {'amount':>14} {'paid':>14} {'collected':>14} {'seized':>10}"
    )
    for p in s["participants"]:
        lines.append(
            f"{p['agent']:<12} {_tokens(p['amount_wei']):>14} {_tokens(p['paid_wei']):>14} "
            f"{_tokens(p['collected_wei']):>14} {_tokens(p['seized_wei']):>10}"
            + ("" if p["settled"] else "  (not settled)")
        )
    lines.append(
        f"fees {_tokens(s['fees_wei'])} tokens, forwarded to the revenue distributor: "
        f"{_tokens(s['fees_forwarded_wei'])}"
    )
    return lines


def _auctions(doc: dict[str, Any]) -> list[str]:
    auctions = doc.get("auctions")
    if not auctions:
        return []
    lines = _section("Primary auctions (before the first hour)")
    for name, a in auctions.items():
        if a["kind"] == "clock":
            prices = list(a["prices"].values())
            lines.append(
                f"{name:<16} clock: {a['bidders']} bidders, {a['products']} products, "
                f"{a['rounds']} rounds; prices {min(prices):.2f}-{max(prices):.2f} tokens/GB; "
                f"{a['sold_gb']:,.0f} GB to {a['winners']} winners for {a['payments']:,.2f} "
                f"tokens, paid on chain; {a['credited_positions']} awards credited as positions"
            )
        else:
            built = ", ".join(f"{leg} +{gbh:g} GB/h" for leg, gbh in a["built"].items()) or "none"
            lines.append(
                f"{name:<16} expansion: {a['packages']} package bids on {a['legs']} legs; built "
                f"{built}; {a['winners']} winners pay {a['payments']:,.2f} tokens (= the cost)"
            )
    return lines


def _blocks(doc: dict[str, Any]) -> list[str]:
    blocks = doc.get("blocks") or []
    if not blocks:
        return []
    lines = _section("Block orders (all or nothing: an event's six hours in one region)")
    for b in blocks:
        paid = sum(b["prices"].get(p, 0.0) * w for p, w in b["portfolio"].items())
        verdict = f"accepted, {b['traded']:g} GB/h" if b["accepted"] else "rejected"
        lines.append(
            f"{b['id']:<32} hour {b['hour']}: limit {b['terms']['price']:.2f}, the hours' "
            f"prices sum to {paid:.2f}: {verdict}"
        )
    return lines


def _gas(doc: dict[str, Any]) -> list[str]:
    lines = _section("Gas by kind of transaction")
    for line in doc["gas"]["by_kind"]:
        mean = line["gas"] // line["transactions"]
        lines.append(
            f"{line['kind']:<40} {line['transactions']:>5} tx {line['gas']:>13,} gas "
            f"({mean:,} each)"
        )
    lines.append(f"{'total':<40} {'':>8} {doc['gas']['total']:>13,} gas")
    return lines


def report(doc: dict[str, Any], state_dir: Path) -> str:
    """The summary table; `state_dir` is where the full document and the logs are."""
    node = doc["node"]
    if node["kept"]:
        where = f"kept running (stop it: FLOWMARKET_STATE_DIR={state_dir} flowmarket chain down)"
    else:
        where = "stopped"
    lines = [
        *_overview(doc),
        *_auctions(doc),
        *_market(doc),
        *_network(doc),
        *_fees(doc),
        *_blocks(doc),
        *_settlements(doc),
        *_wallet(doc),
        *_gas(doc),
        "",
        f"node {node['rpc_url']} {where}",
        f"full summary in {state_dir / 'summary.json'}, oracle log in {state_dir / 'logs'}",
    ]
    return "\n".join(lines)
