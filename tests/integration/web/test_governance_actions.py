"""The governance page through the injected wallet (alice, 10 % of the governance supply
from genesis): the proposal form, a vote with its reason, queueing a succeeded proposal
and executing it once the timelock allows, delegating votes to another address and
taking them back. Each test reverts the chain it changed (`chain_state`), so they run
in any order; the web market's hour is never cleared here (governance needs no trades).

Demo profile: a 1-block voting delay, a 50-block voting period, a 4 % quorum (alice's
10 % passes alone), a 60-second timelock.
"""

from __future__ import annotations

from typing import Any

from eth_utils.crypto import keccak
from wallet_pages import MILLI, connect, notice_of, sent_to
from web_harness import TOKEN, WebMarket

from browser import DevWallet, screenshot
from flowmarket.states import ProposalState

ALICE_VOTES = 100_000 * TOKEN  # 10 % of the 1,000,000-token supply
VOTING_PERIOD_BLOCKS = 50
TIMELOCK_DELAY_S = 60


def mine(m: WebMarket, blocks: int) -> None:
    m.w3.provider.make_request("hardhat_mine", [hex(blocks)])  # type: ignore[arg-type]


def short(digits: str) -> str:
    """A proposal id as the page shortens it (common.js `short(id, 8)`)."""
    return f"{digits[:10]}…{digits[-8:]}"


def test_the_proposal_form_proposes_typed_changes_and_refuses_one_that_would_fail(
    page: Any, chain_state: WebMarket, wallet: DevWallet
) -> None:
    m = chain_state
    alice = m.address("alice")
    treasury = m.deployment.addresses["MarketTimelock"]
    connect(page, m, "/governance", "#propose-button")

    # The treasury cannot pay a million tokens: refused before anything is sent.
    page.fill("#proposal-description", "Pay a million tokens")
    page.fill("#proposal-transfer-to", m.address("guardian"))
    page.fill("#proposal-transfer-amount", "1000000")
    page.click("#propose-button")
    page.wait_for_selector("#proposal-status .notice.error")
    refusal = page.text_content("#proposal-status") or ""
    assert refusal.startswith("this change would fail when executed"), refusal
    assert "eth_sendTransaction" not in wallet.methods()

    description = "Fee 25 bps, holders 70 % of fees"
    page.fill("#proposal-description", description)
    page.fill("#proposal-transfer-to", "")
    page.fill("#proposal-transfer-amount", "")
    page.fill("#proposal-fee-bps", "25")
    page.fill("#proposal-holder-share-bps", "7000")
    page.click("#propose-button")
    page.wait_for_selector("#proposal-status .notice.ok, #proposal-status .notice.error")
    status = page.text_content("#proposal-status") or ""
    assert "created" in status, status
    assert "set the market fee from 10 to 25 bps" in status
    assert f"give holders 70 % of fees, the rest to treasury {treasury}" in status

    # The proposal on chain is exactly the two typed calls, under the description.
    parameters = m.contract("MarketParameters")
    target = parameters.address
    calldatas = [
        bytes.fromhex(parameters.encode_abi("setFeeBps", args=[25])[2:]),
        bytes.fromhex(parameters.encode_abi("setRevenueSplit", args=[7_000, treasury])[2:]),
    ]
    governor = m.contract("MarketGovernor").functions
    pid = int(
        governor.hashProposal([target, target], [0, 0], calldatas, keccak(text=description)).call()
    )
    assert f"Proposal {pid} created" in status
    assert governor.proposalProposer(pid).call() == alice
    assert sent_to(wallet) == [m.deployment.addresses["MarketGovernor"].lower()]

    card = page.locator(".proposal", has_text=description)
    card.wait_for()
    assert "MarketParameters.setFeeBps(25)" in (card.text_content() or "")
    m.w3.provider.make_request("hardhat_mine", ["0x2"])  # type: ignore[arg-type]
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#connect-button")
    card.locator(".badge.Active").wait_for()
    card.locator("button[data-support=For]").click()
    page.wait_for_selector("text=Vote recorded on chain")
    assert governor.state(pid).call() == ProposalState.ACTIVE
    assert governor.hasVoted(pid, alice).call()
    screenshot(page, "governance-proposal-form")


