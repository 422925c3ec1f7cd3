"""Token amounts typed by a person and shown to one: exact both ways, strict on input."""

from __future__ import annotations

import pytest

from flowmarket.errors import FieldError
from flowmarket.money import format_tokens, parse_tokens


@pytest.mark.parametrize(
    ("text", "wei"),
    [
        ("120.5", 120_500_000_000_000_000_000),
        ("3", 3_000_000_000_000_000_000),
        ("0.000000000000000001", 1),
        ("5000.000000000000000001", 5_000_000_000_000_000_000_001),
        ("1_000", 1_000_000_000_000_000_000_000),
        (" 0.1 ", 100_000_000_000_000_000),
        # 48 significant digits: more than the decimal module's default 28.
        (
            "123456789012345678901234567890.123456789012345678",
            123456789012345678901234567890_123456789012345678,
        ),
    ],
)
def test_parses_typed_tokens_to_the_exact_wei(text: str, wei: int) -> None:
    assert parse_tokens(text, field="amount") == wei


@pytest.mark.parametrize(
    "text", ["-1", "1e3", "0.0000000000000000001", "", "1.", ".5", "twelve", "1,000", "nan"]
)
def test_rejects_amounts_that_are_not_plain_token_numbers_naming_the_field(text: str) -> None:
    with pytest.raises(FieldError, match=r"^amount: expected an amount of tokens"):
        parse_tokens(text, field="amount")


@pytest.mark.parametrize(
    ("wei", "text"),
    [
        (120_500_000_000_000_000_000, "120.5"),
        (2_185_680_000_000_000_000_000, "2,185.68"),
        (1, "0.000000000000000001"),
        (0, "0"),
        (-1_681_680_000_000_000_000_000, "-1,681.68"),
        (5_000_000_000_000_000_000_001, "5,000.000000000000000001"),
    ],
)
def test_formats_wei_as_exact_tokens_without_trailing_zeros(wei: int, text: str) -> None:
    assert format_tokens(wei) == text
