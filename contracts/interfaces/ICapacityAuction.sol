// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ICapacityAuction
/// @notice The on-chain record of primary capacity auctions (clock releases and network
/// expansions) and the settlement of their payments. The auctioneer (the market's oracle)
/// commits each finished auction once: a Merkle root of its awards, a Merkle root of the
/// signed bids it was computed from, the seller and the totals. Each winner's payment is then
/// pulled from the winner (ERC-20 allowance) to the seller against its award leaf, once, before
/// the payment deadline; an award unpaid by then lapses and is never credited. Payments stop
/// while the market is paused, so the deadline moves by the time the market spends paused after
/// the commit ({payDeadlineOf}).
///
/// Trees are OpenZeppelin `StandardMerkleTree`s (sorted-pair hashing, sorted leaves); leaves
/// are double-hashed (see {AuctionLeaves}):
/// - award leaf `(bytes32 auctionId, address bidder, uint256 payment, bytes32 awardsHash)`:
///   auctionId = keccak256(bytes(auctionName)), payment in capacity-token wei, awardsHash =
///   keccak256(abi.encode(bytes32[] ids, int256[] quantities)) with ids = keccak256 of the
///   product (clock) or leg (expansion) names, ascending by name, quantities in 18-decimal GB
///   (GB per hour of capacity on a leg).
/// - bid leaf `(bytes32 bidDigest)`: the EIP-712 digest of every accepted signed bid (every
///   revision, every round), so anyone holding the published bids can rebuild the root and
///   replay the auction round by round.
interface ICapacityAuction {
    enum AuctionKind {
        Clock,
        Expansion
    }

    /// @notice What the auctioneer commits. Amounts in wei; `payDeadline` in Unix seconds.
    struct ResultCommitment {
        AuctionKind kind;
        bytes32 awardsRoot;
        bytes32 bidsRoot;
        address seller;
        uint256 totalPayments;
        uint32 winners;
        uint64 payDeadline;
    }

    /// @notice A committed auction and how much of it is paid; `pausedAtCommit` is the market's
    /// `pausedSeconds()` when the results were committed.
    struct AuctionRecord {
        ResultCommitment result;
        uint256 paid;
        uint32 paidCount;
        uint64 pausedAtCommit;
    }

    /// @notice The auction's results are already committed.
    error AuctionAlreadyCommitted(bytes32 auctionId);
    /// @notice No results are committed for the auction.
    error AuctionNotCommitted(bytes32 auctionId);
    /// @notice An auction with winners needs a non-zero awards root (and any auction a bids root).
    error AuctionZeroRoot(bytes32 auctionId);
    /// @notice The seller is the zero address.
    error AuctionZeroSeller(bytes32 auctionId);
    /// @notice The payment deadline is not in the future.
    error AuctionDeadlineInPast(bytes32 auctionId, uint64 payDeadline, uint256 timestamp);
    /// @notice The leaf is not in the auction's awards tree.
    error AuctionInvalidProof(bytes32 auctionId, address bidder, uint256 payment);
    /// @notice The award was already paid.
    error AuctionAlreadyPaid(bytes32 auctionId, address bidder);
    /// @notice The payment window closed at `payDeadline` (pauses included); the award lapsed.
    error AuctionPaymentWindowOver(bytes32 auctionId, uint64 payDeadline);
    /// @notice Paying would exceed the committed totals (a bad root can never move more).
    error AuctionExceedsTotal(bytes32 auctionId, uint256 requested, uint256 remaining);

    /// @notice An auction's results were committed.
    event AuctionResultsCommitted(
        bytes32 indexed auctionId,
        AuctionKind kind,
        bytes32 awardsRoot,
        bytes32 bidsRoot,
        address indexed seller,
        uint256 totalPayments,
        uint32 winners,
        uint64 payDeadline
    );
    /// @notice `bidder` paid `payment` wei to the seller for the awards hashed in `awardsHash`.
    event AwardPaid(bytes32 indexed auctionId, address indexed bidder, uint256 payment, bytes32 awardsHash);

    /// @notice Commit a finished auction's results. Oracle only; not while paused; once per auction.
    function commitResults(bytes32 auctionId, ResultCommitment calldata c) external;

    /// @notice Pay an award: pulls `payment` wei from `bidder` (allowance to this contract) to
    /// the seller. Anyone may send it (the leaf is the bidder's committed obligation); at most
    /// once per award, before the deadline; not while paused.
    function payAward(
        bytes32 auctionId,
        address bidder,
        uint256 payment,
        bytes32 awardsHash,
        bytes32[] calldata proof
    ) external;

    /// @notice The committed record; reverts {AuctionNotCommitted} when there is none.
    function auction(bytes32 auctionId) external view returns (AuctionRecord memory);
    function isCommitted(bytes32 auctionId) external view returns (bool);
    /// @notice The committed deadline plus the seconds the market has been paused since the
    /// commit (Unix seconds); reverts {AuctionNotCommitted} when there is none.
    function payDeadlineOf(bytes32 auctionId) external view returns (uint64);
    function isPaid(bytes32 auctionId, address bidder) external view returns (bool);
    /// @notice True when the award leaf is in the auction's awards tree.
    function verifyAward(
        bytes32 auctionId,
        address bidder,
        uint256 payment,
        bytes32 awardsHash,
        bytes32[] calldata proof
    ) external view returns (bool);
    /// @notice True when `bidDigest` is a leaf of the auction's bids tree.
    function verifyBid(bytes32 auctionId, bytes32 bidDigest, bytes32[] calldata proof)
        external
        view
        returns (bool);
    /// @notice The capacity token payments are made in.
    function token() external view returns (address);
}
