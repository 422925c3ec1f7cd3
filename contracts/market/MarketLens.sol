// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICollateralVault} from "../interfaces/ICollateralVault.sol";
import {IMarketAccess} from "../interfaces/IMarketAccess.sol";
import {IMarketLens} from "../interfaces/IMarketLens.sol";
import {IOrderRegistry} from "../interfaces/IOrderRegistry.sol";
import {IWeeklySettlement} from "../interfaces/IWeeklySettlement.sol";

/// @title MarketLens
/// @notice Batched reads for the oracle (see {IMarketLens}). No state beyond the three
/// addresses it reads from, no access control: it only calls view functions.
contract MarketLens is IMarketLens {
    /// @inheritdoc IMarketLens
    /// @dev ≈ 9 k gas a participant (three cold storage reads), so a full page is a few
    /// million gas (a test measures it).
    uint256 public constant MAX_PAGE = 500;

    ICollateralVault private immutable _vault;
    IWeeklySettlement private immutable _settlement;
    IOrderRegistry private immutable _registry;

    constructor(ICollateralVault vault_, IWeeklySettlement settlement_, IOrderRegistry registry_) {
        if (address(vault_) == address(0)) {
            revert IMarketAccess.MarketZeroAddress("vault");
        }
        if (address(settlement_) == address(0)) {
            revert IMarketAccess.MarketZeroAddress("settlement");
        }
        if (address(registry_) == address(0)) {
            revert IMarketAccess.MarketZeroAddress("registry");
        }
        _vault = vault_;
        _settlement = settlement_;
        _registry = registry_;
    }

    /// @inheritdoc IMarketLens
    function participantStates(address[] calldata participants)
        external
        view
        returns (ParticipantState[] memory states)
    {
        uint256 n = participants.length;
        if (n > MAX_PAGE) {
            revert LensPageTooLarge(n, MAX_PAGE);
        }
        states = new ParticipantState[](n);
        for (uint256 i = 0; i < n; ++i) {
            address who = participants[i];
            states[i] = ParticipantState({
                collateral: _vault.collateralOf(who),
                restricted: _settlement.isRestricted(who),
                minNonce: _registry.minNonce(who)
            });
        }
    }

    /// @inheritdoc IMarketLens
    function sources() external view returns (address vault, address settlement, address registry) {
        return (address(_vault), address(_settlement), address(_registry));
    }
}
