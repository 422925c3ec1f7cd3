// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IGovernanceToken} from "../interfaces/IGovernanceToken.sol";

/// @title GovernanceToken
/// @notice Fixed supply, minted once at deployment to the genesis holders (see
/// {IGovernanceToken}). An account that never called `delegate` is its own delegate, so
/// every holder's balance votes and is checkpointed without a delegation transaction. The
/// ERC-6372 clock is the block number (OpenZeppelin's default): gas estimates then take the
/// same checkpoint path as the mined transaction, which a timestamp clock does not
/// guarantee when two transactions land within one second.
contract GovernanceToken is IGovernanceToken, ERC20, ERC20Permit, ERC20Votes {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev Holding-time checkpoints keyed by timestamp. `_held` packs (integral << 48 |
    /// timestamp of the checkpoint) so a lookup recovers both; `_balance` is the balance
    /// from that timestamp on. address(0) holds the supply's.
    mapping(address account => Checkpoints.Trace208) private _held;
    mapping(address account => Checkpoints.Trace208) private _balance;

    uint256 private constant _TIME_BITS = 48;

    /// @param holders genesis holders, strictly increasing addresses (the treasury included)
    /// @param amounts their allocations, wei, each > 0
    constructor(address[] memory holders, uint256[] memory amounts)
        ERC20("flowmarket governance", "FMG")
        ERC20Permit("flowmarket governance")
    {
        uint256 n = holders.length;
        if (n == 0 || n != amounts.length) {
            revert GovernanceInvalidGenesis(n);
        }
        for (uint256 i = 0; i < n; ++i) {
            bool ordered = i == 0 || uint160(holders[i]) > uint160(holders[i - 1]);
            if (holders[i] == address(0) || amounts[i] == 0 || !ordered) {
                revert GovernanceInvalidGenesis(i);
            }
            _mint(holders[i], amounts[i]);
        }
    }

    /// @notice The chosen delegate, or the account itself when it never delegated.
    function delegates(address account) public view override returns (address) {
        address chosen = super.delegates(account);
        return chosen == address(0) ? account : chosen;
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @inheritdoc IGovernanceToken
    function holdingAt(address account, uint48 timestamp) external view returns (uint256) {
        return _holdingAt(account, timestamp);
    }

    /// @inheritdoc IGovernanceToken
    function totalHoldingAt(uint48 timestamp) external view returns (uint256) {
        return _holdingAt(address(0), timestamp);
    }

    /// @dev Delegating to the zero address means "back to myself", keeping {delegates} and
    /// the checkpoints consistent.
    function _delegate(address account, address delegatee) internal override {
        super._delegate(account, delegatee == address(0) ? account : delegatee);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
        if (from == address(0) || to == address(0)) {
            _checkpoint(address(0), totalSupply());
        }
        if (from != address(0)) {
            _checkpoint(from, balanceOf(from));
        }
        if (to != address(0)) {
            _checkpoint(to, balanceOf(to));
        }
    }

    /// @dev Close the integral up to now at the old balance, then record the new one.
    function _checkpoint(address account, uint256 newBalance) private {
        uint48 now_ = SafeCast.toUint48(block.timestamp);
        (bool exists,, uint208 packed) = _held[account].latestCheckpoint();
        uint256 integral = 0;
        if (exists) {
            uint256 since = packed & type(uint48).max;
            integral = (uint256(packed) >> _TIME_BITS) + _balance[account].latest() * (now_ - since);
        }
        _held[account].push(now_, SafeCast.toUint208((integral << _TIME_BITS) | now_));
        _balance[account].push(now_, SafeCast.toUint208(newBalance));
    }

    function _holdingAt(address account, uint48 timestamp) private view returns (uint256) {
        if (timestamp > block.timestamp) {
            revert GovernanceFutureLookup(timestamp, block.timestamp);
        }
        uint208 packed = _held[account].upperLookupRecent(timestamp);
        if (packed == 0) {
            return 0;
        }
        uint256 since = packed & type(uint48).max;
        uint256 balance = _balance[account].upperLookupRecent(timestamp);
        return (uint256(packed) >> _TIME_BITS) + balance * (timestamp - since);
    }
}
