"""Remembered address checks give eth_utils' answers, the EIP-55 examples by hand."""

from __future__ import annotations

import pytest

from flowmarket.chain.addresses import checksummed, is_wallet_address

# EIP-55's own examples.
EIP55 = ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"]


@pytest.mark.parametrize("address", EIP55)
def test_checksummed_is_the_eip55_form_from_any_case(address: str) -> None:
    assert checksummed(address.lower()) == address
    assert checksummed("0x" + address[2:].upper()) == address
    assert checksummed(address.lower()) == address  # remembered: the same answer


def test_a_wrong_length_or_digit_is_not_a_wallet_address() -> None:
    good = EIP55[0]
    assert is_wallet_address(good) and is_wallet_address(good.lower())
    assert not is_wallet_address(good[:-2])
    assert not is_wallet_address(good[:-1] + "g")
    with pytest.raises(ValueError):
        checksummed("0x1234")
