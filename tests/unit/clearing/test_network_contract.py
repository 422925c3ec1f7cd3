"""`flowmarket clear` with a "network" block, as a user runs it: files in, RESULT.json out."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FLOWMARKET = Path(sys.executable).parent / "flowmarket"

LINE: dict[str, Any] = {
    "orders": [
        {"id": "s", "participant": "sal", "portfolio": {"x@A": 1}, "curve": [[-20, 5], [0, 1]]},
        {"id": "b", "participant": "bob", "portfolio": {"x@B": 1}, "curve": [[0, 9], [20, 1]]},
    ],
    "network": {
        "locations": {
            "x@A": {"node": "A", "commodity": "x"},
            "x@B": {"node": "B", "commodity": "x"},
        },
        "links": [
            {"id": "A-B", "from": "A", "to": "B", "capacity": 4, "cost": 0.5, "owner": "olga"}
        ],
    },
}


def run_clear(tmp_path: Path, doc: Any, *extra: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return subprocess.run(
        [str(FLOWMARKET), "clear", str(path), *extra], capture_output=True, text=True, check=False
    )


def test_clear_writes_flows_link_prices_and_rent(tmp_path: Path) -> None:
    # Seller at A: 5(p − 1); buyer at B: 2.5(9 − p); link 4 GB/h at 0.5 tokens/GB.
    # Unconstrained they would trade 40/3 GB/h, so the link is full: p_A = 1 + 4/5
    # = 1.8, p_B = 9 − 4/2.5 = 7.4, μ = 7.4 − 1.8 − 0.5 = 5.1, rent 4·5.1 = 20.4.
    out = tmp_path / "result.json"
    run = run_clear(tmp_path, LINE, "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "congestion rent 20.4" in run.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["prices"] == pytest.approx({"x@A": 1.8, "x@B": 7.4}, abs=1e-9)
    assert result["flows"]["A-B"]["x"] == pytest.approx(4.0, abs=1e-9)
    link = result["links"]["A-B"]
    assert link["shadow_price"] == pytest.approx(5.1, abs=1e-9)
    assert link["rent"] == pytest.approx(20.4, abs=1e-9)
    assert link["owner"] == "olga"
    assert result["congestion_rent"] == pytest.approx(20.4, abs=1e-9)
    cert = result["certificate"]
    assert set(cert["links"]["A-B"]) == {"excess", "idle", "price_gap", "flow_gap"}
    assert cert["max_link_excess"] <= 1e-9 and cert["max_link_flow_gap"] <= 1e-9


def test_prior_link_prices_are_read_and_unknown_links_in_them_refused(tmp_path: Path) -> None:
    prior = tmp_path / "prior.json"
    prior.write_text(json.dumps({"prices": {}, "link_prices": {"A-B": 5.0}}), encoding="utf-8")
    assert run_clear(tmp_path, LINE, "--prior", str(prior)).returncode == 0
    prior.write_text(json.dumps({"prices": {}, "link_prices": {"B-A": 5.0}}), encoding="utf-8")
    run = run_clear(tmp_path, LINE, "--prior", str(prior))
    assert run.returncode == 2
    assert "prior.link_prices: unknown link 'B-A'" in run.stderr


def broken(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(LINE)
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({**LINE, "netwrok": {}}, "orders file: unknown key 'netwrok'"),
        (
            broken(("network", "locations", "x@C"), {"node": "C", "commodity": "x"}),
            "network.locations: unknown product 'x@C'",
        ),
        (broken(("network", "links", 0, "to"), "Z"), "network.links[0].to: unknown node 'Z'"),
        (
            broken(("network", "links", 0, "capacity"), -1),
            "network.links[0].capacity: must be ≥ 0, got -1",
        ),
        (broken(("network", "links", 0, "cost"), "cheap"), "network.links[0].cost: must be a"),
        (broken(("network", "links", 0, "speed"), 3), "network.links[0]: unknown key 'speed'"),
        (broken(("network", "routes"), []), "network: unknown key 'routes'"),
        (
            broken(("network", "locations", "x@B", "region"), "B"),
            "network.locations['x@B']: unknown key 'region'",
        ),
        (
            broken(("network", "links", 0, "commodities"), ["y"]),
            "network.links[0].commodities: unknown commodity 'y'",
        ),
    ],
)
def test_bad_network_exits_2_naming_the_field(tmp_path: Path, doc: Any, message: str) -> None:
    run = run_clear(tmp_path, doc)
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]
