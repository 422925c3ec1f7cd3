"""`flowmarket demo` on its default network catalogue (`demo-network`: 4 regions on a ring
plus a chord, capacities with a daily pattern), as a user runs it: every day has a full
link, the links' owner is paid congestion rent, and the report draws the network.

Two days (the smallest run with a day boundary inside it), one synthetic buyer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_demo import run_demo

HOURS, AFTER = 48, 1


def test_the_demo_network_congests_every_day_and_the_report_draws_it(tmp_path: Path) -> None:
    state = tmp_path / "demo"
    done = run_demo(
        state, "--hours", str(HOURS), "--after-hours", str(AFTER), "--synthetic", "1",
        timeout=2400,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    summary: dict[str, Any] = json.loads((state / "summary.json").read_text())
    assert summary["hours"]["committed_on_chain"] == HOURS + AFTER
    network = summary["network"]
    assert network["days"] >= 2
    assert network["days_with_a_full_link"] == network["days"]  # congestion every day
    assert network["congestion_rent_tokens"] > 0
    rows = summary["hours"]["rows"]
    assert all(row["congestion_rent"] >= 0 for row in rows)
    assert "Network" in done.stdout and "congestion rent paid" in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith("report: "))
    html = Path(line.removeprefix("report: ").split(" (")[0]).read_text(encoding="utf-8")
    assert '<section id="network">' in html
    assert "network maps" in html and "congestion rent and link use" in html
