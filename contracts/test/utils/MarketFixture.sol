// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketParameters} from "../../interfaces/IMarketParameters.sol";
import {IClearingLedger} from "../../interfaces/IClearingLedger.sol";
import {IWeeklySettlement} from "../../interfaces/IWeeklySettlement.sol";
import {CapacityToken} from "../../token/CapacityToken.sol";
import {GovernanceToken} from "../../governance/GovernanceToken.sol";
import {MarketParameters} from "../../market/MarketParameters.sol";
import {ClearingLedger} from "../../market/ClearingLedger.sol";
import {CollateralVault} from "../../market/CollateralVault.sol";
import {RevenueDistributor} from "../../market/RevenueDistributor.sol";
import {WeeklySettlement} from "../../market/WeeklySettlement.sol";
import {OracleBond} from "../../market/OracleBond.sol";
import {MarketLeaves} from "../../libraries/MarketLeaves.sol";
import {SortedTree} from "../../libraries/SortedTree.sol";
import {MiniTest} from "./MiniTest.sol";
import {TreeBuilder} from "./TreeBuilder.sol";

/// @notice Deploys the market with this test contract as timelock (owner and admin), a
/// separate oracle and guardian, and this contract as the capacity supplier; the oracle's
/// bond holds its size (`BOND`), staked by this contract.
abstract contract MarketFixture is MiniTest {
    address internal constant ORACLE = address(0x0A11CE);
    address internal constant GUARDIAN = address(0x6A4D);
    uint32 internal constant CHALLENGE = 120;
    uint32 internal constant GRACE = 1 days;
    uint256 internal constant BOND = 1_000e18;

    MarketParameters internal params;
    CapacityToken internal token;
    GovernanceToken internal governance;
    ClearingLedger internal ledger;
    CollateralVault internal vault;
    RevenueDistributor internal distributor;
    WeeklySettlement internal settlement;
    OracleBond internal bond;

    /// @notice Chain time of every fixture: 2001-09-09, so Unix hours below 277 777 are closed.
    uint256 internal constant START = 1e9;

    /// @dev The fixture's market parameters, starting on clearing engine `engine`.
    function _initialParameters(uint16 engine) internal view returns (IMarketParameters.InitialParameters memory) {
        return IMarketParameters.InitialParameters({
            feeBps: 10,
            holderShareBps: 8_000,
            treasury: address(this),
            collateral: IMarketParameters.CollateralParams(1_000, 2_000, 2_000),
            oracle: ORACLE,
            guardian: GUARDIAN,
            challengeWindow: CHALLENGE,
            gracePeriod: GRACE,
            revenueEpochDuration: 1 hours,
            clearingEngine: engine
        });
    }

    function _deployMarket() internal {
        vm.warp(START);
        params = new MarketParameters(address(this), _initialParameters(1));
        token = new CapacityToken(address(this), params);
        token.grantRole(token.SUPPLIER_ROLE(), address(this));
        address[] memory holders = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        (holders[0], amounts[0]) = (address(this), 1e24);
        governance = new GovernanceToken(holders, amounts);
        ledger = new ClearingLedger(params, 0);
        vault = new CollateralVault(address(this), params, token);
        distributor = new RevenueDistributor(params, token, governance);
        bond = new OracleBond(address(this), token, BOND);
        settlement = new WeeklySettlement(params, ledger, token, vault, distributor, bond);
        vault.grantRole(vault.SETTLEMENT_ROLE(), address(settlement));
        bond.grantRole(bond.SLASHER_ROLE(), address(settlement));
        token.mint(address(this), BOND);
        token.approve(address(bond), BOND);
        bond.stake(BOND);
    }

    function _commitWeek() internal {
        _commitWeekAt(0);
    }

    function _commitWeekAt(uint64 first) internal {
        vm.startPrank(ORACLE);
        for (uint64 h = first; h < first + 168; ++h) {
            ledger.commitHour(h, IClearingLedger.HourCommitment(bytes32(uint256(h + 1)), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        }
        vm.stopPrank();
    }

    /// @notice A week's sorted tree: `who` strictly increasing, one amount each (wei,
    /// negative = pays); no hours bitmap. Returns the tree and its totals.
    function _weekTree(address[] memory who, int256[] memory amounts)
        internal
        pure
        returns (TreeBuilder.Tree memory t, uint256 credits, uint256 debits)
    {
        return _weekTreeHours(who, amounts, new uint256[](who.length));
    }

    /// @notice A week's sorted tree with each leaf's hours bitmap.
    function _weekTreeHours(address[] memory who, int256[] memory amounts, uint256[] memory hours_)
        internal
        pure
        returns (TreeBuilder.Tree memory t, uint256 credits, uint256 debits)
    {
        bytes[] memory keys = new bytes[](who.length);
        bytes[] memory values = new bytes[](who.length);
        for (uint256 i = 0; i < who.length; ++i) {
            keys[i] = MarketLeaves.participantKey(who[i]);
            values[i] = MarketLeaves.settlementValue(amounts[i], hours_[i], credits, debits);
            if (amounts[i] > 0) credits += uint256(amounts[i]);
            else debits += uint256(-amounts[i]);
        }
        t = TreeBuilder.build(keys, values);
    }

    /// @notice Commit the 168 hours from `first`; hour `at` gets an entries tree of two
    /// entries (`a`, `b`: participant, cash wei, fee 0, no trades). Returns their hour-entry
    /// evidence (each proved by the other's leaf).
    function _commitWeekWithEntries(uint64 first, uint64 at, address a, int256 cashA, address b, int256 cashB)
        internal
        returns (IWeeklySettlement.HourEntry memory ea, IWeeklySettlement.HourEntry memory eb)
    {
        bytes32 la = MarketLeaves.entryLeaf(a, cashA, 0, bytes32(0));
        bytes32 lb = MarketLeaves.entryLeaf(b, cashB, 0, bytes32(0));
        bytes32 entriesRoot = la < lb ? keccak256(abi.encode(la, lb)) : keccak256(abi.encode(lb, la));
        vm.startPrank(ORACLE);
        for (uint64 h = first; h < first + 168; ++h) {
            bytes32 entries = h == at ? entriesRoot : bytes32(0);
            ledger.commitHour(h, IClearingLedger.HourCommitment(bytes32(uint256(h + 1)), 0, entries, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        }
        vm.stopPrank();
        ea = IWeeklySettlement.HourEntry(at, cashA, 0, bytes32(0), new bytes32[](1));
        eb = IWeeklySettlement.HourEntry(at, cashB, 0, bytes32(0), new bytes32[](1));
        (ea.proof[0], eb.proof[0]) = (lb, la);
    }

    /// @notice Post `t` as week `week`'s root (fees = debits − credits) and open it.
    function _postAndOpen(uint64 week, TreeBuilder.Tree memory t, uint256 credits, uint256 debits) internal {
        vm.prank(ORACLE);
        settlement.postSettlementRoot(week, TreeBuilder.root(t), uint64(t.items.length), credits, debits, debits - credits);
        vm.warp(block.timestamp + CHALLENGE);
    }

    /// @notice A requirements tree over `who` (strictly increasing) posted for `hour`.
    function _postRequirements(uint64 hour, address[] memory who, uint256[] memory amounts)
        internal
        returns (TreeBuilder.Tree memory t)
    {
        bytes[] memory keys = new bytes[](who.length);
        bytes[] memory values = new bytes[](who.length);
        for (uint256 i = 0; i < who.length; ++i) {
            keys[i] = MarketLeaves.participantKey(who[i]);
            values[i] = MarketLeaves.requirementValue(amounts[i]);
        }
        t = TreeBuilder.build(keys, values);
        vm.prank(ORACLE);
        vault.postRequirements(hour, TreeBuilder.root(t), uint64(who.length));
    }

    /// @notice The one-item proof of `t`'s item `i`.
    function _itemProof(TreeBuilder.Tree memory t, uint256 i) internal pure returns (SortedTree.Item[] memory p) {
        p = new SortedTree.Item[](1);
        p[0] = t.items[i];
    }

    /// @notice An empty requirement proof (no root posted yet: requirement 0).
    function _noProof() internal pure returns (SortedTree.Item[] memory) {
        return new SortedTree.Item[](0);
    }
}
