// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRevenueDistributor} from "../interfaces/IRevenueDistributor.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {SettlementMath} from "../libraries/SettlementMath.sol";
import {MarketAccess} from "./MarketAccess.sol";

/// @title RevenueDistributor
/// @notice Distributes market fees to governance-token holders pro rata to their
/// checkpointed votes (see {IRevenueDistributor}). The sum of all claims of an epoch never
/// exceeds its holder amount: each claim is floor(holderAmount × votes / totalSupply).
contract RevenueDistributor is IRevenueDistributor, ReentrancyGuard, MarketAccess {
    using SafeERC20 for IERC20;

    IERC20 private immutable _revenueToken;
    IVotes private immutable _governanceToken;

    uint64 private _currentEpoch;
    uint64 private _epochStartedAt;
    uint256 private _pending;
    mapping(uint64 epochId => Epoch) private _epochs;
    mapping(uint64 epochId => mapping(address account => bool)) private _claimed;

    constructor(IMarketParameters parameters_, IERC20 revenueToken_, IVotes governanceToken_)
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
        // The snapshot is the previous second so that `getPastVotes` accepts it right away.
        uint48 snapshot = IERC6372(address(_governanceToken)).clock() - 1;
        _epochs[epochId] = Epoch({
            snapshot: snapshot,
            closedAt: uint64(block.timestamp),
            holderAmount: holderAmount,
            treasuryAmount: treasuryAmount,
            claimed: 0
        });
        _pending = 0;
        _currentEpoch = epochId + 1;
        _epochStartedAt = uint64(block.timestamp);
        emit EpochClosed(epochId, snapshot, holderAmount, treasuryAmount);
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

    function _share(uint64 epochId, address account) private view returns (uint256) {
        Epoch storage e = _epochs[epochId];
        uint256 votes = _governanceToken.getPastVotes(account, e.snapshot);
        uint256 supply = _governanceToken.getPastTotalSupply(e.snapshot);
        return SettlementMath.proRata(e.holderAmount, votes, supply);
    }
}
