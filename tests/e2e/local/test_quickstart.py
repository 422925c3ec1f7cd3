"""The README's quickstart, followed literally: `local up --agents 3` in its own process
(with a short --hour-length), then each command of the second terminal in order: a new
wallet, the faucet, a collateral deposit, `local status` for a product, an order for
it, two market hours, `positions`, `local down`. The fill is checked against the
order's curve at the hour's published clearing price (by hand: the curve is linear
between its two points), and on the participant page's data: the page is served and
the position route it reads (`/v1/me/positions`, signed in) holds the fill. Nothing is
left running: the supervisor has exited, its node's pid is gone, no port answers."""

from __future__ import annotations

import json
import shlex
import time
from pathlib import Path

import httpx
import pytest
from quickstart import LocalUp, alive, market_env, quickstart_commands

from flowmarket.chain.node import rpc_ready
from flowmarket.cli.main import main

HOUR_LENGTH_S = 20
PASSWORD = "correct horse battery staple"
# Commands that unlock the keystore take the password from a file instead of a prompt.
UNLOCKS = {("wallet", "new"), ("collateral", "deposit"), ("order", "submit"), ("positions",)}
EXPECTED = [
    "local up",
    "wallet new",
    "faucet",
    "collateral deposit",
    "local status",
    "order submit",
    "positions",
    "local down",
]


GROUPS = ("local", "wallet", "collateral", "order")


def head(argv: list[str]) -> str:
    """The command's name: `local up`, `faucet`, ..."""
    return " ".join(argv[1:3] if argv[1] in GROUPS else argv[1:2])


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """`flowmarket ARGV` in this process; its stdout (it must succeed)."""
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, f"flowmarket {shlex.join(argv)} exited {code}: {captured.err}{captured.out}"
    return captured.out


def test_the_readme_quickstart_trades_by_hand_on_a_live_local_market(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = quickstart_commands()
    assert [head(shlex.split(line.replace("$(", "X").replace(")", ""))) for line in lines] == (
        EXPECTED
    )
    state = tmp_path / "state"
    env = market_env(state)
    for name in ("FLOWMARKET_RPC_URL", "FLOWMARKET_DATABASE_URL", "FLOWMARKET_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    password = tmp_path / "password"
    password.write_text(PASSWORD + "\n", encoding="utf-8")
    up_argv = [*shlex.split(lines[0])[1:], "--hour-length", str(HOUR_LENGTH_S)]
    up = LocalUp.start(up_argv, env, tmp_path / "up.log")
    try:
        shown = up.wait_for("stop with Ctrl-C", timeout_s=240)
        api_url = f"http://127.0.0.1:{env['FLOWMARKET_API_PORT']}"
        rpc_url = f"http://127.0.0.1:{env['FLOWMARKET_CHAIN_PORT']}"
        assert f"web app    {api_url}/" in shown
        assert f"chain RPC  {rpc_url}  chain id 31337" in shown
        node_pid = json.loads((state / "node.json").read_text())["pid"]
        address = product = ""
        order_hour = -1
        for line in lines[1:-1]:
            if "$(flowmarket wallet address)" in line:
                line = line.replace("$(flowmarket wallet address)", address)
            argv = shlex.split(line.replace("PRODUCT", product))[1:]
            if (argv[0], *argv[1:2]) in UNLOCKS or (argv[0],) in UNLOCKS:
                argv += ["--password-file", str(password)]
            if argv[:2] == ["positions", "--password-file"]:
                wait_for_hour(api_url, order_hour, timeout_s=2 * HOUR_LENGTH_S + 30)
            out = run(capsys, argv)
            if argv[:2] == ["wallet", "new"]:
                address = out.split()[-1]
                assert run(capsys, ["wallet", "address"]).strip() == address
            if argv[0] == "faucet":
                assert out.strip() == (
                    f"sent 10 ETH and 10,000 capacity tokens to {address} on chain 31337"
                )
            if argv[:2] == ["local", "status"]:
                product = next(w for w in out.split() if w.startswith("fwd-h:"))
            if argv[:2] == ["order", "submit"]:
                order = json.loads(out)["order"]
                assert order["portfolio"] == {product: 1.0} and order["status"] == "open"
                order_hour = order["from_hour"]
            if argv[0] == "positions":
                positions = json.loads(out)
        price = next(
            p["price"]
            for p in httpx.get(f"{api_url}/v1/hours/{order_hour}/prices").json()
            if p["product"] == product
        )
        # The curve (0 GB/h, 5 tokens/GB) -> (10, 1): at price p it buys 10 (5 - p) / 4.
        expected = min(10.0, max(0.0, 10 * (5 - price) / 4))
        assert expected > 0, f"the clearing price {price} is above the order's 5 tokens/GB"
        assert [(p["product"], p["updated_hour"]) for p in positions] == [(product, order_hour)]
        assert positions[0]["quantity"] == pytest.approx(expected, abs=1e-6)
        page = httpx.get(f"{api_url}/participant")
        assert page.status_code == 200 and "Collateral" in page.text
        out = run(capsys, shlex.split(lines[-1])[1:])
        assert out.startswith(f"stopped: market (pid {up.process.pid})")
        assert up.process.wait(timeout=30) == 0
        assert "local market stopped" in up.output()
        assert not alive(node_pid)
        assert not rpc_ready(rpc_url)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{api_url}/v1/domain")
    finally:
        up.kill()
        main(["local", "down"])


def wait_for_hour(api_url: str, hour: int, timeout_s: float) -> None:
    """Until the API publishes hour `hour` (the order's), or fail."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        latest = httpx.get(f"{api_url}/v1/hours/latest")
        if latest.status_code == 200 and latest.json()["hour"] >= hour:
            return
        time.sleep(1)
    raise AssertionError(f"hour {hour} was not published within {timeout_s} s")
