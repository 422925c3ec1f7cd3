// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IClearingLedger} from "../interfaces/IClearingLedger.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {FillsTree} from "../libraries/FillsTree.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {SortedTree} from "../libraries/SortedTree.sol";
import {TradeLines} from "../libraries/TradeLines.sol";
import {Holdings} from "../libraries/Holdings.sol";
import {IHoldingsLedger} from "../interfaces/IHoldingsLedger.sol";
import {OrderSignatures} from "../libraries/OrderSignatures.sol";
import {PortfolioOrders} from "../libraries/PortfolioOrders.sol";
import {MarketAccess} from "./MarketAccess.sol";

/// @title ClearingLedger
/// @notice Stores one fixed-size commitment per cleared hour; gas per commit does not depend
/// on the number of products, orders or participants.
contract ClearingLedger is IClearingLedger, IHoldingsLedger, MarketAccess {
    /// @notice Hours in a settlement week (7 × 24).
    uint64 public constant HOURS_PER_WEEK = 168;
    /// @notice Hour indices are Unix hours: hour h's bidding window closes at h · 3600.
    uint256 public constant SECONDS_PER_HOUR = 3600;

    /// @notice Most products in an order's portfolio and points on its curve (the API's limits).
    uint256 public constant MAX_PORTFOLIO_PRODUCTS = 256;
    uint256 public constant MAX_CURVE_POINTS = 64;
    /// @dev Relative tolerance of the fill check: 1e-6 (a hundred times the clearing gate's).
    uint256 private constant _TOLERANCE_DIVISOR = 1_000_000;
    int256 private constant _WAD = 1e18;

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
        emit TradeLinesCommitted(hour, c.linesRoot, c.linesCount);
        emit HoldingsCommitted(hour, c.holdingsRoot, c.holdingsCount);
        emit FillsCommitted(hour, c.fillsRoot, c.fillsCount);
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

    /// @inheritdoc IClearingLedger
    function isFillOffCurve(uint64 hour, OrderFill calldata fill, ProvenPrice[] calldata prices)
        external
        view
        returns (bool)
    {
        _requireCommitted(hour);
        HourCommitment storage c = _hours[hour];
        if (!_isCommittedFill(c, fill)) return false;
        if (!_wellFormed(fill)) return true;
        (bool proven, int256 portfolioPrice) = _portfolioPrice(fill, prices, c.pricesRoot);
        int256 maxPrice = int256(uint256(parameters().orderLimits().maxPrice));
        return proven && _isOffCurve(fill, portfolioPrice, maxPrice);
    }

    /// @inheritdoc IClearingLedger
    function isLineOffFill(uint64 hour, OrderFill calldata fill, uint256 k, SortedTree.Item calldata line)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_provesFill(c, fill, k)) return false;
        if (!TradeLines.wellFormed(line) || !SortedTree.isMember(c.linesRoot, c.linesCount, line)) return false;
        TradeLines.Line memory l = TradeLines.decode(line);
        return l.product == fill.products[k] && l.source == fill.orderKey
            && l.amount != _lineAmount(hour, fill, k);
    }

    /// @inheritdoc IClearingLedger
    function isLineMissing(uint64 hour, OrderFill calldata fill, uint256 k, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_provesFill(c, fill, k) || _lineAmount(hour, fill, k) == 0) return false;
        bytes memory key = TradeLines.key(fill.products[k], fill.orderKey);
        return SortedTree.isAbsent(c.linesRoot, c.linesCount, key, bracket);
    }

    /// @inheritdoc IClearingLedger
    function isUnbalanced(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        (bytes32 root, uint256 count) = (c.linesRoot, c.linesCount);
        if (!TradeLines.wellFormed(a) || !SortedTree.isMember(root, count, a)) return false;
        TradeLines.Line memory la = TradeLines.decode(a);
        if (!pair) {
            return (a.index == 0 && TradeLines.opensBadly(la))
                || (a.index == count - 1 && TradeLines.closesBadly(la));
        }
        if (!TradeLines.wellFormed(b) || !SortedTree.areAdjacent(root, count, a, b)) return false;
        TradeLines.Line memory lb = TradeLines.decode(b);
        if (la.product == lb.product) return TradeLines.continuesBadly(la, lb);
        return TradeLines.opensBadly(lb) || TradeLines.closesBadly(la);
    }

    /// @inheritdoc IClearingLedger
    function isLinesMalformed(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        (bytes32 root, uint256 count) = (c.linesRoot, c.linesCount);
        if (pair) return SortedTree.isDuplicateIndex(root, a, b) || SortedTree.isUnsorted(root, count, a, b);
        return SortedTree.isOutOfRange(root, count, a) || (!TradeLines.wellFormed(a) && SortedTree.proves(root, a));
    }

    /// @inheritdoc IClearingLedger
    function isLineUnbacked(uint64 hour, SortedTree.Item calldata line, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!TradeLines.wellFormed(line) || !SortedTree.isMember(c.linesRoot, c.linesCount, line)) return false;
        bytes memory source = abi.encodePacked(TradeLines.decode(line).source);
        return SortedTree.isAbsent(c.fillsRoot, c.fillsCount, source, bracket);
    }

    /// @inheritdoc IClearingLedger
    function isLineOutsideFill(uint64 hour, OrderFill calldata fill, SortedTree.Item calldata line)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_isCommittedFill(c, fill)) return false;
        if (!TradeLines.wellFormed(line) || !SortedTree.isMember(c.linesRoot, c.linesCount, line)) return false;
        TradeLines.Line memory l = TradeLines.decode(line);
        if (l.source != fill.orderKey) return false;
        for (uint256 k = 0; k < fill.products.length; ++k) {
            if (fill.products[k] == l.product) return false;
        }
        return true;
    }

    /// @inheritdoc IClearingLedger
    function isFillsMalformed(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        (bytes32 root, uint256 count) = (c.fillsRoot, c.fillsCount);
        if (pair) return SortedTree.isDuplicateIndex(root, a, b) || SortedTree.isUnsorted(root, count, a, b);
        return SortedTree.isOutOfRange(root, count, a) || (FillsTree.isMalformed(a) && SortedTree.proves(root, a));
    }

    /// @dev The fill is a leaf of the hour's fills tree, and `k` one of its products.
    function _provesFill(HourCommitment storage c, OrderFill calldata fill, uint256 k) private view returns (bool) {
        if (k >= fill.products.length || fill.weights.length != fill.products.length) return false;
        return _isCommittedFill(c, fill);
    }

    /// @dev The line of the fill's trade in its k-th product: quantity × weight, times the
    /// hour's governed clearing interval / 3600 (what the rate delivers in one interval).
    function _lineAmount(uint64 hour, OrderFill calldata fill, uint256 k) private view returns (int256) {
        return TradeLines.amountIn(fill.quantity, fill.weights[k], parameters().clearingIntervalAt(hour));
    }

    function _committedHour(uint64 hour) private view returns (HourCommitment storage) {
        _requireCommitted(hour);
        return _hours[hour];
    }

    /// @inheritdoc IClearingLedger
    function isFillUnsigned(uint64 hour, OrderFill calldata fill) external view returns (bool) {
        _requireCommitted(hour);
        if (!_isCommittedFill(_hours[hour], fill)) return false;
        return !OrderSignatures.isSignedBy(domainSeparator(), hour, fill);
    }

    /// @inheritdoc IClearingLedger
    function isPortfolioFillUnsigned(uint64 hour, PortfolioFill calldata fill) external view returns (bool) {
        _requireCommitted(hour);
        bytes32 portfolios = PortfolioOrders.portfoliosHash(fill.portfolios);
        bytes32 leaf = PortfolioOrders.leaf(fill, portfolios);
        if (!MerkleProof.verifyCalldata(fill.proof, _hours[hour].ordersRoot, leaf)) return false;
        return !PortfolioOrders.isSignedBy(domainSeparator(), hour, fill, portfolios);
    }

    /// @inheritdoc IClearingLedger
    function domainSeparator() public view returns (bytes32) {
        return OrderSignatures.domainSeparator(block.chainid, address(this));
    }

    /// @dev The fill is leaf `fill.index` of the hour's fills tree (a member: index below the count).
    function _isCommittedFill(HourCommitment storage c, OrderFill calldata fill) private view returns (bool) {
        bytes32 terms = MarketLeaves.termsHash(
            fill.products, fill.weights, fill.curveQuantities, fill.curvePrices, fill.windowLow, fill.windowHigh
        );
        bytes32 signed = MarketLeaves.signedHash(fill.signed);
        bytes memory value = FillsTree.fillValue(fill.participant, fill.quantity, terms, signed);
        bytes32 leaf = SortedTree.leafHash(fill.index, abi.encodePacked(fill.orderKey), value);
        return fill.index < c.fillsCount && MerkleProof.verifyCalldata(fill.proof, c.fillsRoot, leaf);
    }

    /// @dev Σ weight·price / 1e18 over the portfolio, when every price is proven.
    function _portfolioPrice(OrderFill calldata fill, ProvenPrice[] calldata prices, bytes32 pricesRoot)
        private
        pure
        returns (bool proven, int256 portfolioPrice)
    {
        uint256 n = fill.products.length;
        if (prices.length != n) return (false, 0);
        for (uint256 k = 0; k < n; ++k) {
            bytes32 priceLeaf = MarketLeaves.priceLeaf(fill.products[k], prices[k].price);
            if (!MerkleProof.verifyCalldata(prices[k].proof, pricesRoot, priceLeaf)) return (false, 0);
            portfolioPrice += fill.weights[k] * prices[k].price;
        }
        return (true, portfolioPrice / _WAD);
    }

    /// @dev The fill lies outside the curve's quantities at prices within the slack of P,
    /// each clamped to the window (the signed curve as the collateral rule cut it), widened by
    /// the quantity slack. The price slack also scales with the governed highest
    /// order price, which bounds the clearing engine's own tie tolerance (10^-10 of the
    /// book's highest order price).
    function _isOffCurve(OrderFill calldata fill, int256 portfolioPrice, int256 maxPrice)
        private
        pure
        returns (bool)
    {
        int256 priceSlack = _max(_max(_WAD, _abs(portfolioPrice)), maxPrice) / int256(_TOLERANCE_DIVISOR);
        int256 extent = _WAD;
        for (uint256 k = 0; k < fill.curveQuantities.length; ++k) {
            extent = _max(extent, _abs(fill.curveQuantities[k]));
        }
        int256 quantitySlack = extent / int256(_TOLERANCE_DIVISOR);
        int256 lowest = _clamp(
            _lowestAt(fill.curveQuantities, fill.curvePrices, portfolioPrice + priceSlack), fill.windowLow, fill.windowHigh
        );
        int256 highest = _clamp(
            _highestAt(fill.curveQuantities, fill.curvePrices, portfolioPrice - priceSlack), fill.windowLow, fill.windowHigh
        );
        return fill.quantity < lowest - quantitySlack || fill.quantity > highest + quantitySlack;
    }

    /// @dev The terms are an order the market accepts (curves.py's rules, the API's limits) and
    /// the window contains 0 (the collateral rule only ever cuts towards balance).
    function _wellFormed(OrderFill calldata fill) private pure returns (bool) {
        uint256 n = fill.products.length;
        uint256 points = fill.curveQuantities.length;
        if (n == 0 || n > MAX_PORTFOLIO_PRODUCTS || fill.weights.length != n) return false;
        if (points == 0 || points > MAX_CURVE_POINTS || fill.curvePrices.length != points) return false;
        for (uint256 k = 1; k < points; ++k) {
            if (fill.curveQuantities[k] <= fill.curveQuantities[k - 1]) return false;
            if (fill.curvePrices[k] > fill.curvePrices[k - 1]) return false;
        }
        return fill.curveQuantities[0] <= 0 && fill.curveQuantities[points - 1] >= 0 && fill.windowLow <= 0
            && fill.windowHigh >= 0;
    }

    /// @dev The largest quantity on the curve whose price is at least `price` (the first point's
    /// quantity when none is), interpolated between points and rounded up.
    function _highestAt(int256[] calldata q, int256[] calldata p, int256 price) private pure returns (int256) {
        uint256 points = q.length;
        if (p[0] < price) return q[0];
        uint256 k = 0;
        while (k + 1 < points && p[k + 1] >= price) ++k;
        if (k + 1 == points) return q[k];
        // p[k] >= price > p[k + 1]
        int256 num = (p[k] - price) * (q[k + 1] - q[k]);
        int256 den = p[k] - p[k + 1];
        return q[k] + (num + den - 1) / den;
    }

    /// @dev The smallest quantity on the curve whose price is at most `price` (the last point's
    /// quantity when none is), interpolated between points and rounded down.
    function _lowestAt(int256[] calldata q, int256[] calldata p, int256 price) private pure returns (int256) {
        uint256 points = q.length;
        if (p[points - 1] > price) return q[points - 1];
        uint256 k = 0;
        while (p[k] > price) ++k;
        if (k == 0) return q[0];
        // p[k - 1] > price >= p[k]
        int256 num = (p[k - 1] - price) * (q[k] - q[k - 1]);
        int256 den = p[k - 1] - p[k];
        return q[k - 1] + num / den;
    }

    function _clamp(int256 x, int256 lo, int256 hi) private pure returns (int256) {
        return x < lo ? lo : (x > hi ? hi : x);
    }

    function _abs(int256 x) private pure returns (int256) {
        return x < 0 ? -x : x;
    }

    function _max(int256 a, int256 b) private pure returns (int256) {
        return a > b ? a : b;
    }

    function _requireCommitted(uint64 hour) private view {
        if (!isCommitted(hour)) {
            revert LedgerHourNotCommitted(hour);
        }
    }

    // ---- Holdings: an hour's entries bound to its trade lines (docs/settlement.md) ----

    /// @inheritdoc IHoldingsLedger
    function isHoldingsUnbalanced(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        (bytes32 root, uint256 count) = (c.holdingsRoot, c.holdingsCount);
        if (!Holdings.wellFormed(a) || !SortedTree.isMember(root, count, a)) return false;
        if (!pair) {
            Holdings.Holding memory h = Holdings.decode(a);
            return (a.index == 0 && Holdings.opensBadly(h)) || Holdings.roundsTooMuch(h);
        }
        if (!Holdings.wellFormed(b) || !SortedTree.areAdjacent(root, count, a, b)) return false;
        return Holdings.continuesBadly(Holdings.decode(a), Holdings.decode(b));
    }

    /// @inheritdoc IHoldingsLedger
    function isHoldingsMalformed(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        (bytes32 root, uint256 count) = (c.holdingsRoot, c.holdingsCount);
        if (pair) return SortedTree.isDuplicateIndex(root, a, b) || SortedTree.isUnsorted(root, count, a, b);
        return SortedTree.isOutOfRange(root, count, a) || (!Holdings.wellFormed(a) && SortedTree.proves(root, a));
    }

    /// @inheritdoc IHoldingsLedger
    function isHoldingMispriced(uint64 hour, SortedTree.Item calldata holding, int256 price, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_isHolding(c, holding)) return false;
        Holdings.Holding memory h = Holdings.decode(holding);
        if (h.product == Holdings.IMBALANCE) return h.price != -Holdings.WAD;
        return h.price != price
            && MerkleProof.verifyCalldata(proof, c.pricesRoot, MarketLeaves.priceLeaf(h.product, price));
    }

    /// @inheritdoc IHoldingsLedger
    function isHoldingOffLine(uint64 hour, SortedTree.Item calldata holding, SortedTree.Item calldata line)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_isHolding(c, holding)) return false;
        if (!TradeLines.wellFormed(line) || !SortedTree.isMember(c.linesRoot, c.linesCount, line)) return false;
        Holdings.Holding memory h = Holdings.decode(holding);
        TradeLines.Line memory l = TradeLines.decode(line);
        return l.product == h.product && l.source == h.source && l.amount != h.amount;
    }

    /// @inheritdoc IHoldingsLedger
    function isHoldingUnlined(uint64 hour, SortedTree.Item calldata holding, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_isHolding(c, holding)) return false;
        Holdings.Holding memory h = Holdings.decode(holding);
        if (h.source == Holdings.ROUNDING) return false;
        return SortedTree.isAbsent(c.linesRoot, c.linesCount, TradeLines.key(h.product, h.source), bracket);
    }

    /// @inheritdoc IHoldingsLedger
    function isLineUnheld(uint64 hour, SortedTree.Item calldata line, address owner, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!TradeLines.wellFormed(line) || !SortedTree.isMember(c.linesRoot, c.linesCount, line)) return false;
        TradeLines.Line memory l = TradeLines.decode(line);
        if (l.source != Holdings.unbackedSource(owner) || l.amount == 0) return false;
        return Holdings.isPrefixAbsent(c.holdingsRoot, c.holdingsCount, Holdings.key(owner, l.product, l.source), bracket);
    }

    /// @inheritdoc IHoldingsLedger
    function isFillUnheld(uint64 hour, OrderFill calldata fill, uint256 k, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_provesFill(c, fill, k) || TradeLines.amountOf(fill.quantity, fill.weights[k]) == 0) return false;
        bytes memory k_ = Holdings.key(fill.participant, fill.products[k], fill.orderKey);
        return Holdings.isPrefixAbsent(c.holdingsRoot, c.holdingsCount, k_, bracket);
    }

    /// @inheritdoc IHoldingsLedger
    function isHoldingMisowned(uint64 hour, SortedTree.Item calldata holding, address owner)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_isHolding(c, holding)) return false;
        Holdings.Holding memory h = Holdings.decode(holding);
        return h.source == Holdings.unbackedSource(owner) && h.participant != owner;
    }

    /// @inheritdoc IHoldingsLedger
    function isHoldingOffFill(uint64 hour, SortedTree.Item calldata holding, OrderFill calldata fill)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_isHolding(c, holding) || !_isCommittedFill(c, fill)) return false;
        Holdings.Holding memory h = Holdings.decode(holding);
        return h.source == fill.orderKey && h.participant != fill.participant;
    }

    /// @inheritdoc IHoldingsLedger
    function isEntryOffHoldings(
        uint64 hour,
        ProvenEntry calldata entry,
        SortedTree.Item calldata last,
        SortedTree.Item[] calldata next
    ) external view returns (bool) {
        HourCommitment storage c = _committedHour(hour);
        if (!_isEntry(c, entry) || !_isHolding(c, last)) return false;
        Holdings.Holding memory h = Holdings.decode(last);
        if (h.participant != entry.participant) return false;
        bool closes = true; // `last` is its participant's last holding
        if (next.length == 1) {
            if (!Holdings.wellFormed(next[0]) || !SortedTree.areAdjacent(c.holdingsRoot, c.holdingsCount, last, next[0])) {
                return false;
            }
            Holdings.Holding memory n = Holdings.decode(next[0]);
            if (n.participant == h.participant && n.product == h.product) return false;
            closes = n.participant != h.participant;
        } else if (next.length != 0 || last.index != c.holdingsCount - 1) {
            return false;
        }
        if (h.product != Holdings.IMBALANCE && Holdings.positionAfter(h) != _quantityOf(entry, h.product)) return true;
        return closes && _isWholeHour(hour) && Holdings.isCashOff(entry.cash, entry.fee, Holdings.cashAfter(h));
    }

    /// @inheritdoc IHoldingsLedger
    function isEntryUnheld(uint64 hour, ProvenEntry calldata entry, uint256 k, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool)
    {
        HourCommitment storage c = _committedHour(hour);
        if (!_isEntry(c, entry)) return false;
        bytes memory prefix;
        if (k < entry.products.length) {
            if (entry.quantities[k] == 0) return false;
            prefix = abi.encodePacked(entry.participant, entry.products[k]);
        } else if (k == entry.products.length && _isWholeHour(hour)) {
            if (entry.cash == -int256(entry.fee)) return false;
            prefix = abi.encodePacked(entry.participant);
        } else {
            return false;
        }
        return Holdings.isPrefixAbsent(c.holdingsRoot, c.holdingsCount, prefix, bracket);
    }

    function _isHolding(HourCommitment storage c, SortedTree.Item calldata item) private view returns (bool) {
        return Holdings.wellFormed(item) && SortedTree.isMember(c.holdingsRoot, c.holdingsCount, item);
    }

    function _isEntry(HourCommitment storage c, ProvenEntry calldata e) private view returns (bool) {
        if (e.products.length != e.quantities.length || e.fee > Holdings.MAX_SUM) return false;
        bytes32 trades = MarketLeaves.hashTrades(e.products, e.quantities);
        bytes32 leaf = MarketLeaves.entryLeaf(e.participant, e.cash, e.fee, trades);
        return MerkleProof.verifyCalldata(e.proof, c.entriesRoot, leaf);
    }

    /// @dev The entry's quantity of `product` (its first listing), 0 when it lists none.
    function _quantityOf(ProvenEntry calldata e, bytes32 product) private pure returns (int256) {
        for (uint256 i = 0; i < e.products.length; ++i) {
            if (e.products[i] == product) return e.quantities[i];
        }
        return 0;
    }

    /// @dev True when the governed schedule cleared `hour` whole (one interval of an hour).
    function _isWholeHour(uint64 hour) private view returns (bool) {
        return parameters().clearingIntervalAt(hour) == SECONDS_PER_HOUR;
    }
}
