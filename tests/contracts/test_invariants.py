"""Hypothesis stateful tests against the real contracts on the local node.

Each example starts from an `evm_snapshot` and reverts at its end. A Python model runs
beside the chain; every rule predicts the contract's answer (success or the named
custom error) and every invariant compares model and chain:

- capacity-token conservation: the supply equals the sum over every holder, and no
  rule (except minting, which these machines never do) changes it;
- settlement sums to zero after fees: debits collected = credits paid + fees, and the
  settlement contract holds exactly the week's collected-but-unspent funds; a week
  never collects more than its debits nor pays out more than it collected;
- a credit is paid pro rata to what the week collected and never beyond its leaf;
- collateral is never withdrawn below the requirement its root proves, and a failed pull
  is recorded as debt in the vault until paid or seized.
"""

from __future__ import annotations

from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from market_harness import PARTICIPANTS, TOKEN, Market, make_clients
from settlement_harness import (
    build_week,
    deposit_collateral,
    post_requirements,
    post_root,
    requirement_items,
    week_record,
)

from flowmarket.chain import leaves
from flowmarket.errors import TransactionReverted
from flowmarket.states import LeafStatus

GRACE_S = 24 * 3600
CHALLENGE_S = 120
FIRST_REQUIREMENTS_HOUR = 400_000  # a closed Unix hour; each example counts up from it
HOLDERS = (*PARTICIPANTS, "deployer", "oracle", "supplier")
CONTRACT_HOLDERS = (
    "CollateralVault",
    "WeeklySettlement",
    "RevenueDistributor",
    "MarketTimelock",
    "OracleBond",
)
ACTORS = ("alice", "bob")
# Examples per machine by Hypothesis profile (tests/conftest.py): CI runs the fixed-seed
# `ci` set, `deep` a hundred times as many fresh random ones. Each example is ~40
# transactions and ~350 calls on the Hardhat node: measured 13 s (collateral) and 45 s
# (settlement) per example at load average 11 on the shared 2-core machine, 9 s at 3.5.
EXAMPLES = {"ci": 20, "deep": 2_000}
MACHINE_SETTINGS = settings(
    max_examples=EXAMPLES[settings.get_current_profile_name()],
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class ChainMachine(RuleBasedStateMachine):
    """Snapshot on start, revert on teardown; fresh clients so nonces restart."""

    market: ClassVar[Market]

    def __init__(self) -> None:
        super().__init__()
        m = self.market
        self.snapshot = m.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        rpc_url = str(m.w3.provider.endpoint_uri)  # type: ignore[attr-defined]
        m.clients = make_clients(rpc_url, m.keys, m.artifacts)
        self.supply = int(m.view("CapacityToken", "totalSupply"))
        self.start = {w: m.balance(w) for w in HOLDERS}

    def teardown(self) -> None:
        reverted = self.market.w3.provider.make_request("evm_revert", [self.snapshot])  # type: ignore[arg-type]
        assert reverted["result"] is True

    def outcome(self, who: str, name: str, function: str, *args: Any) -> str:
        """'ok' or the custom error's name."""
        try:
            self.market.send(who, name, function, *args)
        except TransactionReverted as exc:
            assert exc.error, f"a revert without a known custom error: {exc}"
            return exc.error
        return "ok"

    @invariant()
    def capacity_tokens_are_conserved(self) -> None:
        m = self.market
        held = sum(m.balance(w) for w in (*HOLDERS, *CONTRACT_HOLDERS))
        assert m.view("CapacityToken", "totalSupply") == self.supply == held


class CollateralMachine(ChainMachine):
    """Two actors, so deposits, requirement roots and withdrawals collide often. Every
    posted root carries both actors' requirements; a withdrawal proves its actor's leaf."""

    def __init__(self) -> None:
        super().__init__()
        self.collateral = dict.fromkeys(PARTICIPANTS, 0)
        self.requirement = dict.fromkeys(ACTORS, 0)
        self.hour = FIRST_REQUIREMENTS_HOUR

    @initialize(
        deposits=st.lists(st.integers(1, 900), min_size=2, max_size=2),
        requirements=st.lists(st.integers(0, 400), min_size=2, max_size=2),
    )
    def fund_the_vault(self, deposits: list[int], requirements: list[int]) -> None:
        """Start every example with collateral and requirements, so that even a short
        run of steps withdraws against a real requirement."""
        for who, amount, requirement in zip(ACTORS, deposits, requirements, strict=True):
            self.deposit(who, amount)
            self.set_requirement(who, requirement)

    @rule(who=st.sampled_from(ACTORS), amount=st.integers(1, 1_200))
    def deposit(self, who: str, amount: int) -> None:
        wei = amount * TOKEN
        self.market.approve(who, "CollateralVault", wei)
        expected = "ok" if wei <= self.market.balance(who) else "ERC20InsufficientBalance"
        assert self.outcome(who, "CollateralVault", "deposit", wei) == expected
        if expected == "ok":
            self.collateral[who] += wei

    @rule(who=st.sampled_from(ACTORS), offset=st.integers(-100, 100))
    def withdraw(self, who: str, offset: int) -> None:
        # Aim near the edge: the excess over the requirement, give or take 100 tokens.
        excess = self.collateral[who] - self.requirement[who]
        wei = max(1, excess + offset * TOKEN)
        if wei > self.collateral[who]:
            expected = "VaultInsufficientCollateral"
        elif self.collateral[who] - wei < self.requirement[who]:
            expected = "VaultBelowRequirement"
        else:
            expected = "ok"
        proof = requirement_items(self.market, self.requirement, who)
        assert self.outcome(who, "CollateralVault", "withdraw", wei, proof) == expected
        if expected == "ok":
            self.collateral[who] -= wei
            address = self.market.address(who)
            left = self.market.view("CollateralVault", "collateralOf", address)
            assert left >= self.market.view("CollateralVault", "requirementOf", address, proof)

    @rule(who=st.sampled_from(ACTORS), amount=st.integers(0, 400))
    def set_requirement(self, who: str, amount: int) -> None:
        self.requirement[who] = amount * TOKEN
        self.hour += 1
        post_requirements(self.market, self.hour, self.requirement)

    @rule(
        sender=st.sampled_from(ACTORS),
        to=st.sampled_from(ACTORS),
        amount=st.integers(0, 300),
    )
    def transfer(self, sender: str, to: str, amount: int) -> None:
        wei = min(amount * TOKEN, self.market.balance(sender))
        self.market.send(sender, "CapacityToken", "transfer", self.market.address(to), wei)

    @invariant()
    def vault_matches_the_model_and_holds_every_deposit(self) -> None:
        m = self.market
        for who in PARTICIPANTS:
            assert m.view("CollateralVault", "collateralOf", m.address(who)) == self.collateral[who]
        total = sum(self.collateral.values())
        assert m.view("CollateralVault", "totalCollateral") == total == m.balance("CollateralVault")


class SettlementMachine(ChainMachine):
    """One random balanced week: pulls, defaults, seizures, pro-rata credits and fees."""

    def __init__(self) -> None:
        super().__init__()
        self.week: leaves.SettlementWeek | None = None
        self.status = dict.fromkeys(PARTICIPANTS, LeafStatus.UNSETTLED)
        self.done = dict.fromkeys(PARTICIPANTS, 0)
        self.outstanding = dict.fromkeys(PARTICIPANTS, 0)
        self.grace_end = dict.fromkeys(PARTICIPANTS, 0)
        self.allowance = dict.fromkeys(PARTICIPANTS, 0)
        self.collateral = dict.fromkeys(PARTICIPANTS, 0)
        self.collected = self.defaulted = self.paid = self.forwarded = 0
        self.debits = 0

    @initialize(
        first=st.lists(st.integers(-400, 400), min_size=3, max_size=3),
        fees=st.integers(0, 5),
        allowances=st.lists(st.integers(0, 600), min_size=4, max_size=4),
        collateral=st.lists(st.booleans(), min_size=4, max_size=4),
    )
    def post_week(
        self, first: list[int], fees: int, allowances: list[int], collateral: list[bool]
    ) -> None:
        """Post a random balanced week; give each participant a random allowance and
        maybe collateral, so short runs already mix pulls, defaults and seizures."""
        for who, allowance, deposit in zip(PARTICIPANTS, allowances, collateral, strict=True):
            self.approve(who, allowance)
            if deposit:
                self.deposit_collateral(who)
        m = self.market
        amounts = [a * TOKEN for a in first]
        amounts.append(-fees * TOKEN - sum(amounts))
        self.amount = dict(zip(PARTICIPANTS, amounts, strict=True))
        self.fees = fees * TOKEN
        week = build_week(m, self.amount, self.fees)
        self.debits = week.total_debits
        post_root(m, week)
        m.advance(CHALLENGE_S)
        self.week = week

    def share(self, amount: int) -> int:
        return amount * self.collected // self.debits if self.debits else 0

    def available(self) -> int:
        return self.collected - self.paid - self.forwarded

    @rule(who=st.sampled_from(PARTICIPANTS), amount=st.integers(0, 1_200))
    def approve(self, who: str, amount: int) -> None:
        self.market.approve(who, "WeeklySettlement", amount * TOKEN)
        self.allowance[who] = amount * TOKEN

    @rule(who=st.sampled_from(PARTICIPANTS))
    def deposit_collateral(self, who: str) -> None:
        wei = min(150 * TOKEN, self.market.balance(who))
        if wei == 0:
            return
        deposit_collateral(self.market, who, wei)
        self.collateral[who] += wei

    @rule(who=st.sampled_from(PARTICIPANTS), caller=st.sampled_from(PARTICIPANTS))
    def execute(self, who: str, caller: str) -> None:
        assert self.week is not None
        m, address = self.market, self.market.address(who)
        expected = self.predict_execute(who)
        item = self.week.item(address).as_tuple()
        got = self.outcome(caller, "WeeklySettlement", "executeSettlement", 0, item)
        assert got == expected, (who, self.amount[who], got, expected)
        if expected == "ok" and self.status[who] == LeafStatus.DEFAULTED:  # it just defaulted
            self.grace_end[who] = m.view("WeeklySettlement", "graceEndsAt", 0, address)

    def predict_execute(self, who: str) -> str:
        amount, status = self.amount[who], self.status[who]
        if status == LeafStatus.SETTLED:
            return "SettlementAlreadySettled"
        if amount > 0:
            due = self.share(amount) - self.done[who]
            if due == 0:
                return "SettlementNothingDue"
            self.done[who] += due
            self.paid += due
            done = self.done[who] == amount
            self.status[who] = LeafStatus.SETTLED if done else LeafStatus.CREDITING
            return "ok"
        if amount == 0:
            self.status[who] = LeafStatus.SETTLED
            return "ok"
        retry = status == LeafStatus.DEFAULTED
        owed = self.outstanding[who] if retry else -amount
        if self.allowance[who] >= owed and self.market.balance(who) >= owed:
            self.allowance[who] -= owed
            self.collected += owed
            self.defaulted -= owed if retry else 0
            self.outstanding[who] = 0
            self.status[who] = LeafStatus.SETTLED
            return "ok"
        if retry:
            return "SettlementTransferFailed"
        self.status[who] = LeafStatus.DEFAULTED
        self.outstanding[who] = owed  # grace_end is read back in `execute`
        self.defaulted += owed
        return "ok"

    @rule()
    def wait_out_the_grace_period(self) -> None:
        self.market.advance(GRACE_S)

    @rule(who=st.sampled_from(PARTICIPANTS))
    def seize(self, who: str) -> None:
        if self.status[who] != LeafStatus.DEFAULTED:
            expected = "SettlementNotDefaulted"
        elif self.market.now() + 1 < self.grace_end[who]:
            expected = "SettlementGraceNotOver"
        else:
            expected = "ok"
        assert (
            self.outcome("dave", "WeeklySettlement", "seize", 0, self.market.address(who))
            == expected
        )
        if expected == "ok":
            seized = min(self.outstanding[who], self.collateral[who])
            self.collateral[who] -= seized
            self.outstanding[who] -= seized
            self.collected += seized
            self.defaulted -= seized
            if self.outstanding[who] == 0:
                self.status[who] = LeafStatus.SETTLED

    @rule()
    def forward_fees(self) -> None:
        due = self.share(self.fees) - self.forwarded
        expected = "ok" if due > 0 else "SettlementNothingDue"
        assert self.outcome("dave", "WeeklySettlement", "forwardFees", 0) == expected
        self.forwarded += due

    @invariant()
    def leaf_states_match_the_model(self) -> None:
        m = self.market
        for who in PARTICIPANTS:
            address = m.address(who)
            assert m.view("WeeklySettlement", "leafStatus", 0, address) == self.status[who]
            assert m.view("WeeklySettlement", "outstandingOf", 0, address) == self.outstanding[who]
            assert m.view("CollateralVault", "debtOf", address) == self.outstanding[who]

    @invariant()
    def the_week_holds_exactly_what_it_collected_and_did_not_spend(self) -> None:
        if self.week is None:
            return
        m = self.market
        record = week_record(m, 0)
        assert (record["collected"], record["defaulted"]) == (self.collected, self.defaulted)
        assert (record["paidOut"], record["feesForwarded"]) == (self.paid, self.forwarded)
        assert m.balance("WeeklySettlement") == self.available() >= 0
        assert self.collected + self.defaulted <= record["totalDebits"]
        assert self.paid <= record["totalCredits"] and self.forwarded <= record["fees"]

    @invariant()
    def no_leaf_is_paid_beyond_its_amount_and_all_settled_sums_to_zero_after_fees(self) -> None:
        if self.week is None:
            return
        m = self.market
        deltas = {w: m.balance(w) - self.start[w] for w in PARTICIPANTS}
        for who in PARTICIPANTS:
            if self.amount[who] > 0:
                assert self.done[who] <= self.amount[who]
                assert deltas[who] == self.done[who] - self.collateral[who]
        # Participants' net flow (wallet change plus what still sits in the vault) is what
        # the week paid them minus what it collected from them, pulled or seized.
        net = sum(deltas.values()) + sum(self.collateral.values())
        assert net == self.paid - self.collected
        settled = all(s == LeafStatus.SETTLED for s in self.status.values())
        if settled and self.forwarded == self.fees:
            assert net == -self.fees
            assert m.balance("WeeklySettlement") == 0
            assert m.view("RevenueDistributor", "pendingRevenue") == self.fees


def test_collateral_and_conservation_invariants_hold(market: Market) -> None:
    CollateralMachine.market = market
    run_state_machine_as_test(CollateralMachine, settings=MACHINE_SETTINGS)


def test_settlement_invariants_hold(market: Market) -> None:
    SettlementMachine.market = market
    run_state_machine_as_test(SettlementMachine, settings=MACHINE_SETTINGS)
