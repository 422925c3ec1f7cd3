// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ICapacityToken} from "../interfaces/ICapacityToken.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {MarketAccess} from "../market/MarketAccess.sol";

/// @title CapacityToken
/// @notice ERC-20 + permit capacity token. Transfers are never paused (holders must always
/// be able to move and settle); minting is, together with the rest of the market.
contract CapacityToken is ICapacityToken, ERC20, ERC20Permit, AccessControl, MarketAccess {
    /// @inheritdoc ICapacityToken
    bytes32 public constant SUPPLIER_ROLE = keccak256("SUPPLIER_ROLE");

    /// @param admin receives DEFAULT_ADMIN_ROLE (the timelock, or the deployer until it hands over).
    constructor(address admin, IMarketParameters parameters_)
        ERC20("flowmarket capacity", "CAP")
        ERC20Permit("flowmarket capacity")
        MarketAccess(parameters_)
    {
        if (admin == address(0)) {
            revert MarketZeroAddress("admin");
        }
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ICapacityToken
    function mint(address to, uint256 amount) external onlyRole(SUPPLIER_ROLE) whenMarketNotPaused {
        if (to == address(0) || amount == 0) {
            revert CapacityInvalidMint(to, amount);
        }
        _mint(to, amount);
        emit CapacityMinted(msg.sender, to, amount);
    }
}
