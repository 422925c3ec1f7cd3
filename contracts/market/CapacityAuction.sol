// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ICapacityAuction} from "../interfaces/ICapacityAuction.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {AuctionLeaves} from "../libraries/AuctionLeaves.sol";
import {MarketAccess} from "./MarketAccess.sol";

/// @title CapacityAuction
/// @notice Results and payments of primary capacity auctions; see {ICapacityAuction}. Gas per
/// commit is constant; each payment costs one proof and one transfer.
contract CapacityAuction is ICapacityAuction, ReentrancyGuard, MarketAccess {
    using SafeERC20 for IERC20;

    IERC20 private immutable _token;
    mapping(bytes32 auctionId => AuctionRecord) private _auctions;
    mapping(bytes32 auctionId => mapping(address bidder => bool)) private _paid;

    constructor(IMarketParameters parameters_, IERC20 token_) MarketAccess(parameters_) {
        if (address(token_) == address(0)) revert MarketZeroAddress("token");
        _token = token_;
    }

    /// @inheritdoc ICapacityAuction
    function commitResults(bytes32 auctionId, ResultCommitment calldata c) external onlyOracle whenMarketNotPaused {
        if (_auctions[auctionId].result.bidsRoot != bytes32(0)) {
            revert AuctionAlreadyCommitted(auctionId);
        }
        if (c.bidsRoot == bytes32(0) || (c.winners > 0 && c.awardsRoot == bytes32(0))) {
            revert AuctionZeroRoot(auctionId);
        }
        if (c.seller == address(0)) {
            revert AuctionZeroSeller(auctionId);
        }
        if (c.payDeadline <= block.timestamp) {
            revert AuctionDeadlineInPast(auctionId, c.payDeadline, block.timestamp);
        }
        AuctionRecord storage record = _auctions[auctionId];
        record.result = c;
        record.pausedAtCommit = parameters().pausedSeconds();
        emit AuctionResultsCommitted(
            auctionId, c.kind, c.awardsRoot, c.bidsRoot, c.seller, c.totalPayments, c.winners, c.payDeadline
        );
    }

    /// @inheritdoc ICapacityAuction
    function payAward(
        bytes32 auctionId,
        address bidder,
        uint256 payment,
        bytes32 awardsHash,
        bytes32[] calldata proof
    ) external nonReentrant whenMarketNotPaused {
        AuctionRecord storage record = _committed(auctionId);
        ResultCommitment storage c = record.result;
        uint64 deadline = _payDeadline(record);
        if (block.timestamp >= deadline) {
            revert AuctionPaymentWindowOver(auctionId, deadline);
        }
        if (!MerkleProof.verifyCalldata(proof, c.awardsRoot, AuctionLeaves.awardLeaf(auctionId, bidder, payment, awardsHash))) {
            revert AuctionInvalidProof(auctionId, bidder, payment);
        }
        if (_paid[auctionId][bidder]) {
            revert AuctionAlreadyPaid(auctionId, bidder);
        }
        // Cannot underflow: paid only grows here, each time by at most the remaining total.
        uint256 remaining;
        unchecked {
            remaining = c.totalPayments - record.paid;
        }
        if (payment > remaining) {
            revert AuctionExceedsTotal(auctionId, payment, remaining);
        }
        _paid[auctionId][bidder] = true;
        record.paid += payment;
        record.paidCount += 1;
        emit AwardPaid(auctionId, bidder, payment, awardsHash);
        if (payment > 0) {
            _token.safeTransferFrom(bidder, c.seller, payment);
        }
    }

    /// @inheritdoc ICapacityAuction
    function auction(bytes32 auctionId) external view returns (AuctionRecord memory) {
        return _committed(auctionId);
    }

    /// @inheritdoc ICapacityAuction
    function isCommitted(bytes32 auctionId) public view returns (bool) {
        return _auctions[auctionId].result.bidsRoot != bytes32(0);
    }

    /// @inheritdoc ICapacityAuction
    function payDeadlineOf(bytes32 auctionId) external view returns (uint64) {
        return _payDeadline(_committed(auctionId));
    }

    /// @inheritdoc ICapacityAuction
    function isPaid(bytes32 auctionId, address bidder) external view returns (bool) {
        return _paid[auctionId][bidder];
    }

    /// @inheritdoc ICapacityAuction
    function verifyAward(
        bytes32 auctionId,
        address bidder,
        uint256 payment,
        bytes32 awardsHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        bytes32 root = _committed(auctionId).result.awardsRoot;
        return MerkleProof.verifyCalldata(proof, root, AuctionLeaves.awardLeaf(auctionId, bidder, payment, awardsHash));
    }

    /// @inheritdoc ICapacityAuction
    function verifyBid(bytes32 auctionId, bytes32 bidDigest, bytes32[] calldata proof) external view returns (bool) {
        bytes32 root = _committed(auctionId).result.bidsRoot;
        return MerkleProof.verifyCalldata(proof, root, AuctionLeaves.bidLeaf(bidDigest));
    }

    /// @inheritdoc ICapacityAuction
    function token() external view returns (address) {
        return address(_token);
    }

    function _payDeadline(AuctionRecord storage record) private view returns (uint64) {
        // Cannot underflow: pausedSeconds() never decreases.
        uint64 paused = parameters().pausedSeconds() - record.pausedAtCommit;
        return record.result.payDeadline + paused;
    }

    function _committed(bytes32 auctionId) private view returns (AuctionRecord storage record) {
        record = _auctions[auctionId];
        if (record.result.bidsRoot == bytes32(0)) {
            revert AuctionNotCommitted(auctionId);
        }
    }
}
