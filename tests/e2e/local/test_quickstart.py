"""The README's quickstart, followed literally: `local up --agents 3` in its own process
(with a short --hour-length), then each command of the second terminal in order: a new
wallet, the faucet, a collateral deposit, the weekly settlement's allowance (read back
from the token on chain: unlimited), `local status` for a product, an order for it, two
market hours, `positions`, `local down`. The fill is checked against the
order's curve at the hour's published clearing price (by hand: the curve is linear
between its two points), then on the participant page in headless Chromium: the
injected wallet holds the new wallet's key (decrypted from its keystore with the
password), connects and signs in, and the positions table shows the product, quantity
and hour that `positions` printed. Nothing is left running after `local down`: the
supervisor has exited, its node's pid is gone, neither port accepts a connection, and
no process carries the market's state folder in its environment.

Without Debian's chromium (outside CI, where it is installed) everything but the page
runs and the test then skips, naming the missing browser; in CI a missing browser fails
it at once."""

from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from quickstart import (
    LocalUp,
    alive,
    market_env,
    port_open,
    processes_in,
    quickstart_commands,
    wait_until,
)
from web3 import Web3

from browser import (
    NO_BROWSER,
    DevWallet,
    find_chromium,
    launch,
    missing_browser,
    screenshot,
    wallet_page,
)
from flowmarket.chain.node import rpc_ready
from flowmarket.cli.main import main

