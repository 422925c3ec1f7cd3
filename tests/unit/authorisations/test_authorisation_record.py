"""Published authorisations: a verifier checks each signature and re-derives the bounds.

Alice (a real key) signs "at most 3 GB/h of premium per clearing, at most 4 GB/h held".
She holds 2.5 GB/h, so her bound this hour is min(3, 4 − 2.5) = 1.5 GB/h (by hand); bob
sells along p = 1 + s and alice buys along p = 10 − q, unlimited 4.5 at 5.5.
"""

from __future__ import annotations

import copy
from typing import Any

from eth_account import Account

from flowmarket.authorisation_record import (
    bound_differences,
    check_records,
    record,
    strip_bounds,
)
from flowmarket.authorisations import WAD, Authorisation, apply_authorisations
from flowmarket.clearing import clear_document
from flowmarket.config import HARDHAT_DEV_KEYS
from flowmarket.signing import AuthorisationMessage, Domain, digest, sign

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
ALICE_KEY, MALLORY_KEY = HARDHAT_DEV_KEYS[3], HARDHAT_DEV_KEYS[6]
ALICE = str(Account.from_key(ALICE_KEY).address)
BOB = str(Account.from_key(HARDHAT_DEV_KEYS[4]).address)
HOUR = 1_005
HELD = {"premium": 5 * WAD // 2}  # 2.5 GB/h


def signed(key: str = ALICE_KEY, **limits: float) -> dict[str, Any]:
    message = AuthorisationMessage(ALICE, 7, 1_000, 1_100, {"premium": 1.0}, **limits)
    auth = Authorisation(
        digest(DOMAIN, message),
        ALICE,
        {"premium": 1.0},
        **{k: round(v * WAD) for k, v in limits.items()},
    )
    return record(
        auth,
        nonce=7,
        from_hour=1_000,
        until_hour=1_100,
        replaces=None,
        signature=sign(DOMAIN, message, key),
        held=HELD,
    )


def order_set(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The order set as the oracle publishes it: the signed book with the bounds of
    `records` applied from the published positions."""
    doc = {
        "products": ["premium"],
        "orders": [
            {"id": "0xa", "participant": ALICE, "portfolio": {"premium": 1.0},
             "curve": [[0.0, 10.0], [6.0, 4.0]]},
            {"id": "0xb", "participant": BOB, "portfolio": {"premium": 1.0},
             "curve": [[-8.0, 9.0], [0.0, 1.0]]},
        ],
    }  # fmt: skip
    auths, positions, problems = check_records(records, domain=DOMAIN, hour=HOUR)
    assert problems == []
    bounded, _ = apply_authorisations(doc, auths, positions)
    return {**bounded, "hour": HOUR, "authorisations": records}


def rederive(published: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What `verify --hour` does with the published set (positions as published)."""
    records = published["authorisations"]
    auths, positions, problems = check_records(records, domain=DOMAIN, hour=HOUR)
    signed_only = strip_bounds(published, {r["auth_hash"] for r in records})
    expected, _ = apply_authorisations(signed_only, auths, positions)
    return expected, problems + bound_differences(published, expected)


def test_an_honest_publication_rederives_the_hand_computed_bound() -> None:
    published = order_set([signed(max_rate=3.0, max_position=4.0)])
    expected, problems = rederive(published)
    assert problems == []
    assert expected["portfolios"]["0xa"]["limits"] == {"max_rate": 1.5}  # min(3, 4 − 2.5)
    result = clear_document(expected, {"prices": {}})
    assert abs(result["orders"]["0xa"]["quantity"] - 1.5) < 1e-9
    assert abs(result["prices"]["premium"] - 2.5) < 1e-9  # bob's price for 1.5: 1 + 1.5


def test_a_limit_altered_after_signing_is_flagged_and_not_applied() -> None:
    published = order_set([signed(max_rate=3.0, max_position=4.0)])
    tampered = copy.deepcopy(published)
    tampered["authorisations"][0]["max_rate"] = str(WAD)  # "1 GB/h", id kept
    _, problems = rederive(tampered)
    assert any("is not the digest of its fields" in p for p in problems), problems


def test_a_forged_authorisation_is_flagged_and_its_bound_is_an_invented_one() -> None:
    forged = signed(key=MALLORY_KEY, max_rate=0.5)  # the id is right, the signer is not
    published = order_set([signed(max_rate=3.0, max_position=4.0)])
    published["authorisations"] = [forged]
    published["portfolios"]["0xa"]["limits"] = {"max_rate": 0.5}
    _, problems = rederive(published)
    assert any("not by the participant (forged)" in p for p in problems), problems
    assert any(
        "portfolio 0xa: published max_rate 0.5, from the signed authorisations none" in p
        for p in problems
    ), problems


def test_a_bound_not_the_signed_one_is_named_with_both_values() -> None:
    published = order_set([signed(max_rate=3.0, max_position=4.0)])
    published["portfolios"]["0xa"]["limits"] = {"max_rate": 1.0}  # blocks half her trade
    _, problems = rederive(published)
    assert problems == [
        "authorisation bound of portfolio 0xa: published max_rate 1, "
        "from the signed authorisations max_rate 1.5"
    ]


def test_an_authorisation_outside_its_hours_is_flagged() -> None:
    records = [signed(max_rate=3.0)]
    _, _, problems = check_records(records, domain=DOMAIN, hour=1_200)
    assert len(problems) == 1 and "governs hours 1000–1100, not 1200" in problems[0]


def test_a_malformed_record_names_the_field() -> None:
    raw = signed(max_rate=3.0)
    raw["max_rate"] = 3.0  # a float, not the exact decimal string
    _, _, problems = check_records([raw, {**raw, "extra": 1}], domain=DOMAIN, hour=HOUR)
    assert problems[0].endswith("authorisations[0].max_rate: expected a decimal string of "
                                "10⁻¹⁸ GB/h or null")  # fmt: skip
    assert problems[1].endswith("authorisations[1]: unknown key 'extra'")


def test_a_set_without_authorisations_is_left_as_it_is() -> None:
    published = order_set([])
    published.pop("authorisations")
    assert strip_bounds(published, set()) == published
