// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SortedTree} from "./SortedTree.sol";

/// @title TradeLines
/// @notice The leaves of an hour's trade-lines tree (docs/settlement.md, "Balance of an
/// hour"): a {SortedTree} whose leaves are one line per (product, order) with a nonzero
/// trade, sorted by product id, then order key:
///
///     key   = abi.encodePacked(bytes32 productId, bytes32 orderKey)                 (64 bytes)
///     value = abi.encode(int256 amount, int256 sumBefore, uint256 grossBefore)     (96 bytes)
///
/// amount: the order's committed fill × its portfolio weight of the product, in 10^-18 GB/h
/// ({amountOf}); in an hour cleared in intervals, what that rate delivers in its interval, in
/// 10^-18 GB ({amountIn}; the orderKey names the interval); sumBefore / grossBefore: the sums of the amounts and of their magnitudes over
/// the lines of the same product with a smaller index (0 on a product's first line). A
/// product's trades balance when its last line's sumBefore + amount is zero within
/// {isOutsideTolerance}. The Python twin is `flowmarket.oracle.trade_lines`.
library TradeLines {
    uint256 internal constant KEY_BYTES = 64;
    uint256 internal constant VALUE_BYTES = 96;
    /// @dev Largest magnitude of a line field: sums of two fields never overflow.
    uint256 internal constant MAX_FIELD = 2 ** 200;
    /// @dev Relative tolerance of the balance: 1e-6 of the product's gross (the clearing
    /// engine's own imbalance is about 1e-10 of its volume).
    uint256 private constant _TOLERANCE_DIVISOR = 1_000_000;
    int256 private constant _WAD = 1e18;

    struct Line {
        bytes32 product;
        bytes32 source;
        int256 amount;
        int256 sumBefore;
        uint256 grossBefore;
    }

    /// @notice The key of the line of `orderKey`'s trade in `productId`.
    function key(bytes32 productId, bytes32 orderKey) internal pure returns (bytes memory) {
        return abi.encodePacked(productId, orderKey);
    }

    /// @notice A fill's line amount: quantity × weight / 1e18, rounded toward zero.
    function amountOf(int256 quantity, int256 weight) internal pure returns (int256) {
        return quantity * weight / _WAD;
    }

    /// @notice A fill's line amount in an hour cleared in intervals of `intervalSeconds`: what
    /// the fill's rate delivers in one interval, amountOf × intervalSeconds / 3600, each
    /// division rounded toward zero (intervalSeconds = 3600 gives {amountOf}).
    function amountIn(int256 quantity, int256 weight, uint32 intervalSeconds) internal pure returns (int256) {
        return amountOf(quantity, weight) * int256(uint256(intervalSeconds)) / 3600;
    }

    /// @notice True when the leaf has a line's shape: a 64-byte key and a 96-byte value whose
    /// fields are within ±2^200.
    function wellFormed(SortedTree.Item calldata item) internal pure returns (bool) {
        if (item.key.length != KEY_BYTES || item.value.length != VALUE_BYTES) return false;
        (int256 amount, int256 sumBefore, uint256 grossBefore) = abi.decode(item.value, (int256, int256, uint256));
        return _abs(amount) <= MAX_FIELD && _abs(sumBefore) <= MAX_FIELD && grossBefore <= MAX_FIELD;
    }

    /// @notice The fields of a well-formed line.
    function decode(SortedTree.Item calldata item) internal pure returns (Line memory line) {
        (line.product, line.source) = abi.decode(item.key, (bytes32, bytes32));
        (line.amount, line.sumBefore, line.grossBefore) = abi.decode(item.value, (int256, int256, uint256));
    }

    /// @notice True when a line does not open its product: its sums are not zero.
    function opensBadly(Line memory line) internal pure returns (bool) {
        return line.sumBefore != 0 || line.grossBefore != 0;
    }

    /// @notice True when `next` does not continue `line`'s sums (same product).
    function continuesBadly(Line memory line, Line memory next) internal pure returns (bool) {
        return next.sumBefore != line.sumBefore + line.amount
            || next.grossBefore != line.grossBefore + _abs(line.amount);
    }

    /// @notice True when `line`, the last of its product, ends on a sum outside the tolerance.
    function closesBadly(Line memory line) internal pure returns (bool) {
        int256 sum = line.sumBefore + line.amount;
        uint256 gross = line.grossBefore + _abs(line.amount);
        return isOutsideTolerance(sum, gross);
    }

    /// @notice True when |sum| exceeds 1e-6 · max(1 GB/h, gross): an honest hour, whose
    /// products balance to about 1e-10 of their volume, never does.
    function isOutsideTolerance(int256 sum, uint256 gross) internal pure returns (bool) {
        uint256 scale = gross > uint256(_WAD) ? gross : uint256(_WAD);
        return _abs(sum) > scale / _TOLERANCE_DIVISOR;
    }

    function _abs(int256 x) private pure returns (uint256) {
        return x < 0 ? uint256(-(x + 1)) + 1 : uint256(x);
    }
}
