"""Exact fixed-point conversion and the EIP-4361 sign-in message."""

from __future__ import annotations

import math

import pytest
from eth_account import Account

from flowmarket.errors import FieldError
from flowmarket.signing import (
    LoginMessage,
    from_fixed,
    parse_login_message,
    recover_login_signer,
    sign_login,
    to_fixed,
)
from flowmarket.signing.fixed_point import fixed_many, signable


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, 10**17),
        (-5.0, -5 * 10**18),
        (12.25, 1225 * 10**16),
        (3, 3 * 10**18),
        (1e-18, 1),
        (123456.789, 123456789 * 10**15),
        # 30 digits times 10^18: more than the decimal module's default 28 digits.
        (123456789012345678901234567891, 123456789012345678901234567891 * 10**18),
    ],
)
def test_converts_decimals_exactly(value: float, expected: int) -> None:
    assert to_fixed(value, field="x") == expected
    assert from_fixed(expected) == float(value)


def test_from_fixed_is_the_nearest_float() -> None:
    # 2^53 + 1 + 10^-18 lies just above the midpoint of the floats 2^53 and 2^53 + 2: the
    # nearest is 2^53 + 2 (a 28-digit quotient drops the 10^-18 and ties to 2^53).
    assert from_fixed((2**53 + 1) * 10**18 + 1) == 2.0**53 + 2


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1e-19, "more than 18 decimals"),
        (1.2345e-15, "more than 18 decimals"),
        (1e300, "int256"),
        (math.inf, "finite"),
        (math.nan, "finite"),
        (True, "number"),
    ],
)
def test_refuses_values_without_an_exact_fixed_point_form(value: float, reason: str) -> None:
    with pytest.raises(FieldError, match=reason) as info:
        to_fixed(value, field="order.curve[0][1]")
    assert info.value.field == "order.curve[0][1]"


KEY = "0x" + "42" * 32
MESSAGE = LoginMessage(
    domain="127.0.0.1:8000",
    address=Account.from_key(KEY).address,
    uri="https://127.0.0.1:8000/v1/auth/login",
    chain_id=31337,
    nonce="a1b2c3d4e5f60718",
    issued_at=1_800_000_000,
    expires_at=1_800_000_300,
)


def test_login_message_round_trips_and_recovers_the_wallet() -> None:
    text = MESSAGE.text()
    assert text.startswith("127.0.0.1:8000 wants you to sign in with your Ethereum account:\n")
    assert parse_login_message(text) == MESSAGE
    signature = bytes.fromhex(sign_login(MESSAGE, KEY)[2:])
    assert recover_login_signer(text, signature) == MESSAGE.address
    tampered = text.replace("Chain ID: 31337", "Chain ID: 1")
    assert recover_login_signer(tampered, signature) != MESSAGE.address


def test_rejects_a_message_that_is_not_a_sign_in_message() -> None:
    with pytest.raises(FieldError, match="message"):
        parse_login_message(MESSAGE.text() + "\nResources: evil")


@pytest.mark.parametrize("computed", [1.2345678901234567e-05, 2 / 3, -1 / 7, 1e-19, 3.0])
def test_a_computed_float_becomes_signable_within_half_a_unit_of_the_18th_decimal(
    computed: float,
) -> None:
    fixed = to_fixed(signable(computed), field="curve[0][0]")
    assert abs(fixed - computed * 10**18) <= 0.5 + abs(computed) * 1e-16 * 10**18


def test_to_fixed_is_the_decimal_value_of_the_shortest_form_for_any_float() -> None:
    """The split at the point against the decimal module on seeded floats of every
    magnitude and sign (the fast path and the exponent forms both)."""
    import random
    from decimal import Context, Decimal

    rng = random.Random(11)
    exact = Context(prec=200)
    values = [round(rng.uniform(-1, 1) * 10.0 ** rng.randint(-20, 25), rng.randint(0, 20))
              for _ in range(20_000)]  # fmt: skip
    values += [-0.0, 0.0, -0.5, 1e16, 1.5e17, -2.5e-18, 123456.789]
    for v in values:
        scaled = exact.multiply(Decimal(repr(v)), 10**18)
        if scaled == scaled.to_integral_value() and abs(scaled) < 2**255:
            assert to_fixed(v, field="x") == int(scaled), v
        else:
            with pytest.raises(FieldError):
                to_fixed(v, field="x")


def test_fixed_many_converts_each_number_as_written() -> None:
    """The oracle's conversion of a whole hour's numbers at once, against hand-written
    values: its numpy path (up to 9 decimals and 15 digits) and every other form."""
    values = [0.1, -5.0, 3, 123456.789, 999999.999999999, -0.0, 1e-9, 1e14]
    values += [1e-18, 0.30000000000000004, 999999.9999999999, 0.1234567890123, 2**70, 1e20]
    assert fixed_many(values, lambda i: f"v[{i}]") == [
        10**17,
        -5 * 10**18,
        3 * 10**18,
        123456789 * 10**15,
        999999999999999 * 10**9,
        0,
        10**9,
        10**32,
        1,
        300000000000000040,
        999999999999999900000000,
        123456789012300000,
        2**70 * 10**18,
        10**38,
    ]


def test_fixed_many_is_the_decimal_value_of_the_shortest_form_for_any_float() -> None:
    """Against the decimal module on seeded floats of every magnitude, sign and number of
    decimals (most within the numpy path's 9 decimals and 15 digits, many just past it)."""
    import random
    from decimal import Context, Decimal

    rng = random.Random(12)
    exact = Context(prec=200)
    values = [round(rng.uniform(-1, 1) * 10.0 ** rng.randint(-12, 17), rng.randint(0, 12))
              for _ in range(50_000)]  # fmt: skip
    values += [v + 1e-9 for v in values[:5_000]] + [2.0**53, 2.0**53 + 2, 9007199254.740993]
    scaled = [exact.multiply(Decimal(repr(v)), 10**18) for v in values]
    exact_ones = [(v, int(s)) for v, s in zip(values, scaled, strict=True) if s == int(s)]
    assert len(exact_ones) > 50_000  # those past 18 decimals are refused (test below)
    fixed = fixed_many([v for v, _ in exact_ones], lambda i: f"v[{i}]")
    assert fixed == [expected for _, expected in exact_ones]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [(True, "number"), (math.nan, "finite"), (math.inf, "finite"), (1e-19, "18 decimals")],
)
def test_fixed_many_refuses_a_bad_number_naming_it(bad: float, reason: str) -> None:
    with pytest.raises(FieldError, match=reason) as info:
        fixed_many([1.0, 2, bad, 0.5], lambda i: f"order.curve[{i}]")
    assert info.value.field == "order.curve[2]"
