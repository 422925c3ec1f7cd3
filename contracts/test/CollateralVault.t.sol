// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CapacityToken} from "../token/CapacityToken.sol";
import {CollateralVault} from "../market/CollateralVault.sol";
import {ICollateralVault} from "../interfaces/ICollateralVault.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {SortedTree} from "../libraries/SortedTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {MiniTest} from "./utils/MiniTest.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice Random deposits, withdrawals, transfers, requirement roots and settlement debt
/// for three actors. The handler holds SETTLEMENT_ROLE so it can record debt and seize.
contract VaultHandler is MiniTest {
    CapacityToken internal immutable token;
    CollateralVault internal immutable vault;
    address internal immutable oracle;
    address[3] public actors = [address(0x1001), address(0x1002), address(0x1003)];
    uint256[3] internal required;
    uint64 internal hour = 1;
    TreeBuilder.Tree internal tree;
    /// @notice Ghosts: set if a withdrawal ever succeeded below the requirement or in debt.
    bool public withdrewBelowRequirement;
    bool public withdrewInDebt;
    uint256 public seizedTotal;

    constructor(CapacityToken token_, CollateralVault vault_, address oracle_) {
        token = token_;
        vault = vault_;
        oracle = oracle_;
        _post();
    }

    function deposit(uint256 who, uint256 amount) external {
        address actor = actors[who % 3];
        amount = bound(amount, 1, token.balanceOf(actor) + 1);
        vm.startPrank(actor);
        token.approve(address(vault), amount);
        try vault.deposit(amount) {} catch {}
        vm.stopPrank();
    }

    function withdraw(uint256 who, uint256 amount) external {
        uint256 i = who % 3;
        address actor = actors[i];
        amount = bound(amount, 1, vault.collateralOf(actor) + 1);
        uint256 debt = vault.debtOf(actor);
        SortedTree.Item[] memory proof = new SortedTree.Item[](1);
        proof[0] = tree.items[i];
        vm.prank(actor);
        try vault.withdraw(amount, proof) {
            if (vault.collateralOf(actor) < required[i]) withdrewBelowRequirement = true;
            if (debt > 0) withdrewInDebt = true;
        } catch {}
    }

    function setRequirement(uint256 who, uint256 amount) external {
        required[who % 3] = bound(amount, 0, 2e21);
        _post();
    }

    function recordDebt(uint256 who, uint256 debt) external {
        vault.recordDebt(actors[who % 3], bound(debt, 0, 1e21) / 2);
    }

    function seize(uint256 who, uint256 amount) external {
        seizedTotal += vault.seize(actors[who % 3], bound(amount, 0, 2e21));
    }

    function transfer(uint256 from, uint256 to, uint256 amount) external {
        address sender = actors[from % 3];
        amount = bound(amount, 0, token.balanceOf(sender));
        vm.prank(sender);
        assertTrue(token.transfer(actors[to % 3], amount), "transfer");
    }

    function _post() private {
        bytes[] memory keys = new bytes[](3);
        bytes[] memory values = new bytes[](3);
        for (uint256 i = 0; i < 3; ++i) {
            keys[i] = MarketLeaves.participantKey(actors[i]);
            values[i] = MarketLeaves.requirementValue(required[i]);
        }
        TreeBuilder.Tree memory t = TreeBuilder.build(keys, values);
        delete tree.items;
        for (uint256 i = 0; i < 3; ++i) tree.items.push(t.items[i]);
        vm.prank(oracle);
        vault.postRequirements(hour++, TreeBuilder.root(t), 3);
    }
}

