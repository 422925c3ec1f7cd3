"""Participants' chain state as the oracle's snapshot reads it: collateral in the vault,
restriction after a seizure, and the order-nonce floor.

Two readers, with identical results at the same block (a test compares them):

- `read_through_lens`: `MarketLens.participantStates`, one `eth_call` per page of at
  most `LENS_PAGE` participants, every page in one JSON-RPC batch. 1,000 participants
  are two calls instead of 3,000.
- `read_one_by_one`: the three view functions per participant, in one JSON-RPC batch;
  for deployments made before the lens existed.

Both read at one pinned block number, so all pages see one state of the chain even if
blocks are mined while they are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from flowmarket.errors import InvalidInput

LENS_PAGE = 500  # participants per call: MarketLens.MAX_PAGE (a test checks they agree)


@dataclass(frozen=True)
class ParticipantChainState:
    """collateral: capacity-token wei in the vault; restricted: after a seizure, by the
    settlement contract; min_nonce: the OrderRegistry floor (lower nonces are cancelled)."""

    collateral: int
    restricted: bool
    min_nonce: int


def read_through_lens(
    w3: Web3,
    lens: Contract,
    participants: Sequence[str],
    *,
    block: int,
    page: int = LENS_PAGE,
) -> dict[str, ParticipantChainState]:
    """{participant: state} at block `block`, `page` participants per `eth_call`."""
    if not 1 <= page <= LENS_PAGE:
        raise InvalidInput(f"page: must be between 1 and {LENS_PAGE}, got {page}")
    pages = [list(participants[k : k + page]) for k in range(0, len(participants), page)]
    if not pages:
        return {}
    with w3.batch_requests() as batch:
        for chunk in pages:
            batch.add(lens.functions.participantStates(chunk).call(block_identifier=block))
        answers: list[Any] = list(batch.execute())
    out: dict[str, ParticipantChainState] = {}
    for chunk, rows in zip(pages, answers, strict=True):
        for participant, (collateral, restricted, min_nonce) in zip(chunk, rows, strict=True):
            out[participant] = ParticipantChainState(
                collateral=int(collateral), restricted=bool(restricted), min_nonce=int(min_nonce)
            )
    return out


def read_one_by_one(
    w3: Web3,
    vault: Contract,
    settlement: Contract,
    registry: Contract,
    participants: Sequence[str],
    *,
    block: int,
) -> dict[str, ParticipantChainState]:
    """{participant: state} at block `block`: three calls each, in one JSON-RPC batch."""
    if not participants:
        return {}
    with w3.batch_requests() as batch:
        for p in participants:
            batch.add(vault.functions.collateralOf(p).call(block_identifier=block))
            batch.add(settlement.functions.isRestricted(p).call(block_identifier=block))
            batch.add(registry.functions.minNonce(p).call(block_identifier=block))
        values: list[Any] = list(batch.execute())
    return {
        p: ParticipantChainState(
            collateral=int(values[3 * k]),
            restricted=bool(values[3 * k + 1]),
            min_nonce=int(values[3 * k + 2]),
        )
        for k, p in enumerate(participants)
    }
