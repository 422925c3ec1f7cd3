"""The chain view `flowmarket serve` mounts: `ChainMarketView` (`governance_view`) over the
deployment file, the artifacts and the settings' node, connected on first use so the
server starts even when the node comes up later.
"""

from __future__ import annotations

from collections.abc import Callable

from flowmarket.api.settlement_backend import SettlementProofs
from flowmarket.backend.governance_view import ChainMarketView
from flowmarket.chain.build import load_artifacts
from flowmarket.chain.deploy import load_deployment
from flowmarket.chain.node import resolve_rpc_url
from flowmarket.config import Settings
from flowmarket.web.schemas import (
    CollateralOut,
    GovernanceOut,
    PlanOut,
    ProposalIn,
    RevenueOut,
    SettlementOut,
    VoteIn,
    VoterOut,
)


class LazyChainView:
    """A `ChainView` that connects on first use (deployment file, artifacts, node)."""

    def __init__(self, connect: Callable[[], ChainMarketView]) -> None:
        self._connect = connect
        self._view: ChainMarketView | None = None

    def _get(self) -> ChainMarketView:
        if self._view is None:
            self._view = self._connect()
        return self._view

    def governance(self) -> GovernanceOut:
        return self._get().governance()

    def voter(self, address: str) -> VoterOut:
        return self._get().voter(address)

    def vote_plan(self, address: str, vote: VoteIn) -> PlanOut:
        return self._get().vote_plan(address, vote)

    def delegate_plan(self, address: str, delegatee: str | None) -> PlanOut:
        return self._get().delegate_plan(address, delegatee)

    def queue_plan(self, address: str, proposal_id: str) -> PlanOut:
        return self._get().queue_plan(address, proposal_id)

    def execute_plan(self, address: str, proposal_id: str) -> PlanOut:
        return self._get().execute_plan(address, proposal_id)

    def collateral(self, address: str) -> CollateralOut:
        return self._get().collateral(address)

    def deposit_plan(self, address: str, amount: int) -> PlanOut:
        return self._get().deposit_plan(address, amount)

    def settlement(self, address: str, proofs: SettlementProofs | None) -> SettlementOut:
        return self._get().settlement(address, proofs)

    def pay_plan(self, address: str, week: int, proofs: SettlementProofs | None) -> PlanOut:
        return self._get().pay_plan(address, week, proofs)

    def collect_plan(self, address: str, week: int, proofs: SettlementProofs | None) -> PlanOut:
        return self._get().collect_plan(address, week, proofs)

    def withdraw_plan(self, address: str, amount: int, proofs: SettlementProofs | None) -> PlanOut:
        return self._get().withdraw_plan(address, amount, proofs)

    def revenue(self, address: str) -> RevenueOut:
        return self._get().revenue(address)

    def claim_plan(self, address: str) -> PlanOut:
        return self._get().claim_plan(address)

    def close_plan(self, address: str) -> PlanOut:
        return self._get().close_plan(address)

    def propose_plan(self, address: str, proposal: ProposalIn) -> PlanOut:
        return self._get().propose_plan(address, proposal)


def chain_connector(settings: Settings) -> Callable[[], ChainMarketView]:
    """Connects to the market of the deployment file through the settings' node."""

    def connect() -> ChainMarketView:
        deployment = load_deployment(settings)
        return ChainMarketView.connect(
            resolve_rpc_url(settings), deployment, load_artifacts(settings), settings.state_dir
        )

    return connect


def chain_view_from_settings(settings: Settings) -> LazyChainView:
    """The view `flowmarket serve` mounts: deployment file + artifacts + the node."""
    return LazyChainView(chain_connector(settings))
