// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title HourSchedule
/// @notice A governed value that changes only at ledger-hour boundaries and keeps its
/// history: every hour, past or future, has one value. `MarketParameters` keeps the
/// clearing interval and the clearing engine this way (docs/schedule.md,
/// docs/engine-versions.md).
library HourSchedule {
    /// @dev From ledger hour `fromHour` on, the value is `value`.
    struct Change {
        uint64 fromHour;
        uint32 value;
    }

    /// @notice The value in force during `hour`: the last change from `hour` or before,
    /// else `initial`. One storage read per change after `hour`, and changes are made only
    /// by governance, one per proposal.
    function at(Change[] storage changes, uint64 hour, uint32 initial) internal view returns (uint32) {
        for (uint256 i = changes.length; i > 0; --i) {
            Change storage change = changes[i - 1];
            if (change.fromHour <= hour) {
                return change.value;
            }
        }
        return initial;
    }

    /// @notice Schedule `value` from `fromHour` on, which is never before the last change's
    /// hour (time only moves forward); a second change from the same hour replaces the
    /// first. Returns the value that was scheduled for `fromHour`.
    function set(Change[] storage changes, uint64 fromHour, uint32 value, uint32 initial)
        internal
        returns (uint32 old)
    {
        old = at(changes, fromHour, initial);
        uint256 n = changes.length;
        if (n > 0 && changes[n - 1].fromHour == fromHour) {
            changes[n - 1].value = value;
        } else {
            changes.push(Change(fromHour, value));
        }
    }
}