def test_the_proposal_form_proposes_a_clearing_interval_in_minutes(
    page: Any, chain_state: WebMarket, wallet: DevWallet
) -> None:
    m = chain_state
    description = "Clear every quarter-hour"
    field = "#proposal-clearing-interval-minutes"
    refusal, status = _refused_then_proposed(page, m, wallet, description, field, "45", "15")
    assert "clearing interval (minutes): enter a whole number of minutes that divides" in refusal
    assert "clear every 15 minutes instead of every 60" in status, status
    # On chain: exactly MarketParameters.setClearingInterval(900), as the CLI proposes it.
    pid = _parameters_proposal(m, "setClearingInterval", 900, description)
    assert f"Proposal {pid} created" in status
    governor = m.contract("MarketGovernor").functions
    assert governor.proposalProposer(pid).call() == m.address("alice")


def test_the_proposal_form_proposes_a_clearing_engine(
    page: Any, chain_state: WebMarket, wallet: DevWallet
) -> None:
    m = chain_state
    description = "Clear with engine 3"
    field = "#proposal-clearing-engine"  # 6: no release runs it yet
    refusal, status = _refused_then_proposed(page, m, wallet, description, field, "6", "3")
    assert "clearing_engine: 6 is not an engine this runs (1, 2, 3, 4, 5)" in refusal, refusal
    assert "clear with engine 3 instead of engine 5" in status, status  # a new market: 5
    # On chain: exactly MarketParameters.setClearingEngine(3), as the CLI proposes it.
    pid = _parameters_proposal(m, "setClearingEngine", 3, description)
    assert f"Proposal {pid} created" in status


def _refused_then_proposed(
    page: Any, m: WebMarket, wallet: DevWallet, description: str, field: str, bad: str, good: str
) -> tuple[str, str]:
    """The proposal form with one parameter `field`: refused with `bad` before the wallet
    is asked for anything, then proposed with `good`; (the refusal, the status)."""
    connect(page, m, "/governance", "#propose-button")
    page.fill("#proposal-description", description)
    page.fill(field, bad)
    page.click("#propose-button")
    page.wait_for_selector("#proposal-status .notice.error")
    refusal = page.text_content("#proposal-status") or ""
    assert "eth_sendTransaction" not in wallet.methods()
    page.fill(field, good)
    page.click("#propose-button")
    page.wait_for_selector("#proposal-status .notice.ok, #proposal-status .notice.error")
    return refusal, page.text_content("#proposal-status") or ""


def _parameters_proposal(m: WebMarket, function: str, value: int, description: str) -> int:
    """The id of a proposal of the one call MarketParameters.function(value)."""
    parameters = m.contract("MarketParameters")
    calldata = bytes.fromhex(parameters.encode_abi(function, args=[value])[2:])
    governor = m.contract("MarketGovernor").functions
    return int(
        governor.hashProposal(
            [parameters.address], [0], [calldata], keccak(text=description)
        ).call()
    )


