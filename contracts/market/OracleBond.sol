// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IOracleBond} from "../interfaces/IOracleBond.sol";

/// @title OracleBond
/// @notice The operator's stake behind the oracle (see {IOracleBond}). Invariant: the
/// contract's token balance is at least `bonded()` (it equals it unless someone sends
/// tokens directly, which then stay locked).
contract OracleBond is IOracleBond, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @inheritdoc IOracleBond
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");

    IERC20 private immutable _token;
    uint256 private _bonded;
    uint256 private _size;

    /// @param admin receives DEFAULT_ADMIN_ROLE (the deployer until it hands over to the timelock)
    /// @param size_ the governed size, capacity-token wei
    constructor(address admin, IERC20 token_, uint256 size_) {
        if (admin == address(0)) revert BondZeroAddress("admin");
        if (address(token_) == address(0)) revert BondZeroAddress("token");
        _token = token_;
        _size = size_;
        emit BondSizeUpdated(0, size_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IOracleBond
    function setSize(uint256 newSize) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 old = _size;
        _size = newSize;
        emit BondSizeUpdated(old, newSize);
    }

    /// @inheritdoc IOracleBond
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) {
            revert BondZeroAmount();
        }
        uint256 bonded_ = _bonded + amount;
        _bonded = bonded_;
        emit BondStaked(msg.sender, amount, bonded_);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IOracleBond
    function release(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (amount == 0) {
            revert BondZeroAmount();
        }
        uint256 bonded_ = _bonded;
        if (amount > bonded_) {
            revert BondInsufficient(bonded_, amount);
        }
        bonded_ -= amount;
        _bonded = bonded_;
        emit BondReleased(to, amount, bonded_);
        _token.safeTransfer(to, amount);
    }

    /// @inheritdoc IOracleBond
    function slash(address challenger) external onlyRole(SLASHER_ROLE) nonReentrant returns (uint256 paid) {
        uint256 bonded_ = _bonded;
        uint256 size_ = _size;
        paid = size_ < bonded_ ? size_ : bonded_;
        bonded_ -= paid;
        _bonded = bonded_;
        emit BondSlashed(challenger, msg.sender, paid, bonded_);
        if (paid > 0) {
            _token.safeTransfer(challenger, paid);
        }
    }

    /// @inheritdoc IOracleBond
    function bonded() external view returns (uint256) {
        return _bonded;
    }

    /// @inheritdoc IOracleBond
    function isBonded() external view returns (bool) {
        return _bonded >= _size;
    }

    /// @inheritdoc IOracleBond
    function size() external view returns (uint256) {
        return _size;
    }
}