/// @notice Invariants: capacity tokens are conserved, the vault holds at least the recorded
/// collateral (exactly, as nothing but withdrawals and seizures moves it), and no withdrawal
/// ever left a participant below its requirement or happened while it owed settlement debt.
contract CollateralVaultInvariantTest is MarketFixture {
    VaultHandler internal handler;
    uint256 internal supply;

    function setUp() public {
        _deployMarket();
        handler = new VaultHandler(token, vault, ORACLE);
        vault.grantRole(vault.SETTLEMENT_ROLE(), address(handler));
        for (uint256 i = 0; i < 3; ++i) token.mint(handler.actors(i), 1e21);
        supply = token.totalSupply();
        _target(address(handler));
    }

    function invariant_capacityTokensAreConserved() public view {
        uint256 held = token.balanceOf(address(vault)) + token.balanceOf(address(handler)) + bond.bonded();
        for (uint256 i = 0; i < 3; ++i) held += token.balanceOf(handler.actors(i));
        assertEq(token.totalSupply(), supply, "supply unchanged");
        assertEq(held, supply, "every token is held by an actor, the vault, the seizer or the oracle bond");
        assertEq(token.balanceOf(address(handler)), handler.seizedTotal(), "seizures reach the seizer");
    }

    function invariant_vaultBalanceCoversLockedCollateral() public view {
        uint256 recorded = 0;
        for (uint256 i = 0; i < 3; ++i) recorded += vault.collateralOf(handler.actors(i));
        assertEq(vault.totalCollateral(), recorded, "total equals the sum of accounts");
        assertGe(token.balanceOf(address(vault)), recorded, "vault balance covers locked collateral");
    }

    function invariant_noWithdrawalBelowRequirementOrInDebt() public view {
        assertTrue(!handler.withdrewBelowRequirement(), "a withdrawal went below the requirement");
        assertTrue(!handler.withdrewInDebt(), "a participant in debt withdrew");
    }
}

/// @notice Unit checks of the requirement proof: a leaf, an absence proof, a wrong leaf.
contract CollateralVaultProofTest is MarketFixture {
    address internal constant A = address(0xA1);
    address internal constant B = address(0xB2);
    address internal constant C = address(0xC3);

    function setUp() public {
        _deployMarket();
        token.mint(B, 100e18);
        vm.startPrank(B);
        token.approve(address(vault), 100e18);
        vault.deposit(100e18);
        vm.stopPrank();
    }

    function test_withdrawsFreelyBeforeTheFirstRoot() public {
        vm.prank(B);
        vault.withdraw(100e18, _noProof());
        assertEq(token.balanceOf(B), 100e18, "all back");
    }

    function test_withdrawsDownToTheRequirementOfItsLeafButNotBelow() public {
        address[] memory who = new address[](3);
        (who[0], who[1], who[2]) = (A, B, C);
        uint256[] memory amounts = new uint256[](3);
        (amounts[0], amounts[1], amounts[2]) = (5e18, 60e18, 7e18);
        TreeBuilder.Tree memory t = _postRequirements(1, who, amounts);
        vm.prank(B);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultBelowRequirement.selector, B, 59e18, 60e18));
        vault.withdraw(41e18, _itemProof(t, 1));
        vm.prank(B);
        vault.withdraw(40e18, _itemProof(t, 1));
        assertEq(vault.collateralOf(B), 60e18, "the requirement stays locked");
        // Another participant's leaf proves nothing about B.
        vm.prank(B);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultInvalidRequirementProof.selector, B));
        vault.withdraw(1, _itemProof(t, 0));
    }

    function test_aParticipantWithoutALeafProvesItsAbsenceAndHasNoRequirement() public {
        address[] memory who = new address[](2);
        (who[0], who[1]) = (A, C);
        uint256[] memory amounts = new uint256[](2);
        (amounts[0], amounts[1]) = (5e18, 7e18);
        TreeBuilder.Tree memory t = _postRequirements(1, who, amounts);
        SortedTree.Item[] memory bracket = new SortedTree.Item[](2);
        (bracket[0], bracket[1]) = (t.items[0], t.items[1]);
        vm.prank(B);
        vault.withdraw(100e18, bracket);
        assertEq(vault.collateralOf(B), 0, "withdrew everything");
    }

    function test_rejectsRequirementsForAnHourThatHasNotClosedOrIsNotNewer() public {
        uint64 future = uint64(block.timestamp / 3600 + 1);
        vm.prank(ORACLE);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultHourNotClosed.selector, future, uint256(future) * 3600));
        vault.postRequirements(future, bytes32(uint256(1)), 1);
        vm.prank(ORACLE);
        vault.postRequirements(5, bytes32(uint256(1)), 1);
        vm.prank(ORACLE);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultStaleRequirements.selector, 5, 5));
        vault.postRequirements(5, bytes32(uint256(2)), 1);
    }
}

