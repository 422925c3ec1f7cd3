// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClearingLedger} from "../interfaces/IClearingLedger.sol";
import {ICollateralVault} from "../interfaces/ICollateralVault.sol";
import {IWeeklySettlement} from "../interfaces/IWeeklySettlement.sol";
import {ClearingLedger} from "../market/ClearingLedger.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {SortedTree} from "../libraries/SortedTree.sol";

/// @notice The attacks of the settlement review (docs/threat-model.md), each written so that
/// it fails while the attack works and passes once the contracts stop it. Every one of them
/// failed against the contracts as reviewed (the interfaces differed: the same scenarios, in
/// the old calls).
contract AttacksTest is MarketFixture {
    // Increasing addresses, so a test's tree lists them in this order.
    address internal constant CREDITOR = address(0xC0);
    address internal constant CREDITOR2 = address(0xC2);
    address internal constant DEBTOR = address(0xD0);
    address internal constant VICTIM = address(0xF1);

    function setUp() public {
        _deployMarket();
        _commitWeek();
        address[4] memory people = [DEBTOR, CREDITOR, CREDITOR2, VICTIM];
        for (uint256 i = 0; i < 4; ++i) token.mint(people[i], 1_000e18);
    }

    function _deposit(address who, uint256 amount) internal {
        vm.startPrank(who);
        token.approve(address(vault), amount);
        vault.deposit(amount);
        vm.stopPrank();
    }

    function _approveSettlement(address who) internal {
        vm.prank(who);
        token.approve(address(settlement), type(uint256).max);
    }

    function _pair(address a, int256 x, address b, int256 y)
        internal
        pure
        returns (address[] memory who, int256[] memory amounts)
    {
        who = new address[](2);
        amounts = new int256[](2);
        (who[0], who[1], amounts[0], amounts[1]) = (a, b, x, y);
    }

    /// @dev Week 0: CREDITOR +100, DEBTOR −100; DEBTOR's pull fails (no allowance).
    function _debtorDefaults() internal returns (TreeBuilder.Tree memory t) {
        (address[] memory who, int256[] memory amounts) = _pair(CREDITOR, 100e18, DEBTOR, -100e18);
        uint256 credits;
        uint256 debits;
        (t, credits, debits) = _weekTree(who, amounts);
        _postAndOpen(0, t, credits, debits);
        settlement.executeSettlement(0, t.items[1]);
    }

    // 1. A debtor walks away with its collateral ------------------------------------------
    function test_attack1_debtorCannotWithdrawCollateralDuringGrace() public {
        _deposit(DEBTOR, 500e18);
        _debtorDefaults();
        vm.prank(DEBTOR);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultOpenDebt.selector, DEBTOR, 100e18));
        vault.withdraw(500e18, _noProof());
        vm.warp(block.timestamp + GRACE);
        settlement.seize(0, DEBTOR);
        assertEq(vault.collateralOf(DEBTOR), 400e18, "the debt was taken from collateral");
        assertEq(vault.debtOf(DEBTOR), 0, "nothing owed any more");
        vm.prank(DEBTOR);
        vault.withdraw(400e18, _noProof());
    }

    function test_attack1b_aCreditPaysDownOpenDebtFirst() public {
        TreeBuilder.Tree memory t0 = _debtorDefaults();
        _commitWeekAt(168);
        (address[] memory who, int256[] memory amounts) = _pair(CREDITOR2, -50e18, DEBTOR, 50e18);
        (TreeBuilder.Tree memory t1, uint256 credits, uint256 debits) = _weekTree(who, amounts);
        _postAndOpen(1, t1, credits, debits);
        _approveSettlement(CREDITOR2);
        settlement.executeSettlement(1, t1.items[0]);
        uint256 before = token.balanceOf(DEBTOR);
        settlement.executeSettlement(1, t1.items[1]);
        assertEq(token.balanceOf(DEBTOR), before, "a participant in debt was paid its credit");
        assertEq(settlement.debtOf(DEBTOR), 50e18, "the credit paid down the open debt");
        assertEq(vault.debtOf(DEBTOR), 50e18, "the vault knows the debt");
        // Week 0's creditor now receives what the credit paid down: half of its 100.
        settlement.executeSettlement(0, t0.items[0]);
        assertEq(token.balanceOf(CREDITOR), 1_050e18, "week 0's creditor is paid what was recovered");
    }

    // 2. A compromised oracle key inflates a weekly leaf ------------------------------------
    /// @dev Week 1: hour 173 committed VICTIM −10 and CREDITOR +10. The oracle posts VICTIM
    /// −500 / CREDITOR +500 (the right hour bit). VICTIM proves the sum wrong in the window.
    function test_attack2_inflatedWeeklyLeafIsChallengedAndTheBondSlashed() public {
        (IWeeklySettlement.HourEntry memory ec, IWeeklySettlement.HourEntry memory ev) =
            _commitWeekWithEntries(168, 173, CREDITOR, 10e18, VICTIM, -10e18);
        _approveSettlement(VICTIM);
        (address[] memory who, int256[] memory amounts) = _pair(CREDITOR, 500e18, VICTIM, -500e18);
        uint256[] memory bits = new uint256[](2);
        (bits[0], bits[1]) = (1 << 5, 1 << 5);
        (TreeBuilder.Tree memory t, uint256 credits, uint256 debits) = _weekTreeHours(who, amounts, bits);
        vm.prank(ORACLE);
        settlement.postSettlementRoot(1, TreeBuilder.root(t), 2, credits, debits, 0);

        // The honest creditor's own leaf is not a fault: 10 is not 500 for it either, but a
        // wrong claim (its entry as VICTIM's) is refused.
        IWeeklySettlement.HourEntry[] memory evidence = new IWeeklySettlement.HourEntry[](1);
        evidence[0] = ec;
        vm.expectRevert(
            abi.encodeWithSelector(IWeeklySettlement.SettlementNotAFault.selector, 1, IWeeklySettlement.Fault.LeafSum)
        );
        settlement.challengeLeafSum(1, t.items[1], evidence);

        evidence[0] = ev;
        uint256 before = token.balanceOf(VICTIM);
        vm.prank(VICTIM);
        settlement.challengeLeafSum(1, t.items[1], evidence);
        assertEq(token.balanceOf(VICTIM), before + BOND, "the challenger is paid the bond");
        assertEq(bond.bonded(), 0, "the bond is slashed");
        assertTrue(settlement.weekRoot(1).root == bytes32(0), "the root is void");

        vm.warp(block.timestamp + CHALLENGE);
        vm.expectRevert(abi.encodeWithSelector(IWeeklySettlement.SettlementRootMissing.selector, 1));
        settlement.executeSettlement(1, t.items[1]);
        assertEq(token.balanceOf(VICTIM), before + BOND, "the victim is never debited");
        // An unbonded oracle cannot post again until the operator restakes.
        vm.prank(ORACLE);
        vm.expectRevert(abi.encodeWithSelector(IWeeklySettlement.SettlementOracleUnbonded.selector, 0, BOND));
        settlement.postSettlementRoot(1, TreeBuilder.root(t), 2, credits, debits, 0);
    }

    // 3. One block of holding earns a whole revenue epoch ---------------------------------
    function test_attack3_holdingForOneBlockEarnsAlmostNothing() public {
        address attacker = address(0xBAD);
        token.mint(address(this), 100e18);
        token.approve(address(distributor), 100e18);
        distributor.depositRevenue(100e18);
        vm.warp(block.timestamp + 1 hours);
        vm.roll(block.number + 100);
        // The attacker borrows half the governance supply for one block (12 s) around the close.
        assertTrue(governance.transfer(attacker, 5e23), "borrow");
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
        distributor.closeEpoch();
        vm.prank(attacker);
        assertTrue(governance.transfer(address(this), 5e23), "repay");
        uint256 share = distributor.claimable(0, attacker);
        // 80 % of 100 tokens go to holders; 12 s of half the supply over a 3 612 s epoch is
        // 80e18 × (5e23 × 12) / (1e24 × 3 612) = 0.1329… tokens, by hand.
        assertEq(share, 132_890_365_448_504_983, "the attacker earns its 12 seconds, no more");
        assertEq(
            distributor.claimable(0, address(this)),
            80e18 - 132_890_365_448_504_983 - 1,
            "the holder earns the rest (one wei of rounding stays)"
        );
    }

    // 4. Collected can exceed the week's total debits, and the next pull is uncapped --------
    function test_attack4_collectedNeverExceedsTotalDebits() public {
        // Leaves whose debits (210) exceed the declared total (150).
        address[] memory who = new address[](4);
        int256[] memory amounts = new int256[](4);
        (who[0], who[1], who[2], who[3]) = (CREDITOR, CREDITOR2, DEBTOR, VICTIM);
        (amounts[0], amounts[1], amounts[2], amounts[3]) = (150e18, -100e18, -100e18, -10e18);
        (TreeBuilder.Tree memory t,,) = _weekTree(who, amounts);
        _postAndOpen(0, t, 150e18, 150e18);
        _deposit(DEBTOR, 100e18);
        settlement.executeSettlement(0, t.items[2]); // DEBTOR defaults: 100 reserved
        _approveSettlement(CREDITOR2);
        try settlement.executeSettlement(0, t.items[1]) {} catch {}
        vm.warp(block.timestamp + GRACE);
        settlement.seize(0, DEBTOR);
        _approveSettlement(VICTIM);
        try settlement.executeSettlement(0, t.items[3]) {} catch {}
        IWeeklySettlement.WeekRoot memory w = settlement.weekRoot(0);
        assertTrue(w.collected <= w.totalDebits, "the week collected more than its total debits");
    }

    // 5. A short week: the last creditor bears the whole loss, funds stay locked ----------
    function test_attack5_shortWeekIsSharedProRataAndNothingIsStranded() public {
        address[] memory who = new address[](3);
        int256[] memory amounts = new int256[](3);
        (who[0], who[1], who[2]) = (CREDITOR, CREDITOR2, DEBTOR);
        (amounts[0], amounts[1], amounts[2]) = (60e18, 40e18, -100e18);
        (TreeBuilder.Tree memory t, uint256 credits, uint256 debits) = _weekTree(who, amounts);
        _postAndOpen(0, t, credits, debits);
        _deposit(DEBTOR, 50e18); // covers half the debt
        settlement.executeSettlement(0, t.items[2]);
        vm.warp(block.timestamp + GRACE);
        settlement.seize(0, DEBTOR);
        uint256 b1 = token.balanceOf(CREDITOR);
        uint256 b2 = token.balanceOf(CREDITOR2);
        settlement.executeSettlement(0, t.items[1]);
        settlement.executeSettlement(0, t.items[0]);
        assertEq(token.balanceOf(CREDITOR) - b1, 30e18, "creditor 1 gets half of 60");
        assertEq(token.balanceOf(CREDITOR2) - b2, 20e18, "creditor 2 gets half of 40");
        assertEq(token.balanceOf(address(settlement)), 0, "nothing stays locked");
        // The debtor pays the rest later: the creditors are paid in full.
        _approveSettlement(DEBTOR);
        settlement.executeSettlement(0, t.items[2]);
        settlement.executeSettlement(0, t.items[1]);
        settlement.executeSettlement(0, t.items[0]);
        assertEq(token.balanceOf(CREDITOR) - b1, 60e18, "creditor 1 paid in full");
        assertEq(token.balanceOf(CREDITOR2) - b2, 40e18, "creditor 2 paid in full");
        assertEq(token.balanceOf(address(settlement)), 0, "nothing stays locked");
    }

    // 6. Pause does not stop the grace clock -----------------------------------------------
    function test_attack6_pauseStopsTheGraceClock() public {
        _deposit(DEBTOR, 500e18);
        _debtorDefaults();
        vm.warp(block.timestamp + 1 hours);
        vm.prank(GUARDIAN);
        params.pause();
        vm.warp(block.timestamp + 2 days);
        params.unpause(); // this test contract is the timelock
        uint64 ends = settlement.graceEndsAt(0, DEBTOR);
        assertEq(ends, uint64(block.timestamp + 23 hours), "23 hours of grace are left");
        vm.expectRevert(abi.encodeWithSelector(IWeeklySettlement.SettlementGraceNotOver.selector, 0, ends));
        settlement.seize(0, DEBTOR);
        // The debtor cures within what is left of its grace.
        _approveSettlement(DEBTOR);
        (address[] memory who, int256[] memory amounts) = _pair(CREDITOR, 100e18, DEBTOR, -100e18);
        (TreeBuilder.Tree memory t,,) = _weekTree(who, amounts);
        settlement.executeSettlement(0, t.items[1]);
        assertEq(settlement.debtOf(DEBTOR), 0, "cured");
    }

    // 7. Two leaves for one participant: a credit executed first dodges the debit ---------
    function test_attack7_twoLeavesForOneParticipantAreChallengedAsMalformed() public {
        bytes[] memory keys = new bytes[](3);
        bytes[] memory values = new bytes[](3);
        (keys[0], values[0]) = (MarketLeaves.participantKey(CREDITOR), MarketLeaves.settlementValue(150e18, 0, 0, 0));
        (keys[1], values[1]) = (MarketLeaves.participantKey(DEBTOR), MarketLeaves.settlementValue(50e18, 0, 150e18, 0));
        (keys[2], values[2]) =
            (MarketLeaves.participantKey(DEBTOR), MarketLeaves.settlementValue(-200e18, 0, 200e18, 0));
        SortedTree.Item[] memory raw = new SortedTree.Item[](3);
        for (uint256 i = 0; i < 3; ++i) raw[i] = SortedTree.Item(i, keys[i], values[i], new bytes32[](0));
        TreeBuilder.Tree memory t = TreeBuilder.buildRaw(raw);
        vm.prank(ORACLE);
        settlement.postSettlementRoot(0, TreeBuilder.root(t), 3, 200e18, 200e18, 0);
        // Adjacent leaves 1 and 2 name the same participant: keys not strictly increasing.
        vm.prank(CREDITOR2);
        settlement.challengeMalformed(0, t.items[1], t.items[2], true);
        assertTrue(settlement.weekRoot(0).root == bytes32(0), "the root is void");
        assertEq(token.balanceOf(CREDITOR2), 1_000e18 + BOND, "the challenger is paid the bond");
    }

    // 8. commitHour accepts hours in the future -------------------------------------------
    function test_attack8_ledgerRefusesAnHourThatHasNotClosed() public {
        uint64 future = uint64(block.timestamp / 3600 + 5);
        ClearingLedger ahead = new ClearingLedger(params, future);
        vm.prank(ORACLE);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingLedger.LedgerHourNotClosed.selector, future, uint256(future) * 3600)
        );
        ahead.commitHour(future, IClearingLedger.HourCommitment(bytes32(uint256(1)), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        vm.warp(uint256(future) * 3600);
        vm.prank(ORACLE);
        ahead.commitHour(future, IClearingLedger.HourCommitment(bytes32(uint256(1)), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        assertEq(ahead.nextHour(), future + 1, "committed once closed");
    }
}
