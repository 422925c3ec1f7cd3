// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ICollateralVault} from "../interfaces/ICollateralVault.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {MarketAccess} from "./MarketAccess.sol";

/// @title CollateralVault
/// @notice Holds capacity tokens as collateral. Invariant: the vault's token balance is at
/// least `totalCollateral()`, and no withdrawal leaves a participant below its requirement.
contract CollateralVault is ICollateralVault, AccessControl, ReentrancyGuard, MarketAccess {
    using SafeERC20 for IERC20;

    /// @inheritdoc ICollateralVault
    bytes32 public constant SETTLEMENT_ROLE = keccak256("SETTLEMENT_ROLE");

    IERC20 private immutable _token;
    uint256 private _total;
    mapping(address participant => uint256) private _collateral;
    mapping(address participant => uint256) private _requirement;

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
    function withdraw(uint256 amount) external nonReentrant whenMarketNotPaused {
        if (amount == 0) {
            revert VaultZeroAmount();
        }
        uint256 current = _collateral[msg.sender];
        if (amount > current) {
            revert VaultInsufficientCollateral(msg.sender, current, amount);
        }
        uint256 remaining;
        // Cannot underflow: amount <= current was checked above.
        unchecked {
            remaining = current - amount;
        }
        uint256 requirement = _requirement[msg.sender];
        if (remaining < requirement) {
            revert VaultBelowRequirement(msg.sender, remaining, requirement);
        }
        _collateral[msg.sender] = remaining;
        _total -= amount;
        emit CollateralWithdrawn(msg.sender, amount, remaining);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ICollateralVault
    function setRequirements(address[] calldata participants, uint256[] calldata amounts)
        external
        onlyOracle
        whenMarketNotPaused
    {
        uint256 n = participants.length;
        if (n != amounts.length) {
            revert VaultLengthMismatch(n, amounts.length);
        }
        for (uint256 i = 0; i < n; ++i) {
            _requirement[participants[i]] = amounts[i];
            emit RequirementUpdated(participants[i], amounts[i]);
        }
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
        uint256 remaining;
        // Cannot underflow: seized <= current by construction.
        unchecked {
            remaining = current - seized;
        }
        _collateral[participant] = remaining;
        _total -= seized;
        emit CollateralSeized(participant, msg.sender, seized, remaining);
        if (seized > 0) {
            _token.safeTransfer(msg.sender, seized);
        }
    }

    /// @inheritdoc ICollateralVault
    function collateralOf(address participant) external view returns (uint256) {
        return _collateral[participant];
    }

    /// @inheritdoc ICollateralVault
    function requirementOf(address participant) external view returns (uint256) {
        return _requirement[participant];
    }

    /// @inheritdoc ICollateralVault
    function excessOf(address participant) external view returns (uint256) {
        uint256 c = _collateral[participant];
        uint256 r = _requirement[participant];
        return c > r ? c - r : 0;
    }

    /// @inheritdoc ICollateralVault
    function totalCollateral() external view returns (uint256) {
        return _total;
    }
}
