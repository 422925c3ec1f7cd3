"""`flowmarket demo` as a user runs it: a process that starts its own node, trades a week
through the API, settles it on chain, changes the fee by a vote, and stops the node.

The run is small (the 48-product `demo-tiny` catalogue, one synthetic buyer) so that it
fits CI; every assertion reads what the demo recorded in its summary document, which
the demo itself reads back from the chain's events and the oracle's journal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from flowmarket.chain.node import rpc_ready
from flowmarket.demo import DemoConfig
from flowmarket.money import format_tokens

HOURS, AFTER, NEW_FEE = 168, 2, 30
ROLES = {
    "supplier",
    "arbitrageur",
    "reseller",
    "service provider",
    "synthetic buyer",
    "broadcaster",
}


def run_demo(state: Path, *args: str, timeout: float = 1500) -> subprocess.CompletedProcess[str]:
    """Run `flowmarket demo`; past `timeout` s it gets SIGTERM first, so that it stops the
    node it started (a SIGKILL would orphan the node), and only then SIGKILL.

    The timeout is a safety net, not a performance target: the week takes ~3 min of CPU
    but 15 min of wall time on a 2-core machine under load ~20."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWMARKET_")}
    command = [sys.executable, "-m", "flowmarket.cli.main", "demo", "--state-dir", str(state)]
    with subprocess.Popen(
        [*command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            try:
                stdout, stderr = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, stderr = process.communicate()
            pytest.fail(f"flowmarket demo ran past {timeout} s:\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    state = tmp_path_factory.mktemp("demo")
    started = time.monotonic()
    done = run_demo(
        state,
        "--hours", str(HOURS),
        "--after-hours", str(AFTER),
        "--synthetic", "1",
        "--catalogue", "demo-tiny",
        "--new-fee-bps", str(NEW_FEE),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    summary: dict[str, Any] = json.loads((state / "summary.json").read_text())
    summary["wall_s"] = time.monotonic() - started
    summary["state_dir"] = str(state)
    return done, summary


def test_demo_commits_every_hour_of_the_week_and_the_hours_after_on_chain(
    demo_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    _, summary = demo_run
    hours = summary["hours"]
    assert hours["committed_on_chain"] == HOURS + AFTER
    assert hours["hour_committed_events"] == HOURS + AFTER
    assert hours["next_hour"] == hours["genesis_hour"] + HOURS + AFTER
    assert [row["hour"] for row in hours["rows"]] == list(
        range(hours["genesis_hour"], hours["next_hour"])
    )
    orders = summary["orders"]
    assert orders["placed"] > 0 and orders["replaced"] > 0 and orders["rejected"] == 0
    assert summary["market"]["traded_volume_gb"] > 0 and summary["market"]["welfare_total"] > 0
    assert summary["market"]["orders_cut_by_collateral_rules"] == 0


def test_demo_cast_has_every_role_and_each_settles_its_week_on_chain(
    demo_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    _, summary = demo_run
    assert {p["role"] for p in summary["participants"]} == ROLES
    settlement = summary["settlement"]
    assert settlement["status"] == "done"
    addresses = {p["address"] for p in summary["participants"]}
    settled = {p["address"] for p in settlement["participants"] if p["settled"]}
    assert settled == addresses  # every participant traded and settled
    for p in settlement["participants"]:
        moved = p["paid_wei"] if p["amount_wei"] > 0 else p["collected_wei"]
        assert moved == abs(p["amount_wei"]) and p["seized_wei"] == 0
    amounts = sum(p["amount_wei"] for p in settlement["participants"])
    assert amounts + settlement["fees_wei"] == 0  # cash flows plus fees sum to zero exactly
    assert settlement["fees_forwarded_wei"] == settlement["fees_wei"] > 0
    assert summary["settlements"] == [settlement]  # one complete week, settled once


@pytest.mark.parametrize(
    ("hours", "stretches"),
    [
        (100, [(0, 100, None)]),
        (168, [(0, 168, 0)]),
        (336, [(0, 168, 0), (168, 168, 1)]),
        (400, [(0, 168, 0), (168, 168, 1), (336, 64, None)]),
    ],
)
def test_demo_settles_every_complete_week_right_after_its_last_hour(
    tmp_path: Path, hours: int, stretches: list[tuple[int, int, int | None]]
) -> None:
    config = DemoConfig(state_dir=tmp_path, hours=hours)
    assert config.stretches() == stretches


def test_governance_changes_the_fee_and_the_hours_after_commit_with_it(
    demo_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    _, summary = demo_run
    governance = summary["governance"]
    assert (governance["old_fee_bps"], governance["new_fee_bps"]) == (10, NEW_FEE)
    assert governance["state"] == 7  # Executed
    assert governance["votes_for"] > governance["votes_against"] > 0
    before, after = summary["fees"]["before"], summary["fees"]["after"]
    assert (before["hours"], before["fee_bps"]) == (HOURS, [10])
    assert (after["hours"], after["fee_bps"]) == (AFTER, [NEW_FEE])
    assert before["all_match_rate"] and after["all_match_rate"]
    for row in summary["hours"]["rows"][HOURS:]:
        assert row["fees_wei"] > 0 and row["fees_match_rate"]
    assert after["effective_bps"] == pytest.approx(NEW_FEE, rel=0.01)


def test_the_agents_pay_claim_propose_and_vote_with_the_wallet_commands(
    demo_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    """The largest debtor pays its week itself, the supplier ("network", a quarter of the
    governance supply all epoch) closes the revenue epoch and claims its share of the
    holders' 80 % of the week's fees, and the fee change goes through the governance
    commands' plans."""
    done, summary = demo_run
    commands = summary["wallet"]
    assert [c["command"] for c in commands] == [
        "settlement pay 0",
        "revenue close",
        "revenue claim",
        f"governance propose --set-fee-bps {NEW_FEE}",
        "governance vote for",
        "governance vote for",
        "governance vote against",
        "governance queue",
        "governance execute",
    ]
    week = summary["settlement"]
    debtor = min(week["participants"], key=lambda p: p["amount_wei"])
    pay = commands[0]
    assert pay["agent"] == debtor["agent"]
    assert pay["transactions"] == ["WeeklySettlement.executeSettlement"]  # allowed at setup
    assert pay["outcome"] == f"week 0: settled, {format_tokens(-debtor['amount_wei'])} tokens paid"
    holders = week["fees_wei"] * 8_000 // 10_000
    claim = commands[2]
    assert (claim["agent"], claim["transactions"]) == ("network", ["RevenueDistributor.claim"])
    assert claim["outcome"].startswith(f"claimed {format_tokens(holders // 4)} tokens")
    assert all(c["gas_used"] > 0 for c in commands)
    assert "Wallet commands" in done.stdout


def test_block_orders_are_accepted_some_days_and_rejected_others_and_never_lose(
    demo_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    """The broadcaster's event blocks (all or nothing: six hourly forwards of one region),
    checked from the published hour files by hand: an accepted block trades its whole
    quantity in each hour and pays Σ price × weight per GB/h, at most its limit; a
    rejected one trades nothing."""
    done, summary = demo_run
    hours = Path(summary["state_dir"]) / "hours"
    verdicts = []
    for block in summary["blocks"]:
        published = json.loads((hours / f"{block['hour']}.json").read_text())["result"]
        orders = json.loads((hours / f"{block['hour']}.orders.json").read_text())["orders"]
        (signed,) = [o for o in orders if o["id"] == block["order_hash"]]
        assert signed["kind"] == "all_or_nothing" and "curve" not in signed
        assert len(signed["portfolio"]) == 6
        assert len({name.split(":")[1] for name in signed["portfolio"]}) == 1  # one region
        q, limit = signed["quantity"], signed["price"]
        outcome = published["orders"][block["order_hash"]]
        prices = published["prices"]
        per_unit = sum(prices[p] * w for p, w in signed["portfolio"].items())
        entry = published["participants"].get(signed["participant"])
        if outcome["accepted"]:
            assert outcome["quantity"] == pytest.approx(q, rel=1e-9)
            assert per_unit <= limit + 1e-9 * (1 + limit)  # nobody loses at the prices
            assert entry is not None
            for product, weight in signed["portfolio"].items():
                assert entry["trades"][product] == pytest.approx(q * weight, rel=1e-9)
            assert entry["cash"] == pytest.approx(-q * per_unit, rel=1e-9)
        else:
            assert outcome["quantity"] == 0.0
            assert entry is None or all(abs(v) < 1e-9 for v in entry["trades"].values())
        verdicts.append(outcome["accepted"])
    assert True in verdicts and False in verdicts, verdicts
    assert "Block orders" in done.stdout + done.stderr


def test_demo_reports_gas_and_timing_and_stops_its_node(
    demo_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    done, summary = demo_run
    kinds = {line["kind"]: line for line in summary["gas"]["by_kind"]}
    assert kinds["ClearingLedger.commitHour"]["transactions"] == HOURS + AFTER
    assert kinds["WeeklySettlement.postSettlementRoot"]["transactions"] == 1
    assert kinds["MarketGovernor.execute"]["transactions"] == 1
    assert summary["gas"]["total"] == sum(line["gas"] for line in kinds.values())
    assert summary["orders"]["clearing_s_max"] >= summary["orders"]["clearing_s_mean"] > 0
    for heading in ("Market (real-time products)", "Weekly settlement", "Gas by kind"):
        assert heading in done.stdout
    node = summary["node"]
    assert not node["kept"]
    assert not rpc_ready(node["rpc_url"]) and not pid_alive(node["pid"])


def test_demo_ends_with_a_self_contained_html_report_of_its_week(
    demo_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    done, _ = demo_run
    line = next(x for x in done.stdout.splitlines() if x.startswith("report: "))
    path = Path(line.removeprefix("report: ").split(" (")[0])
    assert f"{HOURS + AFTER} hours" in line
    html = path.read_text(encoding="utf-8")
    for key in ("summary", "prices", "curves", "volumes", "positions", "collateral"):
        assert f'<section id="{key}">' in html
    assert html.count("data:image/svg+xml;base64,") >= 6
    assert "<script" not in html and "http://" not in html and "https://" not in html


def test_demo_refuses_a_state_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    done = run_demo(tmp_path, "--hours", "1", timeout=120)
    assert done.returncode == 2
    assert "not empty and not a demo folder" in done.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_the_demo_mid_week_stops_its_node(tmp_path: Path, signum: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWMARKET_")}
    command = [sys.executable, "-m", "flowmarket.cli.main", "demo", "--state-dir", str(tmp_path)]
    process = subprocess.Popen(
        [*command, "--catalogue", "demo-tiny", "--synthetic", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = tmp_path / "logs" / "oracle.log"
    deadline = time.monotonic() + 120
    while not (log.exists() and '"hour done"' in log.read_text()):
        assert process.poll() is None and time.monotonic() < deadline, process.stderr
        time.sleep(0.2)
    [node_log] = (tmp_path / "logs").glob("hardhat-*.log")
    rpc_url = "http://127.0.0.1:" + node_log.stem.removeprefix("hardhat-")
    assert rpc_ready(rpc_url)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr
    assert not rpc_ready(rpc_url)


def _transport_session(tmp_path: Path, transport: str) -> list[tuple[str, str]]:
    """Place, replace, cancel and a refused replace through `transport`; (hash, status).

    The API is built without the chain's economic rules (no node here): what is compared
    is the transport, not intake."""
    from eth_account import Account
    from sqlmodel import Session

    from flowmarket.api.app import create_app
    from flowmarket.backend.participation import SqlBackend
    from flowmarket.backend.serve import open_database
    from flowmarket.config import HARDHAT_DEV_KEYS
    from flowmarket.db import orders_repo
    from flowmarket.db.models import Product
    from flowmarket.demo.api_server import VirtualClock
    from flowmarket.demo.transport import participant_client
    from flowmarket.errors import Conflict
    from flowmarket.signing import Domain
    from live_server import serve

    product, hour = "rt:eu-west:premium:2026-01-01T00", 490_896
    tmp_path.mkdir()
    engine = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=product)])
    clock = VirtualClock()
    clock.bidding(hour)
    app = create_app(
        backend=SqlBackend(engine),
        domain=Domain(31337, "0x" + "ab" * 20),
        operator_key=HARDHAT_DEV_KEYS[1],
        token_secret=b"transport-test",
        clock=clock,
    )
    out: list[tuple[str, str]] = []
    with serve(app) as url:
        client = participant_client(
            transport, url=url, app=app, account=Account.from_key(HARDHAT_DEV_KEYS[3])
        )

        def submit(nonce: int, price: float, replaces: str | None = None) -> dict[str, Any]:
            body: dict[str, Any] = client.submit(
                portfolio={product: 1.0},
                curve=[(0.0, price), (2.0, 1.0)],
                from_hour=hour,
                until_hour=hour,
                nonce=nonce,
                replaces=replaces,
            )
            return dict(body["order"])

        first = submit(0, 3.0)
        second = submit(1, 4.0, replaces=first["order_hash"])
        cancelled = client.cancel(second["order_hash"])["order"]
        with pytest.raises(Conflict, match="is cancelled, not open"):
            submit(2, 5.0, replaces=second["order_hash"])
        client.close()
        for order in (first, second, cancelled):
            out.append((order["order_hash"], order["status"]))
    engine.dispose()
    return out


def test_in_process_transport_answers_exactly_like_http(tmp_path: Path) -> None:
    over_http = _transport_session(tmp_path / "http", "http")
    in_process = _transport_session(tmp_path / "inprocess", "inprocess")
    assert over_http == in_process
    assert [status for _, status in over_http] == ["open", "open", "cancelled"]
