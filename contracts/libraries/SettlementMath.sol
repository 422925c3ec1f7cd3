// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title SettlementMath
/// @notice Integer arithmetic of settlement and revenue sharing. Amounts are capacity-token wei.
library SettlementMath {
    /// @notice Basis points in one (100 %).
    uint256 internal constant BPS = 10_000;

    /// @notice Split `amount` into `share` = floor(amount * bps / 1e4) and the remainder.
    /// The two parts always sum to `amount` exactly.
    function splitBps(uint256 amount, uint256 bps) internal pure returns (uint256 share, uint256 rest) {
        share = Math.mulDiv(amount, bps, BPS);
        // Cannot underflow: bps <= BPS (checked by MarketParameters), so share <= amount.
        unchecked {
            rest = amount - share;
        }
    }

    /// @notice A settled debit is valid when what debtors pay equals what creditors receive
    /// plus the fees: the leaves sum to zero after fees.
    function isBalanced(uint256 totalCredits, uint256 totalDebits, uint256 fees) internal pure returns (bool) {
        return totalDebits == totalCredits + fees;
    }

    /// @notice Pro-rata share floor(amount * part / whole); 0 when whole is 0.
    function proRata(uint256 amount, uint256 part, uint256 whole) internal pure returns (uint256) {
        if (whole == 0) {
            return 0;
        }
        return Math.mulDiv(amount, part, whole);
    }
}
