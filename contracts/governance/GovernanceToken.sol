// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IGovernanceToken} from "../interfaces/IGovernanceToken.sol";

/// @title GovernanceToken
/// @notice Fixed supply, minted once at deployment. An account that never called
/// `delegate` is its own delegate, so every holder's balance votes and is checkpointed
/// without a delegation transaction. The ERC-6372 clock is the block number (OpenZeppelin's
/// default): gas estimates then take the same checkpoint path as the mined transaction, which
/// a timestamp clock does not guarantee when two transactions land within one second.
contract GovernanceToken is IGovernanceToken, ERC20, ERC20Permit, ERC20Votes {
    constructor(address holder, uint256 supply)
        ERC20("flowmarket governance", "FMG")
        ERC20Permit("flowmarket governance")
    {
        if (holder == address(0) || supply == 0) {
            revert GovernanceInvalidSupply(holder, supply);
        }
        _mint(holder, supply);
    }

    /// @notice The chosen delegate, or the account itself when it never delegated.
    function delegates(address account) public view override returns (address) {
        address chosen = super.delegates(account);
        return chosen == address(0) ? account : chosen;
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Delegating to the zero address means "back to myself", keeping {delegates} and
    /// the checkpoints consistent.
    function _delegate(address account, address delegatee) internal override {
        super._delegate(account, delegatee == address(0) ? account : delegatee);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
