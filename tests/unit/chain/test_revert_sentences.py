"""Reverts read as one sentence naming the contract's custom error and what to do."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.errors import ErrorDecoder
from flowmarket.chain.revert_messages import SENTENCES

ALICE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
PROPOSAL = 10**70 + 1234


def data(signature: str, types: list[str], values: list[object]) -> bytes:
    return keccak(text=signature)[:4] + encode(types, values)


def test_every_sentence_is_for_a_custom_error_the_contracts_declare(
    compiled: ArtifactSet,
) -> None:
    declared = {
        entry["name"]
        for artifact in compiled.values()
        for entry in artifact.abi
        if entry.get("type") == "error"
    }
    assert set(SENTENCES) - declared == set()


def test_a_debt_blocked_withdrawal_says_how_much_is_owed_and_how_to_pay(
    compiled: ArtifactSet,
) -> None:
    decoder = ErrorDecoder(compiled.values())
    raw = data("VaultOpenDebt(address,uint256)", ["address", "uint256"], [ALICE, 1_205 * 10**17])
    assert decoder.explain(raw) == (
        "withdrawal blocked: 120.5 tokens owed to weekly settlement; pay it with "
        "`flowmarket settlement pay WEEK` (`flowmarket settlement status` shows the week) "
        f"(VaultOpenDebt(participant={ALICE.lower()}, debt=120500000000000000000))"
    )
    decoded = decoder.decode(raw)
    assert decoded is not None and decoded.name == "VaultOpenDebt"


def test_a_vote_after_the_period_is_told_voting_is_closed(compiled: ArtifactSet) -> None:
    decoder = ErrorDecoder(compiled.values())
    # current = Succeeded (4); expected = Active only: bit 1 of the bytes32 bitmap.
    raw = data(
        "GovernorUnexpectedProposalState(uint256,uint8,bytes32)",
        ["uint256", "uint8", "bytes32"],
        [PROPOSAL, 4, (2).to_bytes(32, "big")],
    )
    assert decoder.explain(raw).startswith(
        "voting is closed: proposal 10000000…1234 is Succeeded; votes count only while it "
        "is Active (GovernorUnexpectedProposalState("
    )


def test_an_error_without_a_sentence_is_still_named_with_its_arguments(
    compiled: ArtifactSet,
) -> None:
    decoder = ErrorDecoder(compiled.values())
    raw = data("SettlementZeroRoot(uint64)", ["uint64"], [3])
    assert decoder.explain(raw) == "SettlementZeroRoot(week=3)"
    assert decoder.explain(b"\x12\x34\x56\x78") == "reverted with unknown error 0x12345678"
