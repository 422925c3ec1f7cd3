"""Two identical signed replacements sent at the same moment over HTTP: both answers carry
the one stored order and its receipts; neither is a 409 (issue: hostile input, defect 3)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
from eth_account import Account
from live_api_harness import LiveApi

from flowmarket.signing import Domain, OrderMessage, sign

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
OPEN_HOUR = 500_001
TRIALS = 20


def _body(key: str, nonce: int, replaces: str | None, price: float) -> dict[str, Any]:
    account = Account.from_key(key)
    order = OrderMessage(
        participant=account.address,
        nonce=nonce,
        from_hour=OPEN_HOUR,
        until_hour=OPEN_HOUR + 5,
        portfolio={"premium-eu": 1.0},
        curve=((-5.0, price), (10.0, 4.0)),
        replaces=replaces,
    )
    return {
        "order": {
            "participant": order.participant,
            "nonce": nonce,
            "from_hour": order.from_hour,
            "until_hour": order.until_hour,
            "portfolio": order.portfolio,
            "curve": [list(point) for point in order.curve],
            "replaces": replaces,
        },
        "chain_id": DOMAIN.chain_id,
        "verifying_contract": DOMAIN.verifying_contract,
        "signature": sign(DOMAIN, order, key),
    }


def _race(url: str, body: dict[str, Any]) -> list[httpx.Response]:
    """POST `body` from two threads released together; the two responses."""
    start = threading.Barrier(2)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def send() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            start.wait()
            response = client.post("/v1/orders", json=body)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_identical_replacements_sent_at_once_both_get_the_stored_receipt(
    live_api: LiveApi,
) -> None:
    key = "0x" + "0c" * 32
    for trial in range(TRIALS):
        nonce = 2 * trial + 1
        first = httpx.post(f"{live_api.url}/v1/orders", json=_body(key, nonce, None, 12.0))
        assert first.status_code == 200, first.text
        old = first.json()["order"]["order_hash"]
        answers = _race(live_api.url, _body(key, nonce + 1, old, 11.0))
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        orders = [a.json()["order"] for a in answers]
        receipts = [a.json()["receipt"] for a in answers]
        cancels = [a.json()["cancel_receipt"] for a in answers]
        assert orders[0]["order_hash"] == orders[1]["order_hash"], trial
        assert receipts[0] == receipts[1], trial
        assert cancels[0] == cancels[1] and cancels[0]["order_hash"] == old, trial
        assert sorted(a.json()["duplicate"] for a in answers) in ([False, True], [False, False])
