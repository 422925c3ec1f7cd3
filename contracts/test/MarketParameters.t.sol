// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {MarketParameters} from "../market/MarketParameters.sol";

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

/// @notice The clearing interval: every whole number of minutes dividing an hour is accepted
/// and takes effect from the first hour whose bidding window opens after the change; hours
/// that already began keep theirs; every other value reverts and changes nothing.
contract MarketParametersClearingIntervalTest is MarketFixture {
    function setUp() public {
        _deployMarket();
    }

    function testFuzz_setClearingIntervalAcceptsExactlyTheMinutesDividingAnHour(uint32 secs, uint32 offset)
        public
    {
        vm.warp(START + bound(offset, 0, 3599));
        uint64 openHour = uint64(block.timestamp / 3600 + 1);
        bool valid = secs == 60 || secs == 120 || secs == 180 || secs == 240 || secs == 300 || secs == 360
            || secs == 600 || secs == 720 || secs == 900 || secs == 1200 || secs == 1800 || secs == 3600;
        if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(IMarketParameters.ParametersClearingIntervalInvalid.selector, uint256(secs))
            );
        }
        params.setClearingInterval(secs);
        assertEq(params.clearingIntervalAt(openHour), 3600, "the open hour keeps its interval");
        assertEq(params.clearingInterval(), 3600, "the open hour's interval is the current one");
        assertEq(params.clearingIntervalAt(openHour + 1), valid ? secs : 3600, "from the next hour on");
        assertEq(params.clearingIntervalAt(type(uint64).max), valid ? secs : 3600, "and for ever after");
    }

    function test_everyWholeMinuteDividingAnHourAndNothingElse() public {
        uint32[15] memory invalid = [uint32(0), 1, 30, 59, 61, 90, 420, 450, 2400, 2700, 3000, 3540, 3601, 5400, 7200];
        for (uint256 i = 0; i < invalid.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IMarketParameters.ParametersClearingIntervalInvalid.selector, uint256(invalid[i]))
            );
            params.setClearingInterval(invalid[i]);
        }
        uint32[12] memory valid = [uint32(60), 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600];
        for (uint256 i = 0; i < valid.length; ++i) {
            params.setClearingInterval(valid[i]);
            assertEq(params.clearingIntervalAt(type(uint64).max), valid[i], "accepted");
        }
    }

    function test_scheduleKeepsEveryHoursOwnInterval() public {
        uint64 h = uint64(START / 3600 + 1); // the hour whose window is open at START
        params.setClearingInterval(900); // from h + 1
        params.setClearingInterval(300); // same boundary: replaces 900
        assertEq(params.clearingIntervalAt(h + 1), 300, "last change before the boundary wins");
        vm.warp((uint256(h) + 1) * 3600 + 10); // hour h + 2's window is open
        assertEq(params.clearingInterval(), 300, "hour h + 1 ... now in force");
        params.setClearingInterval(60); // from h + 3
        vm.warp((uint256(h) + 5) * 3600);
        params.setClearingInterval(3600); // from h + 7
        assertEq(params.clearingIntervalAt(h), 3600, "before the first change");
        assertEq(params.clearingIntervalAt(h + 1), 300, "h + 1");
        assertEq(params.clearingIntervalAt(h + 2), 300, "h + 2");
        assertEq(params.clearingIntervalAt(h + 3), 60, "h + 3");
        assertEq(params.clearingIntervalAt(h + 6), 60, "h + 6");
        assertEq(params.clearingIntervalAt(h + 7), 3600, "back to hourly");
        assertEq(params.clearingInterval(), 60, "the open hour h + 6");
    }

    function testFuzz_onlyTheOwnerSetsTheClearingInterval(address caller) public {
        if (caller == address(this)) return;
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", caller));
        params.setClearingInterval(900);
    }
}

/// @notice The clearing engine: any version from 1 is accepted and takes effect from the first
/// hour whose bidding window opens after the change; hours that already began keep theirs; 0
/// reverts and changes nothing; only the owner sets it.
contract MarketParametersClearingEngineTest is MarketFixture {
    function setUp() public {
        _deployMarket();
    }

    function testFuzz_setClearingEngineFromTheNextHourOn(uint16 engine, uint32 offset) public {
        vm.warp(START + bound(offset, 0, 3599));
        uint64 openHour = uint64(block.timestamp / 3600 + 1);
        if (engine == 0) {
            vm.expectRevert(
                abi.encodeWithSelector(IMarketParameters.ParametersClearingEngineInvalid.selector, uint256(0))
            );
        }
        params.setClearingEngine(engine);
        uint16 expected = engine == 0 ? 1 : engine;
        assertEq(params.clearingEngineAt(openHour), 1, "the open hour keeps its engine");
        assertEq(params.clearingEngine(), 1, "the open hour's engine is the current one");
        assertEq(params.clearingEngineAt(openHour + 1), expected, "from the next hour on");
        assertEq(params.clearingEngineAt(type(uint64).max), expected, "and for ever after");
    }

    function test_scheduleKeepsEveryHoursOwnEngine() public {
        uint64 h = uint64(START / 3600 + 1);
        params.setClearingEngine(3); // from h + 1
        params.setClearingEngine(2); // same boundary: replaces 3
        assertEq(params.clearingEngineAt(h + 1), 2, "last change before the boundary wins");
        vm.warp((uint256(h) + 1) * 3600 + 10); // hour h + 2's window is open
        assertEq(params.clearingEngine(), 2, "hour h + 1 ... now in force");
        params.setClearingEngine(1); // from h + 3
        assertEq(params.clearingEngineAt(h), 1, "before the first change");
        assertEq(params.clearingEngineAt(h + 2), 2, "h + 2");
        assertEq(params.clearingEngineAt(h + 3), 1, "back to engine 1 from h + 3");
    }

    function testFuzz_onlyTheOwnerSetsTheClearingEngine(address caller) public {
        if (caller == address(this)) return;
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", caller));
        params.setClearingEngine(2);
    }
}

/// @notice A deployment starts on the engine it names (not necessarily 1): every hour before
/// the first change is cleared by it, a change replaces it from the next hour only, and a
/// deployment naming engine 0 is refused.
contract MarketParametersInitialEngineTest is MarketFixture {
    function testFuzz_aDeploymentStartsOnItsOwnEngine(uint16 engine, uint16 next) public {
        vm.warp(START);
        if (engine == 0) {
            vm.expectRevert(
                abi.encodeWithSelector(IMarketParameters.ParametersClearingEngineInvalid.selector, uint256(0))
            );
            new MarketParameters(address(this), _initialParameters(0));
            return;
        }
        MarketParameters started = new MarketParameters(address(this), _initialParameters(engine));
        uint64 openHour = uint64(START / 3600 + 1);
        assertEq(started.initialClearingEngine(), engine, "the initial engine");
        assertEq(started.clearingEngineAt(0), engine, "hour 0");
        assertEq(started.clearingEngine(), engine, "the open hour");
        assertEq(started.clearingEngineAt(type(uint64).max), engine, "every hour until a change");
        next = uint16(bound(next, 1, type(uint16).max));
        started.setClearingEngine(next);
        assertEq(started.clearingEngineAt(openHour), engine, "the open hour keeps the initial one");
        assertEq(started.clearingEngineAt(openHour + 1), next, "the change from the next hour");
        assertEq(started.initialClearingEngine(), engine, "the initial engine is kept");
    }
}
