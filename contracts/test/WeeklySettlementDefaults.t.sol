// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IWeeklySettlement} from "../interfaces/IWeeklySettlement.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice Fuzz the unhappy week: two debtors with partial allowances and partial
/// collateral default, are seized after grace, and two creditors share what was recovered.
/// Whatever the amounts, allowances and collateral: a debtor loses exactly its debit (from
/// its wallet when its allowance covers it, else at most its collateral), a creditor gets
/// floor(credit × recovered / total debits) and never more than its credit, the week never
/// pays out more than it collected, and every leaf settles at most once.
contract WeeklySettlementDefaultsFuzzTest is MarketFixture {
    // Increasing addresses: the tree lists them in this order.
    address internal constant A = address(0xA1);
    address internal constant B = address(0xB2);
    address internal constant D1 = address(0xD1);
    address internal constant D2 = address(0xD2);

    struct Debtor {
        uint256 debit;
        uint256 allowance;
        uint256 collateral;
    }

    function setUp() public {
        _deployMarket();
        _commitWeek();
    }

    function testFuzz_defaultsSeizuresAndPartialAllowancesNeverOverpay(
        uint96 debit1,
        uint96 debit2,
        uint96 allowance1,
        uint96 allowance2,
        uint96 collateral1,
        uint96 collateral2,
        uint16 feeBps,
        uint16 splitBps
    ) public {
        Debtor[2] memory d;
        d[0] = _debtor(D1, debit1, allowance1, collateral1);
        d[1] = _debtor(D2, debit2, allowance2, collateral2);
        uint256 debits = d[0].debit + d[1].debit;
        uint256 fees = debits * (feeBps % 1_000) / 10_000;
        uint256 creditA = (debits - fees) * (splitBps % 10_001) / 10_000;
        uint256 creditB = debits - fees - creditA;

        (TreeBuilder.Tree memory t, uint256 credits, uint256 total) = _tree(creditA, creditB, d);
        assertEq(total, debits, "the tree's debits are the debtors'");
        _postAndOpen(0, t, credits, total);

        // Debtors first; a debit pulls in full or defaults, never partially.
        uint256 collected = _pull(t, d, 2) + _pull(t, d, 3);
        _payCreditors(t);
        vm.warp(block.timestamp + GRACE); // the grace period is over
        collected += _seize(d[0], D1) + _seize(d[1], D2);
        _payCreditors(t);

        IWeeklySettlement.WeekRoot memory w = settlement.weekRoot(0);
        assertEq(w.collected, collected, "collected is what the debtors lost");
        assertEq(w.defaulted, debits - collected, "what was not recovered stays defaulted");
        _assertShare(A, creditA, collected, debits);
        _assertShare(B, creditB, collected, debits);
        assertTrue(w.paidOut + w.feesForwarded <= w.collected, "never pays out more than it collected");
        assertEq(token.balanceOf(address(settlement)), w.collected - w.paidOut - w.feesForwarded, "books = tokens");
        _assertOnce(t);
    }

    function _debtor(address who, uint96 debit, uint96 allowance, uint96 collateral)
        internal
        returns (Debtor memory d)
    {
        d.debit = 1 + uint256(debit) % 1e24;
        d.allowance = uint256(allowance) % (2 * d.debit);
        d.collateral = uint256(collateral) % (2 * d.debit);
        token.mint(who, 4e24);
        vm.startPrank(who);
        token.approve(address(vault), d.collateral);
        if (d.collateral > 0) vault.deposit(d.collateral);
        token.approve(address(settlement), d.allowance);
        vm.stopPrank();
    }

    function _tree(uint256 creditA, uint256 creditB, Debtor[2] memory d)
        internal
        pure
        returns (TreeBuilder.Tree memory t, uint256 credits, uint256 debits)
    {
        address[] memory who = new address[](4);
        int256[] memory amounts = new int256[](4);
        (who[0], who[1], who[2], who[3]) = (A, B, D1, D2);
        (amounts[0], amounts[1]) = (int256(creditA), int256(creditB));
        (amounts[2], amounts[3]) = (-int256(d[0].debit), -int256(d[1].debit));
        return _weekTree(who, amounts);
    }

    /// @dev Execute debtor leaf `i`: returns what was pulled from its wallet.
    function _pull(TreeBuilder.Tree memory t, Debtor[2] memory d, uint256 i) internal returns (uint256) {
        address who = i == 2 ? D1 : D2;
        Debtor memory debtor = d[i - 2];
        uint256 before = token.balanceOf(who);
        settlement.executeSettlement(0, t.items[i]);
        uint256 pulled = before - token.balanceOf(who);
        bool covered = debtor.allowance >= debtor.debit;
        assertEq(pulled, covered ? debtor.debit : 0, "all or nothing");
        IWeeklySettlement.LeafStatus status = settlement.leafStatus(0, who);
        bool settled = status == IWeeklySettlement.LeafStatus.Settled;
        assertTrue(settled == covered, "settled exactly when the allowance covers the debit");
        return pulled;
    }

    /// @dev Seize a defaulted debtor: returns what came out of its collateral.
    function _seize(Debtor memory d, address who) internal returns (uint256 seized) {
        if (settlement.leafStatus(0, who) != IWeeklySettlement.LeafStatus.Defaulted) {
            vm.expectRevert(abi.encodeWithSelector(IWeeklySettlement.SettlementNotDefaulted.selector, 0, who));
            settlement.seize(0, who);
            return 0;
        }
        uint256 wallet = token.balanceOf(who);
        settlement.seize(0, who);
        seized = d.collateral - vault.collateralOf(who);
        assertEq(seized, d.collateral < d.debit ? d.collateral : d.debit, "seizes min(collateral, debit)");
        assertEq(token.balanceOf(who), wallet, "a seizure never touches the wallet");
        assertEq(settlement.debtOf(who), d.debit - seized, "the rest stays open debt");
    }

    /// @dev Each creditor takes what is due now (nothing due: a typed revert).
    function _payCreditors(TreeBuilder.Tree memory t) internal {
        for (uint256 i = 0; i < 2; ++i) {
            try settlement.executeSettlement(0, t.items[i]) {}
            catch (bytes memory reason) {
                bytes4 selector = bytes4(reason);
                bool expected = selector == IWeeklySettlement.SettlementNothingDue.selector
                    || selector == IWeeklySettlement.SettlementAlreadySettled.selector;
                assertTrue(expected, "a creditor's execution fails only when nothing is due");
            }
        }
    }

    function _assertShare(address who, uint256 credit, uint256 collected, uint256 debits) internal view {
        uint256 got = token.balanceOf(who);
        assertEq(got, credit * collected / debits, "credit x recovered / debits, rounded down");
        assertTrue(got <= credit, "never more than the credit");
    }

    function _assertOnce(TreeBuilder.Tree memory t) internal {
        for (uint256 i = 0; i < 4; ++i) {
            address who = [A, B, D1, D2][i];
            if (settlement.leafStatus(0, who) != IWeeklySettlement.LeafStatus.Settled) continue;
            vm.expectRevert(abi.encodeWithSelector(IWeeklySettlement.SettlementAlreadySettled.selector, 0, who));
            settlement.executeSettlement(0, t.items[i]);
        }
    }
}
