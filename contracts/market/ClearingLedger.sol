// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IClearingLedger} from "../interfaces/IClearingLedger.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {MarketAccess} from "./MarketAccess.sol";

/// @title ClearingLedger
/// @notice Stores one fixed-size commitment per cleared hour; gas per commit does not depend
/// on the number of products, orders or participants.
contract ClearingLedger is IClearingLedger, MarketAccess {
    /// @notice Hours in a settlement week (7 × 24).
    uint64 public constant HOURS_PER_WEEK = 168;
    /// @notice Hour indices are Unix hours: hour h's bidding window closes at h · 3600.
    uint256 public constant SECONDS_PER_HOUR = 3600;

    uint64 private immutable _genesisHour;
    uint64 private _nextHour;
    mapping(uint64 hour => HourCommitment) private _hours;

    constructor(IMarketParameters parameters_, uint64 genesisHour_) MarketAccess(parameters_) {
        _genesisHour = genesisHour_;
        _nextHour = genesisHour_;
    }

    /// @inheritdoc IClearingLedger
    function commitHour(uint64 hour, HourCommitment calldata c) external onlyOracle whenMarketNotPaused {
        uint64 expected = _nextHour;
        if (hour != expected) {
            revert LedgerWrongHour(hour, expected);
        }
        uint256 closesAt = uint256(hour) * SECONDS_PER_HOUR;
        if (block.timestamp < closesAt) {
            revert LedgerHourNotClosed(hour, closesAt);
        }
        _hours[hour] = c;
        _nextHour = expected + 1;
        emit HourCommitted(
            hour, c.ordersRoot, c.pricesRoot, c.entriesRoot, c.welfare, c.volume, c.fees, c.maxImbalance, c.maxOrderGap
        );
    }

    /// @inheritdoc IClearingLedger
    function genesisHour() external view returns (uint64) {
        return _genesisHour;
    }

    /// @inheritdoc IClearingLedger
    function nextHour() external view returns (uint64) {
        return _nextHour;
    }

    /// @inheritdoc IClearingLedger
    function isCommitted(uint64 hour) public view returns (bool) {
        return hour >= _genesisHour && hour < _nextHour;
    }

    /// @inheritdoc IClearingLedger
    function hourCommitment(uint64 hour) external view returns (HourCommitment memory) {
        _requireCommitted(hour);
        return _hours[hour];
    }

    /// @inheritdoc IClearingLedger
    function isWeekCommitted(uint64 week) external view returns (bool) {
        return uint256(_nextHour) >= uint256(_genesisHour) + HOURS_PER_WEEK * (uint256(week) + 1);
    }

    /// @inheritdoc IClearingLedger
    function verifyPrice(uint64 hour, bytes32 productId, int256 price, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        _requireCommitted(hour);
        return MerkleProof.verifyCalldata(proof, _hours[hour].pricesRoot, MarketLeaves.priceLeaf(productId, price));
    }

    /// @inheritdoc IClearingLedger
    function verifyEntry(
        uint64 hour,
        address participant,
        int256 cash,
        uint256 fee,
        bytes32 tradesHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        _requireCommitted(hour);
        bytes32 leaf = MarketLeaves.entryLeaf(participant, cash, fee, tradesHash);
        return MerkleProof.verifyCalldata(proof, _hours[hour].entriesRoot, leaf);
    }

    /// @inheritdoc IClearingLedger
    function verifyOrder(uint64 hour, bytes32 orderKey, int256 quantity, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        _requireCommitted(hour);
        return MerkleProof.verifyCalldata(proof, _hours[hour].ordersRoot, MarketLeaves.orderLeaf(orderKey, quantity));
    }

    function _requireCommitted(uint64 hour) private view {
        if (!isCommitted(hour)) {
            revert LedgerHourNotCommitted(hour);
        }
    }
}
