"""`flowmarket report` on a real small market: four hours of catalogue products cleared
and committed by the oracle on the session node, then the CLI run as a user runs it.
The HTML is parsed: every section and plot is there, and the summary's numbers are the
database's."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from oracle_harness import GENESIS, TOKEN, OracleWorld, address
from sqlalchemy import func
from sqlmodel import Session, select
from web3 import Web3

from flowmarket.catalogue import format_hour
from flowmarket.chain.build import ArtifactSet
from flowmarket.cli.main import main
from flowmarket.config import Settings
from flowmarket.db.models import HourOrder, HourProduct, HourResult
from flowmarket.db.oracle_tables import OracleHour, OracleHourAmount
from flowmarket.oracle.cycle import open_oracle
from flowmarket.reports.curves import net_demand_curves

HOURS = 4
SECTIONS = ["summary", "prices", "curves", "volumes", "positions", "collateral"]


def product(kind: str, type_: str, hour: int) -> str:
    return f"{kind}:eu-west:{type_}:{format_hour(hour)}"


def place_book(world: OracleWorld) -> None:
    """Bob supplies, alice buys, each delivery hour forward and in real time, premium
    and regular; carol trades the premium-regular spread forward."""
    for type_, scale in (("premium", 1.0), ("regular", 0.6)):
        for d in range(GENESIS, GENESIS + HOURS + 2):
            for kind, window in (("fwd-h", (GENESIS, d - 1)), ("rt", (d, d))):
                if window[1] < window[0]:
                    continue
                name = {product(kind, type_, d): 1.0}
                hours = {"from_hour": window[0], "until_hour": window[1]}
                world.place("bob", name, [(-20.0, 6.0 * scale), (0.0, 1.0 * scale)], **hours)
                world.place("alice", name, [(0.0, 8.0 * scale), (10.0, 2.0 * scale)], **hours)
    for d in range(GENESIS + 1, GENESIS + HOURS + 2):
        spread = {product("fwd-h", "premium", d): 1.0, product("fwd-h", "regular", d): -1.0}
        curve = [(-3.0, 1.0), (0.0, 0.5), (3.0, 0.0)]
        world.place("carol", spread, curve, from_hour=GENESIS, until_hour=d - 1)


@pytest.fixture(scope="module")
def market(
    settings: Settings,
    deployed: Path,
    tmp_path_factory: pytest.TempPathFactory,
    rpc_url: str,
    w3: Web3,
    compiled: ArtifactSet,
) -> Iterator[OracleWorld]:
    """Four cleared and committed hours; carol has too little collateral, so she is warned."""
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    tmp = tmp_path_factory.mktemp("report-market")
    world = OracleWorld.create(settings, deployed, tmp, rpc_url, w3, compiled)
    place_book(world)
    world.fund("alice", collateral=10_000 * TOKEN)
    world.fund("bob", collateral=10_000 * TOKEN)
    # carol's collateral backs her spread orders' worst case at the snapshot (intake's
    # bound) but not the positions they build up, so the report warns about her
    world.fund("carol", collateral=5 * TOKEN)
    assert open_oracle(world.settings, world.engine).tick(limit=HOURS) == HOURS
    yield world
    world.engine.dispose()
    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]


class Page(HTMLParser):
    """Sections, images, summary values and table rows (header, data-values) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[tuple[str, str]] = []
        self.summary: dict[str, str] = {}
        self.rows: list[tuple[str, list[str]]] = []
        self._key: str | None = None
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section":
            self.sections.append(a["id"])
        elif tag == "img":
            self.images.append((a["alt"], a["src"]))
        elif tag == "tr":
            self._key = a.get("data-key")
            self.rows.append(("", []))
        elif tag == "th":
            self._in_th = True
        elif tag == "td" and "data-value" in a:
            self.rows[-1][1].append(a["data-value"])
            if self._key is not None:
                self.summary[self._key] = a["data-value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = False

    def handle_data(self, data: str) -> None:
        if self._in_th and self.rows:
            self.rows[-1] = (self.rows[-1][0] + data.strip(), self.rows[-1][1])


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWMARKET_")}
    command = [sys.executable, "-m", "flowmarket.cli.main", "report", *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def svg(src: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert src.startswith(prefix)
    return base64.b64decode(src[len(prefix) :]).decode("utf-8")


def test_the_report_has_every_section_and_plot_and_the_databases_numbers(
    market: OracleWorld, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"

    done = run_cli("--database-url", market.settings.database_url, "--out", str(out))

    assert done.returncode == 0, done.stderr
    assert f"report: {out}" in done.stdout
    html = out.read_text(encoding="utf-8")
    assert "http://" not in html.replace("http://www.w3.org", "") and "<script" not in html
    page = Page()
    page.feed(html)
    assert page.sections == SECTIONS
    alts = [alt for alt, _ in page.images]
    assert alts == [
        "price heatmap eu-west premium",
        "price heatmap eu-west regular",
        f"aggregate curves at hour {GENESIS + HOURS - 1}",
        "volumes",
        "positions per participant",
        "accumulated cash per participant",
        "collateral use per participant",
    ]
    labels = [
        "price (tokens/GB)",
        "price (tokens/GB)",
        "quantity (GB/h)",
        "volume (GB/h)",
        "held (GB/h)",
        "accumulated cash (tokens)",
        "requirement / collateral (%)",
    ]
    for (alt, src), label in zip(page.images, labels, strict=True):
        assert label in svg(src), alt
    with Session(market.engine) as session:
        results = list(session.exec(select(HourResult)))
        fees = sum(int(a.fee) for a in session.exec(select(OracleHourAmount)))
        distinct = session.exec(select(func.count(func.distinct(HourOrder.order_hash)))).one()
    assert int(page.summary["hours"]) == HOURS == len(results)
    assert int(page.summary["committed"]) == HOURS
    assert int(page.summary["participants"]) == 3
    assert market.settings.database_url.removeprefix("sqlite:///") in html
    assert int(page.summary["first_hour"]) == GENESIS
    assert int(page.summary["fees_wei"]) == fees > 0
    assert int(page.summary["fees_at_10"]) == fees
    assert int(page.summary["distinct_orders"]) == distinct
    assert int(page.summary["orders_max"]) == max(r.n_orders for r in results)
    assert float(page.summary["welfare_total"]) == pytest.approx(sum(r.welfare for r in results))
    imbalance = max(r.certificate["max_imbalance"] for r in results)
    assert float(page.summary["max_imbalance"]) == imbalance
    assert int(page.summary["weeks_settled"]) == 0


def test_the_accounts_tables_hold_the_exact_amounts_and_the_collateral_warnings(
    market: OracleWorld, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    assert (
        run_cli("--database-url", market.settings.database_url, "--out", str(out)).returncode == 0
    )
    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    with Session(market.engine) as session:
        amounts = list(session.exec(select(OracleHourAmount)))
        journal = list(session.exec(select(OracleHour)))
    html = out.read_text(encoding="utf-8")
    for who in ("alice", "bob", "carol"):
        short = f"{address(who)[:6]}…{address(who)[-4:]}"
        money, collateral = [values for label, values in page.rows if label == short]
        net = sum(int(a.net_cash) for a in amounts if a.participant == address(who))
        fees = sum(int(a.fee) for a in amounts if a.participant == address(who))
        assert (int(money[0]), int(money[1])) == (net, fees)
        states = [j.collateral["participants"].get(address(who), {}).get("state") for j in journal]
        assert int(collateral[-2]) == states.count("below")  # the "hours below" column
    assert states.count("below") >= 1  # carol, who deposited nothing
    assert "[collateral-below]" in html


def test_an_hour_range_reports_only_those_hours(market: OracleWorld, tmp_path: Path) -> None:
    out = tmp_path / "part.html"
    hours = f"{format_hour(GENESIS + 1)}:{GENESIS + 2}"

    code = main(
        [
            "report",
            "--database-url",
            market.settings.database_url,
            "--out",
            str(out),
            "--hours",
            hours,
            "--curve-hour",
            str(GENESIS + 1),
        ]
    )

    assert code == 0
    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert (int(page.summary["hours"]), int(page.summary["first_hour"])) == (2, GENESIS + 1)
    assert f"aggregate curves at hour {GENESIS + 1}" in [alt for alt, _ in page.images]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hours", "5000:6000"], "--hours: no cleared hour in '5000:6000'"),
        (["--curve-hour", str(GENESIS + 50)], "--curve-hour: hour"),
    ],
)
def test_a_range_or_curve_hour_outside_the_market_is_a_clear_error(
    market: OracleWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "none.html"

    code = main(
        ["report", "--database-url", market.settings.database_url, "--out", str(out), *args]
    )

    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_the_curves_of_every_cleared_product_cross_at_its_published_price_and_volume(
    market: OracleWorld,
) -> None:
    with Session(market.engine) as session:
        journal = list(session.exec(select(OracleHour)))
        published = {(p.hour, p.product): p for p in session.exec(select(HourProduct))}
    for entry in journal:
        assert entry.result_doc is not None
        prices = entry.result_doc["prices"]

        curves = net_demand_curves(entry.engine_doc, prices, sorted(prices))

        for curve in curves:
            demand, supply, net = curve.at_clearing()
            row = published[(entry.hour, curve.product)]
            assert curve.clearing_price == row.price
            assert demand == pytest.approx(row.volume, abs=1e-7)
            assert supply == pytest.approx(row.volume, abs=1e-7)
            assert abs(net) < 1e-7