HOUR_LENGTH_S = 20
PAGE_TIMEOUT_MS = 90_000  # each wait on the page, generous for a machine at load 15
PASSWORD = "correct horse battery staple"
# Commands that unlock the keystore take the password from a file instead of a prompt.
UNLOCKS = {
    ("wallet", "new"),
    ("collateral", "deposit"),
    ("collateral", "approve-settlement"),
    ("order", "submit"),
    ("positions",),
}
UNLIMITED = 2**256 - 1  # the largest uint256: an ERC-20 allowance that never runs out
ALLOWANCE_ABI = [
    {
        "name": "allowance",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]
EXPECTED = [
    "local up",
    "wallet new",
    "faucet",
    "collateral deposit",
    "collateral approve-settlement",
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
    chromium = find_chromium()
    if chromium is None and os.environ.get("CI") == "true":
        missing_browser()  # fails: CI installs the browser, the page must be checked
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
        next_steps = shown.split("next, in another terminal:\n", 1)[1]
        for line in lines[1:-1]:  # what `local up` prints next is the README's commands
            assert f"  {line}" in next_steps, f"{line!r} is not among {next_steps!r}"
        node_pid = json.loads((state / "node.json").read_text())["pid"]
        address = product = ""
        order_hour = -1
        for line in lines[1:-1]:
            if "$(flowmarket wallet address)" in line:
                line = line.replace("$(flowmarket wallet address)", address)
            argv = shlex.split(line.replace("PRODUCT", product))[1:]
            if (argv[0], *argv[1:2]) in UNLOCKS or (argv[0],) in UNLOCKS:
                argv += ["--password-file", str(password)]
            if argv[:2] == ["order", "submit"]:
                # The command reads the open hour, then signs and posts for it: started as
                # an hour begins, it has the whole hour, not a slice a loaded machine can
                # overrun (the intake refuses an hour that closed meanwhile).
                wait_for_next_open_hour(api_url, timeout_s=2 * HOUR_LENGTH_S + 60)
            if argv[:2] == ["positions", "--password-file"]:
                wait_for_hour(api_url, order_hour, timeout_s=4 * HOUR_LENGTH_S + 120)
            out = run(capsys, argv)
            if argv[:2] == ["wallet", "new"]:
                address = out.split()[-1]
                assert run(capsys, ["wallet", "address"]).strip() == address
            if argv[0] == "faucet":
                assert out.strip() == (
                    f"sent 10 ETH and 10,000 capacity tokens to {address} on chain 31337"
                )
            if argv[:2] == ["collateral", "approve-settlement"]:
                assert settlement_allowance(state, rpc_url, address) == UNLIMITED, out
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
            for p in httpx.get(f"{api_url}/v1/hours/{order_hour}/prices", timeout=30).json()
            if p["product"] == product
        )
        # The curve (0 GB/h, 5 tokens/GB) -> (10, 1): at price p it buys 10 (5 - p) / 4.
        expected = min(10.0, max(0.0, 10 * (5 - price) / 4))
        assert expected > 0, f"the clearing price {price} is above the order's 5 tokens/GB"
        assert [(p["product"], p["updated_hour"]) for p in positions] == [(product, order_hour)]
        assert positions[0]["quantity"] == pytest.approx(expected, abs=1e-6)
        if chromium is not None:
            key = keystore_key(state / "wallets", PASSWORD)
            assert Account.from_key(key).address == address
            wallet = DevWallet(Web3(Web3.HTTPProvider(rpc_url)), key)
            shown_positions = participant_page_positions(chromium, f"{api_url}/participant", wallet)
            # The page shows the quantity to 4 decimals (the web app's `fmt`).
            assert [(p, float(q), int(h)) for p, q, h in shown_positions] == [
                (product, pytest.approx(positions[0]["quantity"], abs=0.5e-4), order_hour)
            ], shown_positions
        out = run(capsys, shlex.split(lines[-1])[1:])
        assert out.startswith(f"stopped: market (pid {up.process.pid})")
        assert up.process.wait(timeout=60) == 0
        assert "local market stopped" in up.output()
        ports = [int(env["FLOWMARKET_CHAIN_PORT"]), int(env["FLOWMARKET_API_PORT"])]
        wait_until(lambda: not alive(node_pid), 60, f"the node (pid {node_pid}) still runs")
        wait_until(lambda: not any(map(port_open, ports)), 60, f"a port of {ports} still open")
        wait_until(lambda: not processes_in(state), 60, f"still running: {processes_in(state)}")
        assert not rpc_ready(rpc_url)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{api_url}/v1/domain")
    finally:
        up.kill()
        main(["local", "down"])
    if chromium is None:
        missing_browser(f"the participant page was not checked: {NO_BROWSER}")


def settlement_allowance(state: Path, rpc_url: str, owner: str) -> int:
    """What WeeklySettlement may pull from `owner`'s capacity tokens, read from the token
    on chain at the deployment's addresses."""
    addresses = json.loads((state / "deployment.json").read_text())["addresses"]
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    token = w3.eth.contract(address=addresses["CapacityToken"], abi=ALLOWANCE_ABI)
    allowance: int = token.functions.allowance(owner, addresses["WeeklySettlement"]).call()
    return allowance


def keystore_key(wallet_dir: Path, password: str) -> str:
    """The private key of the one keystore `wallet new` wrote, decrypted with eth-account."""
    [keystore] = sorted(wallet_dir.glob("*.json"))
    return "0x" + bytes(Account.decrypt(json.loads(keystore.read_text()), password)).hex()


def participant_page_positions(executable: str, url: str, wallet: DevWallet) -> list[list[str]]:
    """The positions table of the participant page at `url` as `wallet` sees it once
    connected and signed in: [product, holding, updated hour] per row."""
    with launch(executable) as browser, wallet_page(browser, wallet, PAGE_TIMEOUT_MS) as page:
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        page.click("#connect-button")
        page.wait_for_selector("#address")
        assert page.text_content("#address") == wallet.address
        page.click("#signin-button")
        error = page.locator("#status .notice.error")
        # After signing in the page reads the account and fills the table (or says so).
        page.locator("#positions table").or_(page.get_by_text("No positions yet.")).or_(
            error
        ).first.wait_for()
        assert error.count() == 0, page.text_content("#status")
        rows: list[Any] = page.locator("#positions tbody tr").all()
        shown = [[cell.strip() for cell in row.locator("td").all_text_contents()] for row in rows]
        screenshot(page, "quickstart-participant-positions")
    assert wallet.methods().count("personal_sign") == 1
    return shown


def wait_for_next_open_hour(api_url: str, timeout_s: float) -> None:
    """Until the API's open hour moves past the one open now, or fail."""
    first = httpx.get(f"{api_url}/v1/domain", timeout=30).json()["open_hour"]
    deadline = time.monotonic() + timeout_s
    while httpx.get(f"{api_url}/v1/domain", timeout=30).json()["open_hour"] == first:
        assert time.monotonic() < deadline, f"hour {first} stayed open for {timeout_s} s"
        time.sleep(0.2)


def wait_for_hour(api_url: str, hour: int, timeout_s: float) -> None:
    """Until the API publishes hour `hour` (the order's), or fail."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        latest = httpx.get(f"{api_url}/v1/hours/latest", timeout=30)
        if latest.status_code == 200 and latest.json()["hour"] >= hour:
            return
        time.sleep(1)
    raise AssertionError(f"hour {hour} was not published within {timeout_s} s")
