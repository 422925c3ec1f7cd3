"""Participants' reported expected positions (GB/h per product), used by the collateral rule."""

from __future__ import annotations

import time
from collections.abc import Mapping

from eth_utils.address import is_address, to_checksum_address
from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.db import oracle_repo
from flowmarket.errors import InvalidInput


def report_expected(engine: Engine, *, participant: str, quantities: Mapping[str, float]) -> str:
    """Replace `participant`'s expected positions; returns its checksummed address."""
    if not is_address(participant):
        raise InvalidInput(f"participant: not an address: {participant!r}")
    address = to_checksum_address(participant)
    with Session(engine) as session:
        oracle_repo.report_expected_positions(
            session, participant=address, quantities=dict(quantities), at=time.time()
        )
    return str(address)
