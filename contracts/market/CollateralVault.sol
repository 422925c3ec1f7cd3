// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ICollateralVault} from "../interfaces/ICollateralVault.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {SortedTree} from "../libraries/SortedTree.sol";
import {MarketAccess} from "./MarketAccess.sol";

/// @title CollateralVault
/// @notice Holds capacity tokens as collateral (see {ICollateralVault}). Invariant: the
/// vault's token balance is at least `totalCollateral()`; nothing leaves a participant's
/// account while it owes settlement debt, except a seizure of that debt.
contract CollateralVault is ICollateralVault, AccessControl, ReentrancyGuard, MarketAccess {
    using SafeERC20 for IERC20;

    /// @inheritdoc ICollateralVault
    bytes32 public constant SETTLEMENT_ROLE = keccak256("SETTLEMENT_ROLE");
    /// @notice Seconds per hour: hour h's bidding window closes at h · 3600 (Unix seconds).
    uint256 internal constant SECONDS_PER_HOUR = 3600;

    IERC20 private immutable _token;
    uint256 private _total;
    Requirements private _requirements;
    mapping(address participant => uint256) private _collateral;
    mapping(address participant => uint256) private _debt;

    /// @param admin receives DEFAULT_ADMIN_ROLE (the deployer until it hands over to the timelock).
    constructor(address admin, IMarketParameters parameters_, IERC20 token_) MarketAccess(parameters_) {
        if (admin == address(0)) {
            revert MarketZeroAddress("admin");
        }
        if (address(token_) == address(0)) {
            revert MarketZeroAddress("token");
        }
        _token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ICollateralVault
    function deposit(uint256 amount) external nonReentrant whenMarketNotPaused {
        if (amount == 0) {
            revert VaultZeroAmount();
        }
        uint256 balance = _collateral[msg.sender] + amount;
        _collateral[msg.sender] = balance;
        _total += amount;
        emit CollateralDeposited(msg.sender, amount, balance);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ICollateralVault
    function withdraw(uint256 amount, SortedTree.Item[] calldata requirement)
        external
        nonReentrant
        whenMarketNotPaused
    {
        if (amount == 0) {
            revert VaultZeroAmount();
        }
        uint256 debt = _debt[msg.sender];
        if (debt > 0) {
            revert VaultOpenDebt(msg.sender, debt);
        }
        uint256 current = _collateral[msg.sender];
        if (amount > current) {
            revert VaultInsufficientCollateral(msg.sender, current, amount);
        }
        uint256 required = _requirementOf(msg.sender, requirement);
        uint256 remaining = current - amount;
        if (remaining < required) {
            revert VaultBelowRequirement(msg.sender, remaining, required);
        }
        _collateral[msg.sender] = remaining;
        _total -= amount;
        emit CollateralWithdrawn(msg.sender, amount, remaining, required);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ICollateralVault
    function postRequirements(uint64 hour, bytes32 root, uint64 count) external onlyOracle whenMarketNotPaused {
        Requirements storage latest = _requirements;
        if (latest.hour != 0 && hour <= latest.hour) {
            revert VaultStaleRequirements(hour, latest.hour);
        }
        uint256 closesAt = uint256(hour) * SECONDS_PER_HOUR;
        if (block.timestamp < closesAt) {
            revert VaultHourNotClosed(hour, closesAt);
        }
        _requirements = Requirements({hour: hour, count: count, root: root});
        emit RequirementsPosted(hour, root, count);
    }

    /// @inheritdoc ICollateralVault
    function seize(address participant, uint256 amount)
        external
        onlyRole(SETTLEMENT_ROLE)
        nonReentrant
        whenMarketNotPaused
        returns (uint256 seized)
    {
        uint256 current = _collateral[participant];
        seized = amount < current ? amount : current;
        uint256 remaining = current - seized;
        _collateral[participant] = remaining;
        _total -= seized;
        emit CollateralSeized(participant, msg.sender, seized, remaining);
        if (seized > 0) {
            _token.safeTransfer(msg.sender, seized);
        }
    }

    /// @inheritdoc ICollateralVault
    function recordDebt(address participant, uint256 debt) external onlyRole(SETTLEMENT_ROLE) {
        _debt[participant] = debt;
        emit DebtRecorded(participant, debt);
    }

    /// @inheritdoc ICollateralVault
    function collateralOf(address participant) external view returns (uint256) {
        return _collateral[participant];
    }

    /// @inheritdoc ICollateralVault
    function debtOf(address participant) external view returns (uint256) {
        return _debt[participant];
    }

    /// @inheritdoc ICollateralVault
    function requirements() external view returns (Requirements memory) {
        return _requirements;
    }

    /// @inheritdoc ICollateralVault
    function requirementOf(address participant, SortedTree.Item[] calldata proof) external view returns (uint256) {
        return _requirementOf(participant, proof);
    }

    /// @inheritdoc ICollateralVault
    function totalCollateral() external view returns (uint256) {
        return _total;
    }

    /// @dev The participant's leaf gives its requirement; a proof of absence gives 0.
    function _requirementOf(address participant, SortedTree.Item[] calldata proof) private view returns (uint256) {
        Requirements storage r = _requirements;
        bytes memory key = MarketLeaves.participantKey(participant);
        if (proof.length == 1 && keccak256(proof[0].key) == keccak256(key)) {
            if (SortedTree.isMember(r.root, r.count, proof[0])) {
                return abi.decode(proof[0].value, (uint256));
            }
        } else if (SortedTree.isAbsent(r.root, r.count, key, proof)) {
            return 0;
        }
        revert VaultInvalidRequirementProof(participant);
    }
}
