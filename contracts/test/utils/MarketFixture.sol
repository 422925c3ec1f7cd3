// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketParameters} from "../../interfaces/IMarketParameters.sol";
import {IClearingLedger} from "../../interfaces/IClearingLedger.sol";
import {CapacityToken} from "../../token/CapacityToken.sol";
import {GovernanceToken} from "../../governance/GovernanceToken.sol";
import {MarketParameters} from "../../market/MarketParameters.sol";
import {ClearingLedger} from "../../market/ClearingLedger.sol";
import {CollateralVault} from "../../market/CollateralVault.sol";
import {RevenueDistributor} from "../../market/RevenueDistributor.sol";
import {WeeklySettlement} from "../../market/WeeklySettlement.sol";
import {MiniTest} from "./MiniTest.sol";

/// @notice Deploys the market with this test contract as timelock (owner and admin), a
/// separate oracle and guardian, and this contract as the capacity supplier.
abstract contract MarketFixture is MiniTest {
    address internal constant ORACLE = address(0x0A11CE);
    address internal constant GUARDIAN = address(0x6A4D);
    uint32 internal constant CHALLENGE = 120;
    uint32 internal constant GRACE = 1 days;

    MarketParameters internal params;
    CapacityToken internal token;
    GovernanceToken internal governance;
    ClearingLedger internal ledger;
    CollateralVault internal vault;
    RevenueDistributor internal distributor;
    WeeklySettlement internal settlement;

    function _deployMarket() internal {
        params = new MarketParameters(
            address(this),
            IMarketParameters.InitialParameters({
                feeBps: 10,
                holderShareBps: 8_000,
                treasury: address(this),
                collateral: IMarketParameters.CollateralParams(1_000, 2_000, 2_000),
                oracle: ORACLE,
                guardian: GUARDIAN,
                challengeWindow: CHALLENGE,
                gracePeriod: GRACE,
                revenueEpochDuration: 1 hours
            })
        );
        token = new CapacityToken(address(this), params);
        token.grantRole(token.SUPPLIER_ROLE(), address(this));
        governance = new GovernanceToken(address(this), 1e24);
        ledger = new ClearingLedger(params, 0);
        vault = new CollateralVault(address(this), params, token);
        distributor = new RevenueDistributor(params, token, governance);
        settlement = new WeeklySettlement(params, ledger, token, vault, distributor);
        vault.grantRole(vault.SETTLEMENT_ROLE(), address(settlement));
    }

    function _commitWeek() internal {
        vm.startPrank(ORACLE);
        for (uint64 h = 0; h < 168; ++h) {
            ledger.commitHour(h, IClearingLedger.HourCommitment(bytes32(uint256(h + 1)), 0, 0, 0, 0, 0, 0, 0));
        }
        vm.stopPrank();
    }
}
