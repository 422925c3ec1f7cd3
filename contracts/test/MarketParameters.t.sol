// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice Order limits: any positive, consistent triple within the caps is stored exactly;
/// every other triple reverts with `ParametersOrderLimitsInvalid` and changes nothing.
contract MarketParametersOrderLimitsTest is MarketFixture {
    function setUp() public {
        _deployMarket();
    }

    function testFuzz_setOrderLimitsStoresExactlyTheValidTriples(
        uint64 orderRate,
        uint64 participantRate,
        uint128 price
    ) public {
        IMarketParameters.OrderLimits memory before = params.orderLimits();
        bool valid = orderRate > 0 && price > 0 && participantRate >= orderRate
            && participantRate <= params.MAX_RATE_CAP() && price <= params.MAX_PRICE_CAP();
        IMarketParameters.OrderLimits memory wanted =
            IMarketParameters.OrderLimits(orderRate, participantRate, price);
        if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IMarketParameters.ParametersOrderLimitsInvalid.selector,
                    uint256(orderRate),
                    uint256(participantRate),
                    uint256(price)
                )
            );
        }
        params.setOrderLimits(wanted);
        IMarketParameters.OrderLimits memory stored = params.orderLimits();
        IMarketParameters.OrderLimits memory expected = valid ? wanted : before;
        assertEq(stored.maxOrderRate, expected.maxOrderRate, "order rate");
        assertEq(stored.maxParticipantRate, expected.maxParticipantRate, "participant rate");
        assertEq(stored.maxPrice, expected.maxPrice, "price");
    }

    function testFuzz_onlyTheOwnerSetsOrderLimits(address caller) public {
        if (caller == address(this)) return;
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", caller));
        params.setOrderLimits(IMarketParameters.OrderLimits(1, 1, 1));
    }
}
