"""Metering end to end: the operator's signed usage over HTTP, the oracle's settlement,
the participant's `flowmarket usage show` and the public throttling of the hour.

The scenario is tests/realtime_steps.py's hand-worked hour: eu serves 10 GB; alice is
metered 6 GB premium against 5 held, bob 8 GB regular against 5 held (throttled to 4),
cat nothing against 4 GB regular held, at real-time prices 5 (premium) and 2 (regular)
and a 1-token premium: alice pays 6, bob is credited 2, cat 8.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from live_api_harness import LiveApi

from flowmarket.cli.main import main
from flowmarket.client.bodies import usage_body
from flowmarket.config import HARDHAT_DEV_KEYS
from flowmarket.money import WAD
from flowmarket.signing import Domain, UsageReportMessage
from realtime_steps import ALICE, BOB, HOUR, OPERATOR, clear, pair, product, trade_up_to_delivery

CAT_KEY = "0x" + "00" * 31 + "03"
DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")  # the fixture's


def test_a_participant_sees_its_usage_and_imbalance_and_anyone_the_throttling(
    metered_api: LiveApi,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    engine = metered_api.engine
    trade_up_to_delivery(engine)
    usage = UsageReportMessage(
        OPERATOR,
        HOUR,
        ((product("rt", "premium"), ALICE, 6 * WAD), (product("rt", "regular"), BOB, 8 * WAD)),
    )
    sent = httpx.post(
        f"{metered_api.url}/v1/usage", json=usage_body(DOMAIN, usage, HARDHAT_DEV_KEYS[1])
    )
    assert sent.status_code == 200, sent.text
    settling = HOUR + 2
    clear(engine, settling, pair(product("rt", "premium", settling), ALICE, top=10.0, width=10.0))

    public = httpx.get(f"{metered_api.url}/v1/delivery/{HOUR}").json()
    throttled = {c["product"].split(":")[2]: c["throttled_gb"] for c in public["cells"]}
    assert throttled == {"premium": "0", "regular": "4"}  # bob's 8 GB got 4; premium in full
    assert public["settled_hour"] == settling

    monkeypatch.setenv("FLOWMARKET_STATE_DIR", str(metered_api.state_dir))
    monkeypatch.setenv("FLOWMARKET_API_URL", metered_api.url)
    password = tmp_path / "password"
    password.write_text("correct horse battery\n", encoding="utf-8")
    key_file = tmp_path / "cat.key"
    key_file.write_text(CAT_KEY, encoding="utf-8")
    pw = ("--password-file", str(password))
    assert main(["wallet", "import", "--wallet", "cat", "--key-file", str(key_file), *pw]) == 0
    capsys.readouterr()
    assert main(["usage", "show", "--json", "--wallet", "cat", *pw]) == 0
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert row["product"] == product("rt", "regular")
    assert (row["usage_gb"], row["served_gb"], row["settled_hour"]) == ("0", "0", settling)
    assert float(row["position_gb"]) == pytest.approx(4.0, abs=1e-6)
    assert float(row["cash"]) == pytest.approx(8.0, abs=1e-6)  # 4 GB sold back at 2
    assert main(["usage", "show", "--wallet", "cat", *pw]) == 0
    out = capsys.readouterr().out
    assert "served_gb" in out
    # The table's total is the row's cash to the wei (positions are the committed trades'
    # exact amounts, so 4 GB within the engine's tolerance, not a rounded 4).
    (total,) = [line for line in out.splitlines() if line.startswith("total imbalance cash: ")]
    assert total == f"total imbalance cash: {row['cash']} tokens"
    assert float(total.split()[3]) == pytest.approx(8.0, abs=1e-6)
    assert httpx.get(f"{metered_api.url}/v1/delivery/{HOUR + 1}").status_code == 404