def test_a_proposal_is_voted_with_a_reason_then_queued_and_executed_from_its_card(
    page: Any, chain_state: WebMarket, wallet: DevWallet
) -> None:
    m = chain_state
    alice, guardian = m.address("alice"), m.address("guardian")
    treasury = m.deployment.addresses["MarketTimelock"]
    m.send("supplier", "CapacityToken", "mint", treasury, 2 * TOKEN)
    treasury_before = m.view("CapacityToken", "balanceOf", treasury)
    guardian_before = m.view("CapacityToken", "balanceOf", guardian)
    parameters, token = m.contract("MarketParameters"), m.contract("CapacityToken")
    targets = [parameters.address, token.address]
    calldatas = [
        bytes.fromhex(parameters.encode_abi("setFeeBps", args=[25])[2:]),
        bytes.fromhex(token.encode_abi("transfer", args=[guardian, 500 * MILLI])[2:]),
    ]
    description = "Fee 25 bps, and 0.5 tokens to guardian for the audit"
    m.send("alice", "MarketGovernor", "propose", targets, [0, 0], calldatas, description)
    governor = m.contract("MarketGovernor")
    pid = int(
        governor.functions.hashProposal(targets, [0, 0], calldatas, keccak(text=description)).call()
    )
    card = page.locator(f'.proposal[data-proposal="{pid}"]')
    queue = f"{m.url}/v1/web/governance/queue-tx/{alice}"
    mine(m, 2)  # past the voting delay

    connect(page, m, "/governance", f'.proposal[data-proposal="{pid}"] .badge.Active')
    early = page.request.post(queue, data={"proposal_id": str(pid)})
    assert early.status == 409, early.text()
    assert "Active" in early.json()["message"], early.json()
    reason = "fees must pay for the audits"
    card.locator(".vote-reason").fill(reason)
    card.locator("button[data-support=For]").click()
    assert notice_of(page, "status") == (
        f"Vote recorded on chain: vote for with 100,000 tokens (reason: {reason})."
    )
    (cast,) = governor.events.VoteCast().get_logs(
        from_block=m.deployment.block_number, argument_filters={"voter": alice}
    )
    assert (cast["args"]["proposalId"], cast["args"]["support"]) == (pid, 1)
    assert (cast["args"]["weight"], cast["args"]["reason"]) == (ALICE_VOTES, reason)
    assert governor.functions.proposalVotes(pid).call() == [0, ALICE_VOTES, 0]

    mine(m, VOTING_PERIOD_BLOCKS)  # the vote closes: alice's 10 % beats the 4 % quorum
    connect(page, m, "/governance", f'.proposal[data-proposal="{pid}"] .badge.Succeeded')
    card.locator(".queue-button").click()
    assert notice_of(page, "status") == f"Proposal {short(str(pid))} queued in the timelock."
    assert governor.functions.state(pid).call() == ProposalState.QUEUED
    queued_at = int(m.w3.eth.get_block("latest")["timestamp"])
    assert governor.functions.proposalEta(pid).call() == queued_at + TIMELOCK_DELAY_S
    card.locator(".badge.Queued").wait_for()
    card.locator(".execute-button").click()
    refusal = notice_of(page, "status")
    assert refusal.startswith("proposal "), refusal
    assert "is queued; the timelock lets it execute from" in refusal
    assert len(sent_to(wallet)) == 2  # the vote and the queue; the refused execute sent nothing

    m.w3.provider.make_request("evm_increaseTime", [TIMELOCK_DELAY_S + 1])  # type: ignore[arg-type]
    mine(m, 1)
    connect(page, m, "/governance", f'.proposal[data-proposal="{pid}"] .execute-button')
    card.locator(".execute-button").click()
    assert notice_of(page, "status") == f"Proposal {short(str(pid))} executed."
    assert governor.functions.state(pid).call() == ProposalState.EXECUTED
    assert m.view("MarketParameters", "feeBps") == 25
    assert m.view("CapacityToken", "balanceOf", guardian) == guardian_before + 500 * MILLI
    assert m.view("CapacityToken", "balanceOf", treasury) == treasury_before - 500 * MILLI
    assert sent_to(wallet) == [governor.address.lower()] * 3
    card.locator(".badge.Executed").wait_for()
    screenshot(page, "governance-executed")


def test_votes_are_delegated_to_another_address_and_taken_back(
    page: Any, chain_state: WebMarket, wallet: DevWallet
) -> None:
    m = chain_state
    alice, guardian = m.address("alice"), m.address("guardian")
    votes = m.contract("GovernanceToken").functions
    assert (votes.getVotes(alice).call(), votes.getVotes(guardian).call()) == (ALICE_VOTES, 0)
    delegate = f"{m.url}/v1/web/governance/delegate-tx/{alice}"

    connect(page, m, "/governance", "#delegate-other-button")
    page.click("#delegate-other-button")  # nothing entered: nothing asked of the wallet
    assert notice_of(page, "status") == "delegatee: enter the address that your votes should go to"
    page.fill("#delegate-to", guardian)
    page.click("#delegate-other-button")
    assert notice_of(page, "status") == f"Votes delegated to {guardian}."
    assert votes.delegates(alice).call() == guardian
    assert (votes.getVotes(alice).call(), votes.getVotes(guardian).call()) == (0, ALICE_VOTES)
    again = page.request.post(delegate, data={"delegatee": guardian})
    assert again.status == 409
    assert again.json()["message"] == f"your votes are already delegated to {guardian}"
    bad = page.request.post(delegate, data={"delegatee": "0x1234"})
    assert bad.status == 422 and bad.json()["field"] == "delegatee", bad.json()

    page.click("#delegate-button")  # "Delegate to myself", shown while the votes are away
    assert notice_of(page, "status") == "Votes delegated to yourself."
    assert votes.delegates(alice).call() == alice
    assert (votes.getVotes(alice).call(), votes.getVotes(guardian).call()) == (ALICE_VOTES, 0)
    token = m.deployment.addresses["GovernanceToken"].lower()
    assert sent_to(wallet) == [token, token]
    screenshot(page, "governance-delegate")
