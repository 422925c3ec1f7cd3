// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IOracleBond} from "../interfaces/IOracleBond.sol";
import {IWeeklySettlement} from "../interfaces/IWeeklySettlement.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {SortedTree} from "../libraries/SortedTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice Each kind of weekly-root fault proven on chain, and honest roots that cannot be
/// challenged. Week 0's hour 5 commits CREDITOR +10 and DEBTOR −10 (wei × 1e18); every
/// other hour has no entries.
contract SettlementChallengesTest is MarketFixture {
    address internal constant CREDITOR = address(0xC0);
    address internal constant DEBTOR = address(0xD0);
    address internal constant CHALLENGER = address(0xEE);
    uint256 internal constant HOUR5 = 1 << 5;

    IWeeklySettlement.HourEntry internal ec;
    IWeeklySettlement.HourEntry internal ed;

    function setUp() public {
        _deployMarket();
        (IWeeklySettlement.HourEntry memory a, IWeeklySettlement.HourEntry memory b) =
            _commitWeekWithEntries(0, 5, CREDITOR, 10e18, DEBTOR, -10e18);
        (ec, ed) = (a, b);
    }

    function _post(int256 credit, uint256 creditHours, int256 debit, uint256 debitHours)
        internal
        returns (TreeBuilder.Tree memory t)
    {
        address[] memory who = new address[](2);
        int256[] memory amounts = new int256[](2);
        uint256[] memory bits = new uint256[](2);
        (who[0], who[1], amounts[0], amounts[1]) = (CREDITOR, DEBTOR, credit, debit);
        (bits[0], bits[1]) = (creditHours, debitHours);
        uint256 credits;
        uint256 debits;
        (t, credits, debits) = _weekTreeHours(who, amounts, bits);
        vm.prank(ORACLE);
        settlement.postSettlementRoot(0, TreeBuilder.root(t), 2, credits, debits, debits - credits);
    }

    function _one(IWeeklySettlement.HourEntry memory e) internal pure returns (IWeeklySettlement.HourEntry[] memory a) {
        a = new IWeeklySettlement.HourEntry[](1);
        a[0] = e;
    }

    function _notAFault(IWeeklySettlement.Fault fault) internal {
        vm.expectRevert(abi.encodeWithSelector(IWeeklySettlement.SettlementNotAFault.selector, 0, fault));
    }

    function _assertVoided() internal view {
        assertTrue(settlement.weekRoot(0).root == bytes32(0), "the root is void");
        assertEq(token.balanceOf(CHALLENGER), BOND, "the challenger receives the bond's size");
        assertEq(bond.bonded(), 0, "the bond is slashed");
    }

    function test_anHonestRootCannotBeChallengedAndSettlesAfterItsWindow() public {
        TreeBuilder.Tree memory t = _post(10e18, HOUR5, -10e18, HOUR5);
        _notAFault(IWeeklySettlement.Fault.LeafSum);
        settlement.challengeLeafSum(0, t.items[1], _one(ed));
        _notAFault(IWeeklySettlement.Fault.LeafSum); // one entry short of the bitmap
        settlement.challengeLeafSum(0, t.items[1], new IWeeklySettlement.HourEntry[](0));
        _notAFault(IWeeklySettlement.Fault.LeafHours); // hour 5 is in the bitmap
        settlement.challengeLeafHours(0, t.items[0], ec);
        _notAFault(IWeeklySettlement.Fault.RunningSums);
        settlement.challengeRunningSums(0, t.items[0], t.items[1], true);
        _notAFault(IWeeklySettlement.Fault.RunningSums);
        settlement.challengeRunningSums(0, t.items[1], t.items[1], false);
        _notAFault(IWeeklySettlement.Fault.Malformed);
        settlement.challengeMalformed(0, t.items[0], t.items[1], true);

        vm.warp(block.timestamp + CHALLENGE);
        vm.expectRevert(
            abi.encodeWithSelector(IWeeklySettlement.SettlementChallengeWindowOver.selector, 0, START + CHALLENGE)
        );
        settlement.challengeLeafSum(0, t.items[1], _one(ed));
        assertEq(bond.bonded(), BOND, "an honest oracle keeps its bond");
    }

    function test_aLeafThatIsNotTheSumOfItsEntriesIsVoided() public {
        TreeBuilder.Tree memory t = _post(11e18, HOUR5, -11e18, HOUR5);
        vm.prank(CHALLENGER);
        settlement.challengeLeafSum(0, t.items[0], _one(ec));
        _assertVoided();
    }

    function test_aBitmapThatLeavesOutAnHourWithAnEntryIsVoided() public {
        // The amounts match no sum either, but the claim is the bitmap: hour 5 left out.
        TreeBuilder.Tree memory t = _post(10e18, 0, -10e18, HOUR5);
        vm.prank(CHALLENGER);
        settlement.challengeLeafHours(0, t.items[0], ec);
        _assertVoided();
    }

    function test_aBitmapWithABitBeyondTheWeekIsVoided() public {
        TreeBuilder.Tree memory t = _post(10e18, HOUR5 | (1 << 168), -10e18, HOUR5);
        vm.prank(CHALLENGER);
        settlement.challengeLeafHours(0, t.items[0], ed);
        _assertVoided();
    }

    function test_aParticipantWithAnEntryButNoLeafIsVoided() public {
        // Only DEBTOR's leaf: its 10 become "fees" and CREDITOR is never paid.
        bytes[] memory keys = new bytes[](1);
        bytes[] memory values = new bytes[](1);
        (keys[0], values[0]) = (MarketLeaves.participantKey(DEBTOR), MarketLeaves.settlementValue(-10e18, HOUR5, 0, 0));
        TreeBuilder.Tree memory t = TreeBuilder.build(keys, values);
        vm.prank(ORACLE);
        settlement.postSettlementRoot(0, TreeBuilder.root(t), 1, 0, 10e18, 10e18);
        SortedTree.Item[] memory absence = new SortedTree.Item[](1);
        absence[0] = t.items[0]; // CREDITOR (0xC0) lies before leaf 0 (0xD0)
        _notAFault(IWeeklySettlement.Fault.MissingParticipant); // DEBTOR has its leaf
        settlement.challengeMissingParticipant(0, DEBTOR, ed, absence);
        vm.prank(CHALLENGER);
        settlement.challengeMissingParticipant(0, CREDITOR, ec, absence);
        _assertVoided();
    }

    function test_runningSumsThatDoNotContinueAreVoided() public {
        bytes[] memory keys = new bytes[](2);
        bytes[] memory values = new bytes[](2);
        (keys[0], values[0]) = (MarketLeaves.participantKey(CREDITOR), MarketLeaves.settlementValue(10e18, HOUR5, 0, 0));
        // creditsBefore should be 10e18 after CREDITOR's leaf.
        (keys[1], values[1]) =
            (MarketLeaves.participantKey(DEBTOR), MarketLeaves.settlementValue(-10e18, HOUR5, 7e18, 0));
        TreeBuilder.Tree memory t = TreeBuilder.build(keys, values);
        vm.prank(ORACLE);
        settlement.postSettlementRoot(0, TreeBuilder.root(t), 2, 10e18, 10e18, 0);
        vm.prank(CHALLENGER);
        settlement.challengeRunningSums(0, t.items[0], t.items[1], true);
        _assertVoided();
    }

    function test_runningSumsThatDoNotEndAtTheTotalsAreVoided() public {
        // Leaves say 10 of credits and debits; the posted totals say 30 (fees 0).
        TreeBuilder.Tree memory t = _weekTreeOnly(10e18, -10e18);
        vm.prank(ORACLE);
        settlement.postSettlementRoot(0, TreeBuilder.root(t), 2, 30e18, 30e18, 0);
        vm.prank(CHALLENGER);
        settlement.challengeRunningSums(0, t.items[1], t.items[1], false);
        _assertVoided();
    }

    function test_aLeafBeyondTheCountIsVoided() public {
        TreeBuilder.Tree memory t = _weekTreeOnly(10e18, -10e18);
        vm.prank(ORACLE);
        settlement.postSettlementRoot(0, TreeBuilder.root(t), 1, 10e18, 10e18, 0);
        vm.prank(CHALLENGER);
        settlement.challengeMalformed(0, t.items[1], t.items[1], false);
        _assertVoided();
    }

    function test_theBondPaysWhatIsLeftAndAPartialBondBlocksPosting() public {
        vm.prank(ORACLE);
        vm.expectRevert(abi.encodeWithSelector(IOracleBond.BondZeroAmount.selector));
        bond.stake(0);
        bond.release(address(this), BOND / 4);
        TreeBuilder.Tree memory t = _weekTreeOnly(10e18, -10e18);
        vm.prank(ORACLE);
        vm.expectRevert(
            abi.encodeWithSelector(IWeeklySettlement.SettlementOracleUnbonded.selector, BOND - BOND / 4, BOND)
        );
        settlement.postSettlementRoot(0, TreeBuilder.root(t), 2, 10e18, 10e18, 0);
        bond.setSize(BOND / 2);
        t = _post(11e18, HOUR5, -11e18, HOUR5);
        vm.prank(CHALLENGER);
        settlement.challengeLeafSum(0, t.items[0], _one(ec));
        assertEq(token.balanceOf(CHALLENGER), BOND / 2, "a proven fault pays the governed size");
        assertEq(bond.bonded(), BOND / 4, "the rest stays bonded");
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, CHALLENGER, bytes32(0)));
        bond.setSize(0);
    }

    function _weekTreeOnly(int256 credit, int256 debit) internal pure returns (TreeBuilder.Tree memory t) {
        address[] memory who = new address[](2);
        int256[] memory amounts = new int256[](2);
        uint256[] memory bits = new uint256[](2);
        (who[0], who[1], amounts[0], amounts[1], bits[0], bits[1]) = (CREDITOR, DEBTOR, credit, debit, HOUR5, HOUR5);
        (t,,) = _weekTreeHours(who, amounts, bits);
    }
}
