// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SortedTree} from "../libraries/SortedTree.sol";

/// @title IClearingLedger
/// @notice The hourly public record (market.md §7). For every cleared hour the oracle commits
/// three Merkle roots and a summary; anyone proves a single price, participant entry or cleared
/// order against them. Commit gas is constant: nothing scales with products or participants.
///
/// Trees are OpenZeppelin `StandardMerkleTree`s (sorted-pair hashing, sorted leaves); every
/// leaf is `keccak256(bytes.concat(keccak256(abi.encode(...))))` of (see {MarketLeaves}):
/// - price leaf `(bytes32 productId, int256 price)`: productId = keccak256(bytes(productName)),
///   price in capacity-token wei per GB (18 decimals). Signed: clearing prices are duals and
///   may be negative.
/// - entry leaf `(address participant, int256 cash, uint256 fee, bytes32 tradesHash)`: cash in
///   wei, negative = pays; fee in wei; tradesHash = keccak256(abi.encode(bytes32[] productIds,
///   int256[] quantities)), quantities in 18-decimal GB.
/// - order leaf `(bytes32 orderKey, int256 quantity)`: orderKey = keccak256(bytes(orderId)),
///   quantity = trade rate in 18-decimal GB per hour.
/// - fill `orderKey → (address participant, int256 quantity, bytes32 terms, bytes32 signed)` in
///   the fills tree, a {SortedTree} sorted by order key (see {FillsTree}): the order's trade, the
///   terms it was cleared under, terms = keccak256(abi.encode(bytes32[] products, int256[] weights,
///   int256[] curveQuantities, int256[] curvePrices, int256 windowLow, int256 windowHigh)) (the
///   curve as its participant signed it and the quantity window the collateral rule cut it to,
///   see {isFillOffCurve}), and the participant's signature of it, signed = keccak256(abi.encode(
///   uint256 nonce, uint64 fromHour, uint64 untilHour, bytes32 replaces, keccak256(signature),
///   keccak256(abi.encodePacked(batchOrders)), bytes32 batchCancels)) (see {isFillUnsigned}).
/// - trade line `(productId ‖ orderKey) → (int256 amount, int256 sumBefore, uint256 grossBefore)`
///   in the trade-lines tree, a {SortedTree} (see {TradeLines}): every committed fill's trade
///   in each product of its portfolio, with running sums per product, so that a product whose
///   trades do not sum to zero can be proven on chain (see {isUnbalanced}). Every line's source
///   is a key of the fills tree: a fill's order key, or the unbacked source of the participant
///   whose trades no fill backs, `keccak256("unbacked:" ‖ address) → abi.encode(participant)`
///   (see {isLineUnbacked}).
/// A tree with no leaves has root bytes32(0), against which nothing verifies.
interface IClearingLedger {
    /// @notice Commitment of one cleared hour. Quantities are 18-decimal fixed point:
    /// welfare, volume and the certificate residuals scaled by 1e18; fees in capacity-token wei.
    struct HourCommitment {
        bytes32 ordersRoot;
        bytes32 pricesRoot;
        bytes32 entriesRoot;
        uint256 welfare;
        uint256 volume;
        uint256 fees;
        uint256 maxImbalance;
        uint256 maxOrderGap;
        bytes32 linesRoot;
        uint256 linesCount;
        bytes32 holdingsRoot;
        uint256 holdingsCount;
        bytes32 fillsRoot;
        uint256 fillsCount;
    }

    /// @notice The rest of an order as its participant signed it (EIP-712 `Order`, domain
    /// "flowmarket" version "1", this chain, this ledger) and the signature: 65 bytes r ‖ s ‖ v.
    /// An order signed inside an `OrderBatch` has the batch's signature, `batchOrders` the
    /// struct hashes of the batch's orders in signed order and `batchCancels` the keccak256 of
    /// its cancelled ids concatenated (an order signed alone: no batch orders, zero cancels).
    struct OrderSignature {
        uint256 nonce;
        uint64 fromHour;
        uint64 untilHour;
        bytes32 replaces;
        bytes signature;
        bytes32[] batchOrders;
        bytes32 batchCancels;
    }

    /// @notice A committed fill, the terms its order was cleared under (the signed curve and
    /// the window [windowLow, windowHigh] of quantities the collateral rule left it, which must
    /// contain 0) and its signature, with its index in the hour's fills tree and its leaf's
    /// proof against the fills root (see {FillsTree}).
    struct OrderFill {
        bytes32 orderKey;
        address participant;
        int256 quantity;
        bytes32[] products;
        int256[] weights;
        int256[] curveQuantities;
        int256[] curvePrices;
        int256 windowLow;
        int256 windowHigh;
        OrderSignature signed;
        uint256 index;
        bytes32[] proof;
    }

