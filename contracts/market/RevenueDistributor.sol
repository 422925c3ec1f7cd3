// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IGovernanceToken} from "../interfaces/IGovernanceToken.sol";
import {IRevenueDistributor} from "../interfaces/IRevenueDistributor.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {SettlementMath} from "../libraries/SettlementMath.sol";
import {MarketAccess} from "./MarketAccess.sol";

/// @title RevenueDistributor
/// @notice Distributes market fees to governance-token holders pro rata to the time they
/// held their tokens during the epoch (see {IRevenueDistributor}). The sum of all claims of
/// an epoch never exceeds its holder amount: each claim is
/// floor(holderAmount × holding / total holding) over [startedAt, closedAt].
contract RevenueDistributor is IRevenueDistributor, ReentrancyGuard, MarketAccess {
    using SafeERC20 for IERC20;

    IERC20 private immutable _revenueToken;
    IGovernanceToken private immutable _governanceToken;

    uint64 private _currentEpoch;
    uint64 private _epochStartedAt;
    uint256 private _pending;
    mapping(uint64 epochId => Epoch) private _epochs;
    mapping(uint64 epochId => mapping(address account => bool)) private _claimed;

    constructor(IMarketParameters parameters_, IERC20 revenueToken_, IGovernanceToken governanceToken_)
        MarketAccess(parameters_)
    {
        if (address(revenueToken_) == address(0)) revert MarketZeroAddress("revenueToken");
        if (address(governanceToken_) == address(0)) revert MarketZeroAddress("governanceToken");
        _revenueToken = revenueToken_;
        _governanceToken = governanceToken_;
        _epochStartedAt = uint64(block.timestamp);
    }

    /// @inheritdoc IRevenueDistributor
    function depositRevenue(uint256 amount) external nonReentrant whenMarketNotPaused {
        if (amount == 0) {
            revert RevenueZeroAmount();
        }
        _pending += amount;
        emit RevenueDeposited(_currentEpoch, msg.sender, amount);
        _revenueToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IRevenueDistributor
    function closeEpoch() external nonReentrant whenMarketNotPaused {
        uint64 epochId = _currentEpoch;
        uint64 closesAt = _epochStartedAt + parameters().revenueEpochDuration();
        if (block.timestamp < closesAt) {
            revert RevenueEpochNotOver(epochId, closesAt);
        }
        (uint256 holderAmount, uint256 treasuryAmount) =
            SettlementMath.splitBps(_pending, parameters().holderShareBps());
        uint64 startedAt = _epochStartedAt;
        _epochs[epochId] = Epoch({
            startedAt: startedAt,
            closedAt: uint64(block.timestamp),
            holderAmount: holderAmount,
            treasuryAmount: treasuryAmount,
            claimed: 0
        });
        _pending = 0;
        _currentEpoch = epochId + 1;
        _epochStartedAt = uint64(block.timestamp);
        emit EpochClosed(epochId, startedAt, uint64(block.timestamp), holderAmount, treasuryAmount);
        if (treasuryAmount > 0) {
            _revenueToken.safeTransfer(parameters().treasury(), treasuryAmount);
        }
    }

    /// @inheritdoc IRevenueDistributor
    function claim(uint64 epochId) external nonReentrant whenMarketNotPaused returns (uint256 amount) {
        if (epochId >= _currentEpoch) {
            revert RevenueEpochOpen(epochId);
        }
        if (_claimed[epochId][msg.sender]) {
            revert RevenueAlreadyClaimed(epochId, msg.sender);
        }
        amount = _share(epochId, msg.sender);
        if (amount == 0) {
            revert RevenueNothingToClaim(epochId, msg.sender);
        }
        _claimed[epochId][msg.sender] = true;
        _epochs[epochId].claimed += amount;
        emit RevenueClaimed(epochId, msg.sender, amount);
        _revenueToken.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IRevenueDistributor
    function currentEpoch() external view returns (uint64) {
        return _currentEpoch;
    }

    /// @inheritdoc IRevenueDistributor
    function pendingRevenue() external view returns (uint256) {
        return _pending;
    }

    /// @inheritdoc IRevenueDistributor
    function epochStartedAt() external view returns (uint64) {
        return _epochStartedAt;
    }

    /// @inheritdoc IRevenueDistributor
    function epoch(uint64 epochId) external view returns (Epoch memory) {
        return _epochs[epochId];
    }

    /// @inheritdoc IRevenueDistributor
    function claimable(uint64 epochId, address account) external view returns (uint256) {
        if (epochId >= _currentEpoch || _claimed[epochId][account]) {
            return 0;
        }
        return _share(epochId, account);
    }

    /// @inheritdoc IRevenueDistributor
    function hasClaimed(uint64 epochId, address account) external view returns (bool) {
        return _claimed[epochId][account];
    }

    /// @dev holderAmount × (the account's holding time over the epoch) / (the supply's).
    function _share(uint64 epochId, address account) private view returns (uint256) {
        Epoch storage e = _epochs[epochId];
        uint48 start = SafeCast.toUint48(e.startedAt);
        uint48 end = SafeCast.toUint48(e.closedAt);
        uint256 held = _governanceToken.holdingAt(account, end) - _governanceToken.holdingAt(account, start);
        uint256 total = _governanceToken.totalHoldingAt(end) - _governanceToken.totalHoldingAt(start);
        return SettlementMath.proRata(e.holderAmount, held, total);
    }
}
