"""What the wallet-panel browser tests share: the settled week they act on, opening a page
with the wallet connected, and setup payments made the way `flowmarket settlement pay`
makes them (the browser tests check the pages, not their own setup).

The week (worked by hand): in the market's first hour alice buys up to 5 GB/h of a
product nobody else trades (asia-east regular, delivered 5 hours later) paying 10 down
to 9 tokens/GB, and "guardian" sells up to 5 GB/h at 1 up to 2 tokens/GB. All 5 GB/h
trade at any price in [2, 9]; without history the prior price is 0, so the price rule
picks 2: 10 tokens change hands and each side pays the demo profile's 10 bps fee, 0.01
token. alice's leaf of week 0 is -10.01 tokens, guardian's +9.99. alice's wallet holds
the fixture's 100 tokens (her 20 tokens of collateral are minted beside it).
"""

from __future__ import annotations

from typing import Any

from web_harness import TOKEN, WebMarket

from browser import DevWallet
from flowmarket.actions import settlement
from flowmarket.actions.actor import Actor
from flowmarket.catalogue import format_name
from flowmarket.catalogue.names import Kind, ProductKey

MILLI = TOKEN // 1_000
ALICE_LEAF = -10_010 * MILLI
GUARDIAN_LEAF = 9_990 * MILLI
ALICE_COLLATERAL = 20 * TOKEN
CHALLENGE_WINDOW_S = 120  # the demo profile's


def settle_week_zero(m: WebMarket) -> None:
    """Week 0 traded (alice buys from guardian in its first hour), cleared hour by hour by
    the oracle, its root posted, and its challenge window over; no leaf executed yet."""
    product = format_name(ProductKey(Kind.HOURLY, "asia-east", "regular", m.hour + 5))
    m.deposit("alice", ALICE_COLLATERAL)  # 5 GB/h at up to 10 tokens, 30 % margins: 15
    m.deposit("guardian", 20 * TOKEN)
    for who, curve in (
        ("alice", [(0.0, 10.0), (5.0, 9.0)]),
        ("guardian", [(-5.0, 2.0), (0.0, 1.0)]),
    ):
        with m.participant(who) as client:
            accepted = client.submit(
                portfolio={product: 1.0}, curve=curve, from_hour=m.hour, until_hour=m.hour, nonce=0
            )
            assert accepted["receipt"]["action"] == "accepted", accepted
    m.clock.close(m.hour + 167)
    m.move_chain_clock(int(m.clock.now))
    assert m.oracle.tick(now=m.clock.now, limit=168) == 168
    posted = m.view("WeeklySettlement", "weekRoot", 0)
    assert bytes(posted[0]) != bytes(32), "week 0's root was not posted"
    m.w3.provider.make_request("evm_increaseTime", [CHALLENGE_WINDOW_S + 1])  # type: ignore[arg-type]
    m.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def leaf_amount(m: WebMarket, who: str, week: int = 0) -> int:
    """`who`'s amount (wei) in `week` as the API publishes it."""
    with m.participant(who) as client:
        return int(client.settlement_leaf(week, m.address(who))["amount"])


def pay_as(m: WebMarket, who: str, week: int = 0) -> int:
    """Pay `who`'s debit of `week` as `flowmarket settlement pay` does (minting what its
    wallet lacks first); returns the wei paid."""
    owed = -leaf_amount(m, who, week)
    assert owed > 0, f"{who} owes nothing in week {week}"
    held = m.view("CapacityToken", "balanceOf", m.address(who))
    if held < owed:
        m.send("supplier", "CapacityToken", "mint", m.address(who), owed - held)
    actor = Actor.reading(m.w3, m.deployment, m.compiled, m.address(who))
    with m.participant(who) as client:
        plan = settlement.pay_plan(actor, client, week)
        plan.send(m.client(who), on_sent=lambda step, receipt: None)
    return owed


def connect(page: Any, market: WebMarket, path: str, ready: str) -> None:
    """Open `path`, connect the wallet and wait for `ready` to show."""
    page.goto(f"{market.url}{path}")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    page.wait_for_selector(ready)


def sign_in(page: Any, market: WebMarket) -> None:
    """Open the participant page, connect the wallet and sign in with it."""
    connect(page, market, "/participant", "#address")
    page.click("#signin-button")
    page.wait_for_selector("text=Signed in as")


def notice_of(page: Any, status: str) -> str:
    """The text of the first ok or error notice to appear in `#status`."""
    page.wait_for_selector(f"#{status} .notice.ok, #{status} .notice.error")
    return (page.text_content(f"#{status} .notice") or "").strip()


def sent_to(wallet: DevWallet) -> list[str]:
    return [p[0]["to"].lower() for m, p in wallet.calls if m == "eth_sendTransaction"]


def exact(wei: int) -> str:
    """Wei as the page prints it exactly: thousands separators, no trailing zeros."""
    whole, fraction = divmod(wei, TOKEN)
    digits = f"{fraction:018d}".rstrip("0")
    return f"{whole:,}" + (f".{digits}" if digits else "")