    /// @notice One named portfolio of a portfolio order as signed (EIP-712 `Portfolio`): its
    /// name, its weight in the curve's quantity, its products (ids, ascending by name) and
    /// their weights; 18-decimal fixed point.
    struct Portfolio {
        string name;
        int256 weight;
        bytes32[] products;
        int256[] weights;
    }

    /// @notice A committed fill of a portfolio order (EIP-712 `PortfolioOrder`, signed alone):
    /// the curve's quantity (Σ weight × rate), each portfolio's rate in signed order, the
    /// portfolios and curve as signed, the rest of the signed order and its signature, with
    /// the fill leaf's proof against the hour's orders root (see
    /// {MarketLeaves.portfolioFillLeaf}).
    struct PortfolioFill {
        bytes32 orderKey;
        address participant;
        int256 quantity;
        int256[] rates;
        Portfolio[] portfolios;
        int256[] curveQuantities;
        int256[] curvePrices;
        uint256 nonce;
        uint64 fromHour;
        uint64 untilHour;
        bytes32 replaces;
        bytes signature;
        bytes32[] proof;
    }

    /// @notice The price of one product of the hour (wei per GB) with its proof against the
    /// hour's prices root.
    struct ProvenPrice {
        int256 price;
        bytes32[] proof;
    }

    /// @notice Hours must be committed in order: `expected` is the only hour accepted now.
    error LedgerWrongHour(uint64 hour, uint64 expected);
    /// @notice Hour `hour`'s bidding window closes at `closesAt` (h · 3600, Unix seconds):
    /// nothing about it can be committed before.
    error LedgerHourNotClosed(uint64 hour, uint256 closesAt);
    /// @notice The hour has not been committed.
    error LedgerHourNotCommitted(uint64 hour);

    /// @notice Hour `hour` was committed; the full commitment is in the event for indexers.
    event HourCommitted(
        uint64 indexed hour,
        bytes32 ordersRoot,
        bytes32 pricesRoot,
        bytes32 entriesRoot,
        uint256 welfare,
        uint256 volume,
        uint256 fees,
        uint256 maxImbalance,
        uint256 maxOrderGap
    );

    /// @notice Hour `hour`'s trade-lines tree (root and number of leaves).
    event TradeLinesCommitted(uint64 indexed hour, bytes32 linesRoot, uint256 linesCount);
    /// @notice Hour `hour`'s fills tree (root and number of leaves).
    event FillsCommitted(uint64 indexed hour, bytes32 fillsRoot, uint256 fillsCount);

    /// @notice Commit hour `hour` (must equal `nextHour()` and have closed: h · 3600 ≤ now).
    /// Oracle only; not while paused.
    function commitHour(uint64 hour, HourCommitment calldata c) external;

    /// @notice The first hour index of the ledger; week w covers genesisHour + 168 w ... + 167.
    function genesisHour() external view returns (uint64);
    /// @notice The only hour `commitHour` accepts next.
    function nextHour() external view returns (uint64);
    function isCommitted(uint64 hour) external view returns (bool);
    /// @notice The commitment of a committed hour; reverts {LedgerHourNotCommitted} otherwise.
    function hourCommitment(uint64 hour) external view returns (HourCommitment memory);
    /// @notice True once all 168 hours of `week` are committed.
    function isWeekCommitted(uint64 week) external view returns (bool);

    /// @notice True when (productId, price) is a leaf of the hour's prices tree.
    function verifyPrice(uint64 hour, bytes32 productId, int256 price, bytes32[] calldata proof)
        external
        view
        returns (bool);
    /// @notice True when the participant entry is a leaf of the hour's entries tree.
    function verifyEntry(
        uint64 hour,
        address participant,
        int256 cash,
        uint256 fee,
        bytes32 tradesHash,
        bytes32[] calldata proof
    ) external view returns (bool);
    /// @notice True when the evidence proves the fill is not what its order's curve gives at the
    /// hour's committed prices: the fill is a leaf of the hour's fills tree, `prices[k]` is the
    /// committed price of `products[k]` (each proven), and either the terms are not an order the
    /// market accepts (lengths differ, more than 256 products or 64 curve points, quantities not
    /// strictly increasing, prices increasing, quantity range or window without 0), or the
    /// quantity lies outside the curve's quantities, each clamped to the window, over the
    /// portfolio price P = Σ w·price / 1e18 widened by the tolerance (docs/settlement.md): prices
    /// within 1e-6·max(1 token, |P|, the governed highest order price) of P, quantities within
    /// 1e-6·max(1 GB, largest |curve quantity|). False when the evidence does not hold.
    function isFillOffCurve(uint64 hour, OrderFill calldata fill, ProvenPrice[] calldata prices)
        external
        view
        returns (bool);

