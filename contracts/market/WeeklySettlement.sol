// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IWeeklySettlement} from "../interfaces/IWeeklySettlement.sol";
import {IClearingLedger} from "../interfaces/IClearingLedger.sol";
import {ICollateralVault} from "../interfaces/ICollateralVault.sol";
import {IRevenueDistributor} from "../interfaces/IRevenueDistributor.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {SettlementMath} from "../libraries/SettlementMath.sol";
import {MarketAccess} from "./MarketAccess.sol";

/// @title WeeklySettlement
/// @notice Optimistic weekly settlement; see {IWeeklySettlement}. Each week's money is
/// accounted separately: a week pays out only what its own debtors paid in, so a bad root
/// can never spend another week's funds, and never more than the totals it declared.
contract WeeklySettlement is IWeeklySettlement, ReentrancyGuard, MarketAccess {
    using SafeERC20 for IERC20;

    struct Leaf {
        LeafStatus status;
        uint64 graceEndsAt;
        uint256 outstanding;
    }

    IClearingLedger private immutable _ledger;
    IERC20 private immutable _token;
    ICollateralVault private immutable _vault;
    IRevenueDistributor private immutable _distributor;

    mapping(uint64 week => WeekRoot) private _weeks;
    mapping(uint64 week => mapping(address participant => Leaf)) private _leaves;
    mapping(address participant => uint256) private _debt;
    mapping(address participant => bool) private _restricted;

    constructor(
        IMarketParameters parameters_,
        IClearingLedger ledger_,
        IERC20 token_,
        ICollateralVault vault_,
        IRevenueDistributor distributor_
    ) MarketAccess(parameters_) {
        if (address(ledger_) == address(0)) revert MarketZeroAddress("ledger");
        if (address(token_) == address(0)) revert MarketZeroAddress("token");
        if (address(vault_) == address(0)) revert MarketZeroAddress("vault");
        if (address(distributor_) == address(0)) revert MarketZeroAddress("distributor");
        _ledger = ledger_;
        _token = token_;
        _vault = vault_;
        _distributor = distributor_;
    }

    /// @inheritdoc IWeeklySettlement
    function postSettlementRoot(uint64 week, bytes32 root, uint256 totalCredits, uint256 totalDebits, uint256 fees)
        external
        onlyOracle
        whenMarketNotPaused
    {
        if (!_ledger.isWeekCommitted(week)) {
            revert SettlementWeekIncomplete(week, _ledger.nextHour());
        }
        WeekRoot storage w = _weeks[week];
        if (w.root != bytes32(0)) {
            revert SettlementRootAlreadyPosted(week);
        }
        if (root == bytes32(0)) {
            revert SettlementZeroRoot(week);
        }
        if (!SettlementMath.isBalanced(totalCredits, totalDebits, fees)) {
            revert SettlementNotBalanced(week, totalCredits, totalDebits, fees);
        }
        uint64 executableAt = uint64(block.timestamp) + parameters().challengeWindow();
        _weeks[week] = WeekRoot({
            root: root,
            executableAt: executableAt,
            totalCredits: totalCredits,
            totalDebits: totalDebits,
            fees: fees,
            collected: 0,
            paidOut: 0,
            feesForwarded: false
        });
        emit SettlementRootPosted(week, root, totalCredits, totalDebits, fees, executableAt);
    }

    /// @inheritdoc IWeeklySettlement
    function deleteSettlementRoot(uint64 week) external onlyGuardian {
        WeekRoot storage w = _weeks[week];
        bytes32 root = w.root;
        if (root == bytes32(0)) {
            revert SettlementRootMissing(week);
        }
        if (block.timestamp >= w.executableAt) {
            revert SettlementChallengeWindowOver(week, w.executableAt);
        }
        // Nothing can have been executed yet: execution needs the window to be over.
        delete _weeks[week];
        emit SettlementRootDeleted(week, root, msg.sender);
    }

    /// @inheritdoc IWeeklySettlement
    function executeSettlement(uint64 week, address participant, int256 amount, bytes32[] calldata proof)
        external
        nonReentrant
        whenMarketNotPaused
    {
        WeekRoot storage w = _executableWeek(week);
        bytes32 leafHash = MarketLeaves.settlementLeaf(week, participant, amount);
        if (!MerkleProof.verifyCalldata(proof, w.root, leafHash)) {
            revert SettlementInvalidProof(week, participant, amount);
        }
        Leaf storage leaf = _leaves[week][participant];
        if (leaf.status == LeafStatus.Settled) {
            revert SettlementAlreadySettled(week, participant);
        }
        if (amount > 0) {
            _payCredit(w, week, participant, uint256(amount), leaf);
        } else if (amount < 0) {
            _pullDebit(w, week, participant, SafeCast.toUint256(-amount), leaf);
        } else {
            leaf.status = LeafStatus.Settled;
            emit SettlementPaid(week, participant, 0);
        }
    }

    /// @inheritdoc IWeeklySettlement
    function seize(uint64 week, address participant) external nonReentrant whenMarketNotPaused {
        WeekRoot storage w = _weeks[week];
        Leaf storage leaf = _leaves[week][participant];
        if (leaf.status != LeafStatus.Defaulted) {
            revert SettlementNotDefaulted(week, participant);
        }
        if (block.timestamp < leaf.graceEndsAt) {
            revert SettlementGraceNotOver(week, leaf.graceEndsAt);
        }
        if (!_restricted[participant]) {
            _restricted[participant] = true;
            emit ParticipantRestricted(participant, _debt[participant]);
        }
        uint256 seized = _vault.seize(participant, leaf.outstanding);
        uint256 outstanding = leaf.outstanding - seized;
        leaf.outstanding = outstanding;
        _debt[participant] -= seized;
        w.collected += seized;
        if (outstanding == 0) {
            leaf.status = LeafStatus.Settled;
        }
        emit SettlementSeized(week, participant, seized, outstanding);
    }

    /// @inheritdoc IWeeklySettlement
    function forwardFees(uint64 week) external nonReentrant whenMarketNotPaused {
        WeekRoot storage w = _executableWeek(week);
        if (w.feesForwarded) {
            revert SettlementFeesAlreadyForwarded(week);
        }
        uint256 fees = w.fees;
        uint256 available = _available(w);
        if (fees > available) {
            revert SettlementFundsNotCollected(week, fees, available);
        }
        w.feesForwarded = true;
        emit FeesForwarded(week, fees);
        if (fees > 0) {
            _token.forceApprove(address(_distributor), fees);
            _distributor.depositRevenue(fees);
        }
    }

    /// @inheritdoc IWeeklySettlement
    function clearRestriction(address participant) external whenMarketNotPaused {
        uint256 debt = _debt[participant];
        uint256 collateral = _vault.collateralOf(participant);
        uint256 requirement = _vault.requirementOf(participant);
        if (!_restricted[participant] || debt > 0 || collateral < requirement) {
            revert SettlementStillRestricted(participant, debt, collateral, requirement);
        }
        _restricted[participant] = false;
        emit ParticipantUnrestricted(participant);
    }

    /// @inheritdoc IWeeklySettlement
    function weekRoot(uint64 week) external view returns (WeekRoot memory) {
        return _weeks[week];
    }

    /// @inheritdoc IWeeklySettlement
    function leafStatus(uint64 week, address participant) external view returns (LeafStatus) {
        return _leaves[week][participant].status;
    }

    /// @inheritdoc IWeeklySettlement
    function graceEndsAt(uint64 week, address participant) external view returns (uint64) {
        return _leaves[week][participant].graceEndsAt;
    }

    /// @inheritdoc IWeeklySettlement
    function outstandingOf(uint64 week, address participant) external view returns (uint256) {
        return _leaves[week][participant].outstanding;
    }

    /// @inheritdoc IWeeklySettlement
    function debtOf(address participant) external view returns (uint256) {
        return _debt[participant];
    }

    /// @inheritdoc IWeeklySettlement
    function isRestricted(address participant) external view returns (bool) {
        return _restricted[participant];
    }

    function _payCredit(WeekRoot storage w, uint64 week, address participant, uint256 amount, Leaf storage leaf)
        private
    {
        // Cannot underflow: paidOut only grows through this function, bounded by totalCredits.
        uint256 remaining;
        unchecked {
            remaining = w.totalCredits - w.paidOut;
        }
        if (amount > remaining) {
            revert SettlementExceedsTotal(week, amount, remaining);
        }
        uint256 available = _available(w);
        if (amount > available) {
            revert SettlementFundsNotCollected(week, amount, available);
        }
        leaf.status = LeafStatus.Settled;
        w.paidOut += amount;
        emit SettlementPaid(week, participant, amount);
        _token.safeTransfer(participant, amount);
    }

    function _pullDebit(WeekRoot storage w, uint64 week, address participant, uint256 owed, Leaf storage leaf)
        private
    {
        bool retry = leaf.status == LeafStatus.Defaulted;
        if (retry) {
            owed = leaf.outstanding;
        } else {
            // Cannot underflow: collected only grows by pulled or seized debits, each bounded here.
            uint256 remaining;
            unchecked {
                remaining = w.totalDebits - w.collected;
            }
            if (owed > remaining) {
                revert SettlementExceedsTotal(week, owed, remaining);
            }
        }
        if (_token.trySafeTransferFrom(participant, address(this), owed)) {
            leaf.status = LeafStatus.Settled;
            w.collected += owed;
            if (retry) {
                leaf.outstanding = 0;
                _debt[participant] -= owed;
            }
            emit SettlementCollected(week, participant, owed);
            return;
        }
        if (retry) {
            revert SettlementTransferFailed(week, participant, owed);
        }
        uint64 endsAt = uint64(block.timestamp) + parameters().gracePeriod();
        leaf.status = LeafStatus.Defaulted;
        leaf.graceEndsAt = endsAt;
        leaf.outstanding = owed;
        _debt[participant] += owed;
        emit SettlementPullFailed(week, participant, owed, endsAt);
    }

    function _executableWeek(uint64 week) private view returns (WeekRoot storage w) {
        w = _weeks[week];
        if (w.root == bytes32(0)) {
            revert SettlementRootMissing(week);
        }
        if (block.timestamp < w.executableAt) {
            revert SettlementChallengeWindowOpen(week, w.executableAt);
        }
    }

    /// @dev Funds of the week not yet paid out or forwarded, wei.
    function _available(WeekRoot storage w) private view returns (uint256) {
        uint256 spent = w.paidOut + (w.feesForwarded ? w.fees : 0);
        return w.collected - spent;
    }
}
