"""Chain reads for the web pages: governance proposals and votes, collateral warnings,
weekly settlement, revenue shares; and the plans of the pages' wallet actions.

Implements `flowmarket.web.ChainView` over web3 (read-only: no key). The server never
sends a transaction for a participant: each action answers the plan of the `flowmarket`
command (`flowmarket.actions`), whose transactions the participant's wallet sends with
`eth_sendTransaction`. `lazy_chain_view.LazyChainView` connects it on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.contract import Contract

from flowmarket.actions import collateral, governance, revenue
from flowmarket.actions.actor import Actor
from flowmarket.actions.plan import Plan
from flowmarket.api.settlement_backend import SettlementProofs
from flowmarket.backend import wallet_view
from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.deploy import Deployment
from flowmarket.chain.requirements import read_requirements
from flowmarket.collateral import CollateralParams, classify
from flowmarket.errors import ChainUnavailable
from flowmarket.money import from_wad
from flowmarket.states import ProposalState, VoteSupport
from flowmarket.web.schemas import (
    ActionOut,
    CollateralOut,
    GovernanceOut,
    PlanOut,
    ProposalIn,
    ProposalOut,
    RevenueOut,
    SettlementOut,
    TxOut,
    VoteIn,
    VoterOut,
)


@dataclass(frozen=True)
class ChainMarketView:
    """Reads the deployed market at `rpc_url`."""

    w3: Web3
    deployment: Deployment
    artifacts: ArtifactSet
    state_dir: Path | None = None

    @classmethod
    def connect(
        cls,
        rpc_url: str,
        deployment: Deployment,
        artifacts: ArtifactSet,
        state_dir: Path | None = None,
    ) -> ChainMarketView:
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
        try:
            chain_id = int(w3.eth.chain_id)
        except Exception as exc:  # requests' and web3's connection errors
            raise ChainUnavailable(f"cannot reach the node at {rpc_url}: {exc}") from None
        deployment.require_chain(chain_id)
        return cls(w3, deployment, artifacts, state_dir)

    def contract(self, name: str) -> Contract:
        address = Web3.to_checksum_address(self.deployment.addresses[name])
        return self.w3.eth.contract(address=address, abi=self.artifacts[name].abi)

    def _describe(self, target: str, calldata: bytes) -> ActionOut:
        for name, address in self.deployment.addresses.items():
            if address.lower() == target.lower() and name in self.artifacts:
                try:
                    function, args = self.contract(name).decode_function_input(calldata)
                except ValueError:
                    break
                shown = ", ".join(f"{value}" for value in args.values())
                return ActionOut(target=target, contract=name, call=f"{function.fn_name}({shown})")
        return ActionOut(target=target, contract="", call="0x" + calldata.hex())

    def _proposal(self, governor: Contract, event: Any) -> ProposalOut:
        args = event["args"]
        proposal_id = int(args["proposalId"])
        against, for_, abstain = governor.functions.proposalVotes(proposal_id).call()
        snapshot = int(args["voteStart"])
        current = int(self.w3.eth.block_number)
        quorum = governor.functions.quorum(min(snapshot, current - 1)).call()
        return ProposalOut(
            proposal_id=str(proposal_id),
            proposer=args["proposer"],
            description=args["description"],
            state=ProposalState(governor.functions.state(proposal_id).call()).label,
            snapshot_block=snapshot,
            deadline_block=int(args["voteEnd"]),
            votes_for=str(for_),
            votes_against=str(against),
            votes_abstain=str(abstain),
            quorum=str(quorum),
            eta=int(governor.functions.proposalEta(proposal_id).call()),
            actions=[
                self._describe(target, bytes(data))
                for target, data in zip(args["targets"], args["calldatas"], strict=True)
            ],
        )

    def governance(self) -> GovernanceOut:
        governor = self.contract("MarketGovernor")
        events = governor.events.ProposalCreated.get_logs(from_block=self.deployment.block_number)
        proposals = [self._proposal(governor, event) for event in events]
        return GovernanceOut(
            governor=governor.address,
            token=self.contract("GovernanceToken").address,
            block_number=int(self.w3.eth.block_number),
            voting_delay_blocks=int(governor.functions.votingDelay().call()),
            voting_period_blocks=int(governor.functions.votingPeriod().call()),
            proposals=proposals[::-1],
        )

    def voter(self, address: str) -> VoterOut:
        token = self.contract("GovernanceToken")
        governor = self.contract("MarketGovernor")
        events = governor.events.ProposalCreated.get_logs(from_block=self.deployment.block_number)
        voted = {
            str(e["args"]["proposalId"]): bool(
                governor.functions.hasVoted(e["args"]["proposalId"], address).call()
            )
            for e in events
        }
        return VoterOut(
            address=address,
            balance=str(token.functions.balanceOf(address).call()),
            votes=str(token.functions.getVotes(address).call()),
            delegate=token.functions.delegates(address).call(),
            voted=voted,
        )

    def vote_plan(self, address: str, vote: VoteIn) -> PlanOut:
        """Cast `address`'s vote (with its reason, when given) as `flowmarket governance
        vote` does; a closed vote is refused by the estimate (409)."""
        return plan_out(
            governance.vote_plan(
                self._actor(address), vote.proposal_id, VoteSupport(vote.support), vote.reason
            )
        )

    def delegate_plan(self, address: str, delegatee: str | None) -> PlanOut:
        """Delegate `address`'s governance votes to `delegatee` (itself when None)."""
        return plan_out(governance.delegate_plan(self._actor(address), delegatee))

    def queue_plan(self, address: str, proposal_id: str) -> PlanOut:
        """Queue a succeeded proposal in the timelock, sent by `address`."""
        return plan_out(governance.queue_plan(self._actor(address), proposal_id))

    def execute_plan(self, address: str, proposal_id: str) -> PlanOut:
        """Execute a queued proposal whose timelock delay has passed, sent by `address`."""
        return plan_out(governance.execute_plan(self._actor(address), proposal_id))

    def collateral(self, address: str) -> CollateralOut:
        """The vault's collateral and requirement (the published leaf of the latest root,
        plus any open settlement debt), classified by the oracle's rule
        (`flowmarket.collateral.classify`), restriction included."""
        vault = self.contract("CollateralVault").functions
        raw = self.contract("MarketParameters").functions.collateralParams().call()
        state = classify(
            address,
            collateral=int(vault.collateralOf(address).call()),
            required=self.requirement(address),
            params=CollateralParams.from_chain(raw),
            restricted=bool(
                self.contract("WeeklySettlement").functions.isRestricted(address).call()
            ),
        )
        return CollateralOut(
            address=address,
            collateral=str(state.collateral),
            requirement=str(state.requirement),
            excess=str(max(state.excess, 0)),
            collateral_tokens=from_wad(state.collateral),
            requirement_tokens=from_wad(state.requirement),
            warning_buffer_bps=state.warning_buffer_bps,
            status=state.state,
            message=state.message,
        )

    def requirement(self, address: str) -> int:
        """The participant's requirement (wei) under the vault's latest root, from the
        oracle's published requirements file (0 when it has no leaf); the open settlement
        debt the vault records is added, as it locks the collateral too."""
        vault = self.contract("CollateralVault").functions
        debt = int(vault.debtOf(address).call())
        hour, _count, root = vault.requirements().call()
        if bytes(root) == bytes(32) or self.state_dir is None:
            return debt
        published = read_requirements(self.state_dir, int(hour))
        return debt + (published or {}).get(Web3.to_checksum_address(address), 0)

    def deposit_plan(self, address: str, amount: int) -> PlanOut:
        """The collateral deposit of `amount` wei as `address` (approval when short, then
        the deposit), checked as the CLI checks it; refusals raise `ActionRefused`."""
        actor = Actor.reading(self.w3, self.deployment, self.artifacts, address)
        return plan_out(collateral.deposit_plan(actor, amount))

    def _actor(self, address: str) -> Actor:
        return Actor.reading(self.w3, self.deployment, self.artifacts, address)

    def settlement(self, address: str, proofs: SettlementProofs | None) -> SettlementOut:
        """`address`'s proven leaf of every posted week and what it can do about each."""
        return wallet_view.settlement_out(self._actor(address), proofs)

    def pay_plan(self, address: str, week: int, proofs: SettlementProofs | None) -> PlanOut:
        """Pay (or cure) `address`'s debit of `week`: allowance when short, then the pull."""
        return plan_out(wallet_view.pay_plan(self._actor(address), week, proofs))

    def collect_plan(self, address: str, week: int, proofs: SettlementProofs | None) -> PlanOut:
        """Collect what is due now on `address`'s credit of `week`."""
        return plan_out(wallet_view.collect_plan(self._actor(address), week, proofs))

    def withdraw_plan(self, address: str, amount: int, proofs: SettlementProofs | None) -> PlanOut:
        """Withdraw `amount` wei of collateral with the proof of `address`'s requirement;
        refused while the vault records settlement debt (naming the week to pay)."""
        return plan_out(wallet_view.withdraw_plan(self._actor(address), amount, proofs))

    def revenue(self, address: str) -> RevenueOut:
        """The open revenue epoch and `address`'s shares of the closed ones."""
        return wallet_view.revenue_out(self._actor(address))

    def claim_plan(self, address: str) -> PlanOut:
        """Claim `address`'s share of every closed epoch that has one."""
        return plan_out(revenue.claim_plan(self._actor(address)))

    def close_plan(self, address: str) -> PlanOut:
        """Close the open revenue epoch (anyone may, once its duration has passed)."""
        return plan_out(revenue.close_plan(self._actor(address)))

    def propose_plan(self, address: str, proposal: ProposalIn) -> PlanOut:
        """Propose the form's typed changes as `address` (each simulated as the timelock)."""
        return plan_out(wallet_view.propose_plan(self._actor(address), proposal))


def plan_out(plan: Plan) -> PlanOut:
    """A plan as the page's wallet sends it: each step's target, calldata and label."""
    return PlanOut(
        action=plan.action,
        facts=list(plan.facts),
        steps=[TxOut(to=s.to, data=s.data, description=s.label) for s in plan.steps],
    )