    /// @notice True when the evidence proves the fill is not backed by an order its participant
    /// signed: the fill is a leaf of the hour's fills tree and either the hour is outside the
    /// order's [fromHour, untilHour], or the order is committed as part of a batch that does not
    /// list its struct hash, or the signature does not recover the participant from the EIP-712
    /// digest (the order's, or its batch's) under this ledger's domain: not 65 bytes, v not 27
    /// or 28, s above half the curve order (malleable), no signer, or another signer.
    /// False when the evidence does not hold.
    function isFillUnsigned(uint64 hour, OrderFill calldata fill) external view returns (bool);

    /// @notice {isFillUnsigned} for a portfolio order's fill: true when its fill leaf is in the
    /// hour's orders tree and the hour is outside the order's hours or the signature does not
    /// recover the participant from the `PortfolioOrder` digest rebuilt from the fill's fields.
    /// False when the evidence does not hold. `WeeklySettlement.challengeBalance` takes it.
    function isPortfolioFillUnsigned(uint64 hour, PortfolioFill calldata fill) external view returns (bool);

    /// @notice The EIP-712 domain separator orders are signed under (name "flowmarket",
    /// version "1", this chain's id, this ledger's address).
    function domainSeparator() external view returns (bytes32);

    /// @notice True when (orderKey, quantity) is a leaf of the hour's cleared-orders tree.
    function verifyOrder(uint64 hour, bytes32 orderKey, int256 quantity, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice True when the evidence proves a trade line is not its fill: `fill` is a fill leaf
    /// of the hour's fills tree, `line` a leaf of its trade-lines tree keyed (products[k],
    /// orderKey), and the line's amount is not quantity × weights[k] / 1e18 (rounded toward
    /// zero). False when the evidence does not hold.
    function isLineOffFill(uint64 hour, OrderFill calldata fill, uint256 k, SortedTree.Item calldata line)
        external
        view
        returns (bool);
    /// @notice True when the evidence proves a fill has no line: `fill` is a fill leaf of the
    /// hour, quantity × weights[k] / 1e18 is not zero, and `bracket` proves that the key
    /// (products[k], orderKey) is absent from the trade-lines tree ({SortedTree.isAbsent}).
    function isLineMissing(uint64 hour, OrderFill calldata fill, uint256 k, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool);
    /// @notice True when the evidence proves a product's committed trades do not sum to zero, or
    /// that the running sums that say so are wrong. With `pair`, `a` and `b` are adjacent
    /// well-formed lines: of one product, b's sums are not a's plus a's amount (and |amount|);
    /// of two, b's sums are not zero or a's product ends outside the tolerance. Without, `a`
    /// is line 0 with sums that are not zero, or the last line ending outside the tolerance.
    /// The tolerance: |Σ amount| > 1e-6 · max(1 GB/h, Σ |amount|) over the product's lines.
    function isUnbalanced(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool);
    /// @notice True when the trade-lines tree is malformed: with `pair`, two leaves share an
    /// index, or adjacent leaves have keys not strictly increasing; without, `a` is a leaf with
    /// an index at or above the count, or not a line's shape ({TradeLines.wellFormed}).
    function isLinesMalformed(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool);

    /// @notice True when the evidence proves a trade line has no source: `line` is a leaf of the
    /// hour's trade-lines tree and `bracket` proves that its source is absent from the fills tree
    /// ({SortedTree.isAbsent}): a line on an order key with no fill leaf, or an unbacked line of
    /// a participant the fills tree does not list.
    function isLineUnbacked(uint64 hour, SortedTree.Item calldata line, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool);
    /// @notice True when the evidence proves a fill has a line in a product outside its
    /// portfolio: `fill` is a leaf of the fills tree, `line` a leaf of the trade-lines tree
    /// whose source is the fill's order key and whose product is none of the fill's products.
    function isLineOutsideFill(uint64 hour, OrderFill calldata fill, SortedTree.Item calldata line)
        external
        view
        returns (bool);
    /// @notice True when the fills tree is malformed: with `pair`, two leaves share an index, or
    /// adjacent leaves have keys not strictly increasing (two fill leaves for one order); without,
    /// `a` is a leaf with an index at or above the count, or not a fill's or an unbacked source's
    /// shape ({FillsTree.isMalformed}).
    function isFillsMalformed(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool);
}
