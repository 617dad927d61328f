// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "../../interfaces/gtrade/IGNSMultiCollatDiamond.sol";
import "./GainsReplicaMath.sol";

interface IReplicaERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

interface IReplicaFeed {
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
}

/// The gTrade v10 diamond as the hedgefi client sees it, at one address (reference §10).
/// Market orders are two-step: the request stores a pending order and asks every oracle for a price
/// (requestId = keccak256(abi.encodePacked(this, requestCount++))); the oracles answer through
/// `fulfill`, and at `minAnswers` answers the median runs the callback.
/// As v10 computes them: per-trade `TradeFeesData` (opening and partial-leverage closing fees and holding
/// fees realised into the trade, downscaled at collateral decreases), the liquidation price with the closing
/// fee, pending holding fees, realised PnL, the leverage-interpolated threshold and the liquidation spread,
/// velocity funding (rate moving with the skew, clamped, averaged, split at a sign change, APR multiplier),
/// `updateLeverage` at constant position size, price impact = signed half-spread + skew impact. Simplified as
/// §10.1 allows: no cumulative-volume impact (no depth bands), borrowing v2 a settable rate, no group OI caps, no liquidator, no LINK, no gov fee,
/// no limit/stop orders, no vault (PnL is paid from the replica's own pre-funded balance).
contract GainsDiamondReplica is IGNSMultiCollatDiamond {
    event ChainlinkRequested(bytes32 indexed id);
    event ChainlinkFulfilled(bytes32 indexed id);

    uint16 internal constant DEFAULT_MAX_CLOSING_SLIPPAGE_P = 1000;   // 1%
    int256 internal constant MAX_OPEN_NEGATIVE_PNL_P = 40e10;
    uint256 internal constant ORDER_MAX_AGE_BLOCKS = 12000;              // ~1 hour at 0.3 s
    uint256 internal constant MIN_LEVERAGE = 100;                        // 0.1x

    struct PairCfg {
        string from;
        string to;
        uint256 spreadP;        // 1e10 %
        uint256 groupIndex;
        uint256 feeP;           // opening/closing fee, 1e10 % of size
        uint256 minLev;         // 1e3
        uint256 maxLev;         // 1e3
        uint256 minFeeUsd;      // 1e18 USD
    }

    struct Market {
        uint128 oiLongToken;
        uint128 oiShortToken;
        uint128 oiLongColl;
        uint128 oiShortColl;
        uint256 maxOiColl;
        uint80 maxSkew;
        int128 accFundingLong;
        int128 accFundingShort;
        int56 fundingRate;      // last rate, 1e18 % per second
        uint32 lastFundingTs;
        bool aprMultiplier;
        uint128 accBorrowing;
        uint32 lastBorrowingTs;
        uint24 borrowingRate;   // 1e10 % per second
        uint112 skewCoefficientPerYear;       // 1e26
        uint24 absoluteVelocityPerYearCap;    // 1e7
        uint24 absoluteRatePerSecondCap;      // 1e10 % per second
        uint32 thetaThresholdUsd;             // whole USD
        uint256 skewDepth;                    // tokens (1e18); 0: no skew price impact
    }

    uint24 internal constant DEFAULT_RATE_CAP = 3170979;                 // 10,000% APR, the contract maximum

    address public immutable admin;
    uint8 internal tradingActivated;
    uint16 internal timeoutBlocks = 100;
    ITradingStorage.Collateral[] internal collats;
    address[] internal collatFeeds;
    PairCfg[] internal pairCfg;
    IPairsStorage.Group[] internal groupList;
    mapping(uint8 => mapping(uint16 => Market)) internal markets;
    mapping(address => mapping(uint32 => ITradingStorage.Trade)) internal trades;
    mapping(address => mapping(uint32 => ITradingStorage.TradeInfo)) internal infos;
    // v10 keeps a trade's collateral as sent: trading fees and holding fees are realised into its TradeFeesData
    mapping(address => mapping(uint32 => IFundingFees.TradeFeesData)) internal tradeFees;
    mapping(address => mapping(uint32 => IPairsStorage.GroupLiquidationParams)) internal tradeLiqParams;
    mapping(uint256 => IPairsStorage.GroupLiquidationParams) internal groupLiqParams;
    mapping(address => mapping(uint32 => ITradingStorage.PendingOrder)) internal pending;
    mapping(address => mapping(uint32 => uint32)) internal tradePending;     // trade index -> pending index + 1
    mapping(address => mapping(uint8 => ITradingStorage.Counter)) internal counters;
    address[] internal oracles;
    uint8 internal minAnswers;
    uint256 internal requestCount;
    mapping(bytes32 => address) internal pendingRequests;
    mapping(bytes32 => IPriceAggregator.Order) internal aggOrders;
    mapping(address => mapping(uint32 => IPriceAggregator.OrderAnswer[])) internal answers;

    constructor(address[] memory _oracles, uint8 _minAnswers) {
        require(_minAnswers >= 2 && _oracles.length >= _minAnswers, "minAnswers");
        admin = msg.sender;
        oracles = _oracles;
        minAnswers = _minAnswers;
    }

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAuthorized();
        _;
    }

    modifier activated() {
        if (tradingActivated != 0) revert Paused();
        _;
    }

    modifier notPaused() {
        if (tradingActivated == 2) revert Paused();
        _;
    }

    // ------------------------------------------------------------------ test-only setup hooks (never on mainnet)
    function __addCollateral(address token, uint8 decimals, address feed, bool active) external onlyAdmin {
        collats.push(ITradingStorage.Collateral(token, active, 0, uint128(10 ** decimals), uint128(10 ** (18 - decimals))));
        collatFeeds.push(feed);
    }

    function __addGroup(string calldata name, uint256 minLev, uint256 maxLev) external onlyAdmin {
        groupList.push(IPairsStorage.Group(name, bytes32(0), minLev, maxLev));
    }

    function __listPair(string calldata from, string calldata to, uint256 groupIndex, uint256 spreadP, uint256 feeP,
                        uint256 minLev, uint256 maxLev, uint256 minFeeUsd) external onlyAdmin {
        pairCfg.push(PairCfg(from, to, spreadP, groupIndex, feeP, minLev, maxLev, minFeeUsd));
    }

    function __setMarket(uint8 c, uint16 p, uint256 maxOiColl, uint80 maxSkew, int56 fundingRate, uint24 borrowingRate,
                         bool aprMultiplier) external onlyAdmin {
        Market storage m = markets[c][p];
        if (m.lastFundingTs == 0) {
            m.lastFundingTs = uint32(block.timestamp);
            m.lastBorrowingTs = uint32(block.timestamp);
            m.absoluteRatePerSecondCap = DEFAULT_RATE_CAP;
        }
        m.maxOiColl = maxOiColl;
        m.maxSkew = maxSkew;
        m.fundingRate = fundingRate;
        m.borrowingRate = borrowingRate;
        m.aprMultiplier = aprMultiplier;
    }

    /// Velocity-funding parameters (FundingFeeParams units). Set before the pair has open interest, or
    /// after `__accrue` at the current price, as the diamond stores pending fees before a parameter change.
    function __setFundingParams(uint8 c, uint16 p, uint112 skewCoefficientPerYear, uint24 absoluteVelocityPerYearCap,
                                uint24 absoluteRatePerSecondCap, uint32 thetaThresholdUsd) external onlyAdmin {
        Market storage m = markets[c][p];
        m.skewCoefficientPerYear = skewCoefficientPerYear;
        m.absoluteVelocityPerYearCap = absoluteVelocityPerYearCap;
        m.absoluteRatePerSecondCap = absoluteRatePerSecondCap;
        m.thetaThresholdUsd = thetaThresholdUsd;
    }

    function __setSkewDepth(uint8 c, uint16 p, uint256 depthToken) external onlyAdmin { markets[c][p].skewDepth = depthToken; }

    /// Stores the pair's pending funding and borrowing accumulators at `price` (1e10).
    function __accrue(uint8 c, uint16 p, uint64 price) external onlyAdmin { _accrueAt(c, p, price); }

    function __setGroupLiquidationParams(uint256 groupIndex, IPairsStorage.GroupLiquidationParams calldata params)
        external onlyAdmin
    {
        groupLiqParams[groupIndex] = params;
    }

    function __setTradingActivated(uint8 state) external onlyAdmin { tradingActivated = state; }
    function __setTimeoutBlocks(uint16 blocks) external onlyAdmin { timeoutBlocks = blocks; }
    function __setTradeVersion(address trader, uint32 index, uint8 version) external onlyAdmin {
        infos[trader][index].contractsVersion = version;
    }
    function __withdraw(address token, uint256 amount) external onlyAdmin { IReplicaERC20(token).transfer(msg.sender, amount); }

    // ------------------------------------------------------------------ writes: requests
    function openTrade(ITradingStorage.Trade calldata _trade, uint16 _maxSlippageP, address) external activated {
        _openTrade(_trade, _maxSlippageP);
    }

    function openTradeNative(ITradingStorage.Trade calldata, uint16, address) external payable {
        revert WrongTradeType();   // no native-collateral listing on this replica
    }

    function _openTrade(ITradingStorage.Trade calldata t, uint16 maxSlippageP) internal {
        _activeCollateral(t.collateralIndex);
        if (t.pairIndex >= pairCfg.length) revert TradePairNotListed();
        if (t.tradeType != 0) revert WrongTradeType();
        if (t.collateralAmount == 0 || t.leverage == 0) revert TradePositionSizeZero();
        if (t.openPrice == 0) revert TradeOpenPriceZero();
        if (maxSlippageP == 0) revert MaxSlippageZero();
        if (t.tp != 0 && (t.long ? t.tp <= t.openPrice : t.tp >= t.openPrice)) revert TradeTpInvalid();
        if (t.sl != 0 && (t.long ? t.sl >= t.openPrice : t.sl <= t.openPrice)) revert TradeSlInvalid();
        if (t.leverage < pairMinLeverage(t.pairIndex) || t.leverage > pairMaxLeverage(t.pairIndex)) revert WrongLeverage();
        if (_collateralUsd(t.collateralIndex, t.collateralAmount) < 5 * pairCfg[t.pairIndex].minFeeUsd) revert InsufficientCollateral();
        if (int256(pairCfg[t.pairIndex].spreadP / 2) * int256(uint256(t.leverage)) / 1e3 > MAX_OPEN_NEGATIVE_PNL_P) revert PriceImpactTooHigh();
        _pull(t.collateralIndex, t.collateralAmount);
        ITradingStorage.Trade memory copy = t;
        copy.user = msg.sender;
        copy.index = 0;
        copy.isOpen = true;
        copy.positionSizeToken = 0;
        _request(copy, 0, maxSlippageP, true, 0, 0);
    }

    function increasePositionSize(uint32 _index, uint120 _collateralDelta, uint24 _leverageDelta, uint64 _expectedPrice,
                                  uint16 _maxSlippageP) external activated {
        if (_leverageDelta == 0 || _expectedPrice == 0 || _maxSlippageP == 0) revert InvalidIncreasePositionSizeInput();
        ITradingStorage.Trade memory t = _openTradeOf(msg.sender, _index);
        if (infos[msg.sender][_index].contractsVersion < 2) revert NotAuthorized();
        if (_collateralDelta > 0) _pull(t.collateralIndex, _collateralDelta);
        t.collateralAmount = _collateralDelta;
        t.leverage = _leverageDelta;
        t.openPrice = _expectedPrice;
        _request(t, 8, _maxSlippageP, true, _collateralDelta, _leverageDelta);
    }

    function decreasePositionSize(uint32 _index, uint120 _collateralDelta, uint24 _leverageDelta, uint64 _expectedPrice)
        external notPaused
    {
        if ((_collateralDelta == 0) == (_leverageDelta == 0)) revert InvalidDecreasePositionSizeInput();
        if (_expectedPrice == 0) revert ZeroValue();
        ITradingStorage.Trade memory t = _openTradeOf(msg.sender, _index);
        if (_leverageDelta >= t.leverage || t.leverage - _leverageDelta < 100) revert WrongLeverage();
        if (_collateralDelta >= t.collateralAmount) revert InsufficientCollateral();
        if (_collateralUsd(t.collateralIndex, t.collateralAmount - _collateralDelta) < pairCfg[t.pairIndex].minFeeUsd) {
            revert InsufficientCollateral();
        }
        t.collateralAmount = _collateralDelta;
        t.leverage = _leverageDelta;
        t.openPrice = _expectedPrice;
        _request(t, 9, _closingSlippage(msg.sender, _index), false, _collateralDelta, _leverageDelta);
    }

    function closeTradeMarket(uint32 _index, uint64 _expectedPrice) external notPaused {
        if (_expectedPrice == 0) revert ZeroValue();
        ITradingStorage.Trade memory open = _openTradeOf(msg.sender, _index);
        ITradingStorage.Trade memory t;
        t.user = msg.sender;
        t.index = _index;
        t.pairIndex = open.pairIndex;
        t.collateralIndex = open.collateralIndex;
        t.long = open.long;
        t.openPrice = _expectedPrice;
        _request(t, 1, _closingSlippage(msg.sender, _index), false, 0, 0);
    }

    /// v10 leverage update at constant position size: new collateral = collateral x leverage / new leverage.
    /// A decrease pulls the extra collateral now (refunded on a cancel or timeout); an increase returns the
    /// freed collateral in the callback.
    function updateLeverage(uint32 _index, uint24 _newLeverage) external activated {
        ITradingStorage.Trade memory t = _openTradeOf(msg.sender, _index);
        if (_newLeverage == t.leverage || _newLeverage < MIN_LEVERAGE || _newLeverage < pairMinLeverage(t.pairIndex)
            || _newLeverage > pairMaxLeverage(t.pairIndex)) revert WrongLeverage();
        bool isIncrease = _newLeverage > t.leverage;
        uint256 newColl = uint256(t.collateralAmount) * t.leverage / _newLeverage;
        if (_collateralUsd(t.collateralIndex, newColl) < pairCfg[t.pairIndex].minFeeUsd) revert InsufficientCollateral();
        uint256 delta = isIncrease ? t.collateralAmount - newColl : newColl - t.collateralAmount;
        if (!isIncrease) _pull(t.collateralIndex, delta);
        t.collateralAmount = uint120(isIncrease ? 0 : delta);
        t.leverage = _newLeverage;
        _request(t, 7, 0, isIncrease, delta, _newLeverage);
    }

    // ------------------------------------------------------------------ writes: synchronous
    function updateMaxClosingSlippageP(uint32 _index, uint16 _maxSlippageP) external {
        if (!trades[msg.sender][_index].isOpen) revert NoTrade();
        if (_maxSlippageP == 0) revert MaxSlippageZero();
        infos[msg.sender][_index].maxSlippageP = _maxSlippageP;
    }

    function updateSl(uint32 _index, uint64 _newSl) external {
        ITradingStorage.Trade storage t = trades[msg.sender][_index];
        if (!t.isOpen) revert NoTrade();
        if (_newSl != 0 && (t.long ? _newSl >= t.openPrice : _newSl <= t.openPrice)) revert TradeSlInvalid();
        t.sl = _newSl;
        infos[msg.sender][_index].slLastUpdatedBlock = uint32(block.number);
    }

    function updateTp(uint32 _index, uint64 _newTp) external {
        ITradingStorage.Trade storage t = trades[msg.sender][_index];
        if (!t.isOpen) revert NoTrade();
        if (_newTp != 0 && (t.long ? _newTp <= t.openPrice : _newTp >= t.openPrice)) revert TradeTpInvalid();
        t.tp = _newTp;
        infos[msg.sender][_index].tpLastUpdatedBlock = uint32(block.number);
    }

    function cancelOrderAfterTimeout(uint32 _orderIndex) external {
        ITradingStorage.PendingOrder storage o = pending[msg.sender][_orderIndex];
        if (!o.isOpen) revert NoOrder();
        if (o.orderType > 1 && o.orderType != 7 && o.orderType != 8 && o.orderType != 9) revert WrongOrderType();
        if (block.number < uint256(o.createdBlock) + timeoutBlocks) revert WaitTimeout();
        ITradingStorage.Id memory id = ITradingStorage.Id(msg.sender, _orderIndex);
        uint256 refund = (o.orderType == 0 || o.orderType == 7 || o.orderType == 8) ? o.trade.collateralAmount : 0;
        uint8 ci = o.trade.collateralIndex;
        uint16 pairIndex = o.trade.pairIndex;
        _closePending(msg.sender, _orderIndex);
        if (refund > 0) {
            IReplicaERC20(collats[ci - 1].collateral).transfer(msg.sender, refund);
            emit CollateralReturnedAfterTimeout(id, ci, msg.sender, refund);
        }
        emit ChainlinkCallbackTimeout(id, pairIndex);
    }

    function multicall(bytes[] calldata data) external returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i = 0; i < data.length; i++) {
            (bool ok, bytes memory out) = address(this).delegatecall(data[i]);
            if (!ok) {
                assembly ("memory-safe") { revert(add(out, 32), mload(out)) }
            }
            results[i] = out;
        }
    }

    // ------------------------------------------------------------------ oracle fulfilment
    function fulfill(bytes32 _requestId, uint256 _priceData) external {
        if (msg.sender != pendingRequests[_requestId] || msg.sender == address(0)) revert SourceNotOracleOfRequest();
        delete pendingRequests[_requestId];
        emit ChainlinkFulfilled(_requestId);
        IPriceAggregator.Order memory ord = aggOrders[_requestId];
        ITradingStorage.PendingOrder storage o = pending[ord.user][ord.index];
        ITradingStorage.Id memory id = ITradingStorage.Id(ord.user, ord.index);
        if (block.number > uint256(o.createdBlock) + ORDER_MAX_AGE_BLOCKS) revert DoesntExist();
        IPriceAggregator.OrderAnswer[] memory none = new IPriceAggregator.OrderAnswer[](0);
        if (!o.isOpen) {
            emit PriceReceived(id, ord.pairIndex, _requestId, _priceData, false, false, false, false, none, none);
            return;
        }
        uint64 current = uint64(_priceData & type(uint56).max);
        if (current == 0) revert InvalidCandle();
        answers[ord.user][ord.index].push(IPriceAggregator.OrderAnswer(uint56(current), uint56(current), uint56(current),
                                                                       uint56(current), uint32(_priceData >> 224)));
        IPriceAggregator.OrderAnswer[] memory got = answers[ord.user][ord.index];
        bool reached = got.length >= minAnswers;
        if (reached) {
            uint64 median = _median(got);
            ITradingCallbacks.AggregatorAnswer memory a = ITradingCallbacks.AggregatorAnswer(id, median, median, median, median);
            uint8 orderType = o.orderType;
            if (orderType == 0) _openCallback(id, median);
            else if (orderType == 1) _closeCallback(id, median);
            else if (orderType == 7) _leverageCallback(id, median);
            else if (orderType == 8) _increaseCallback(id, median);
            else _decreaseCallback(id, median);
            _closePending(ord.user, ord.index);
            emit TradingCallbackExecuted(a, orderType);
        }
        emit PriceReceived(id, ord.pairIndex, _requestId, _priceData, false, reached, reached, reached, got, got);
    }

    function _median(IPriceAggregator.OrderAnswer[] memory got) internal pure returns (uint64) {
        uint256 n = got.length;
        uint64[] memory v = new uint64[](n);
        for (uint256 i = 0; i < n; i++) v[i] = uint64(got[i].current);
        for (uint256 i = 1; i < n; i++) {
            uint64 x = v[i];
            uint256 j = i;
            while (j > 0 && v[j - 1] > x) { v[j] = v[j - 1]; j--; }
            v[j] = x;
        }
        return n % 2 == 1 ? v[n / 2] : uint64((uint256(v[n / 2 - 1]) + v[n / 2]) / 2);
    }

    // ------------------------------------------------------------------ callbacks
    function _openCallback(ITradingStorage.Id memory id, uint64 price) internal {
        ITradingStorage.PendingOrder memory o = pending[id.user][id.index];
        ITradingStorage.Trade memory t = o.trade;
        uint256 size = uint256(t.collateralAmount) * t.leverage / 1e3;
        ITradingCommonUtils.TradePriceImpact memory impact = _impact(t.collateralIndex, t.pairIndex, price, t.long, true, size, 0);
        uint8 reason = _slippageCancel(t.long, true, t.openPrice, impact.priceAfterImpact, o.maxSlippageP) ? 3 : 0;
        if (reason == 0 && t.sl != 0 && (t.long ? price <= t.sl : price >= t.sl)) reason = 5;
        if (reason == 0 && t.tp != 0 && (t.long ? price >= t.tp : price <= t.tp)) reason = 4;
        if (reason == 0 && t.leverage > pairMaxLeverage(t.pairIndex)) reason = 8;
        if (reason == 0 && !_withinExposure(t.collateralIndex, t.pairIndex, t.long, size, price)) reason = 6;
        if (reason != 0) {
            IReplicaERC20(collats[t.collateralIndex - 1].collateral).transfer(id.user, t.collateralAmount);
            emit MarketOpenCanceled(id, id.user, t.pairIndex, reason, t.collateralAmount);
            return;
        }
        _accrueAt(t.collateralIndex, t.pairIndex, price);
        t.openPrice = impact.priceAfterImpact;
        t.positionSizeToken = uint160(impact.positionSizeToken);
        ITradingStorage.Counter storage c = counters[id.user][0];
        t.index = c.currentIndex;
        c.currentIndex++;
        c.openCount++;
        trades[id.user][t.index] = t;
        ITradingStorage.TradeInfo storage info = infos[id.user][t.index];
        info.createdBlock = uint32(block.number);
        info.lastOiUpdateTs = uint48(block.timestamp);
        info.collateralPriceUsd = uint48(getCollateralPriceUsd(t.collateralIndex));
        info.contractsVersion = 2;
        info.lastPosIncreaseBlock = uint32(block.number);
        _storeInitialAccFees(id.user, t.index);
        // the opening fee (basis floored at the pair's minimum position size) is realised against the trade
        tradeFees[id.user][t.index].realizedTradingFeesCollateral = uint128(_totalFee(t.collateralIndex, t.pairIndex, size));
        tradeLiqParams[id.user][t.index] = getPairLiquidationParams(t.pairIndex);
        _addOi(markets[t.collateralIndex][t.pairIndex], t.long, size, impact.positionSizeToken, true);
        emit TradeStored(id.user, t.index, t, info, tradeLiqParams[id.user][t.index]);
        emit MarketExecuted(id, id.user, t.index, t, true, price, impact.priceAfterImpact,
                            _tradeLiqPrice(id.user, t.index, price), impact, 0, 0, info.collateralPriceUsd);
    }

    function _closeCallback(ITradingStorage.Id memory id, uint64 price) internal {
        ITradingStorage.PendingOrder memory o = pending[id.user][id.index];
        ITradingStorage.Trade memory t = trades[id.user][o.trade.index];
        if (!t.isOpen) {
            emit MarketCloseCanceled(id, id.user, o.trade.pairIndex, o.trade.index, 9);
            return;
        }
        ITradingCommonUtils.TradePriceImpact memory impact = _impact(t.collateralIndex, t.pairIndex, price, t.long, false,
                                                                     0, t.positionSizeToken);
        if (_slippageCancel(t.long, false, o.trade.openPrice, impact.priceAfterImpact, o.maxSlippageP)) {
            emit MarketCloseCanceled(id, id.user, t.pairIndex, t.index, 3);
            return;
        }
        _accrueAt(t.collateralIndex, t.pairIndex, price);
        uint256 size = uint256(t.collateralAmount) * t.leverage / 1e3;
        uint256 liq = _tradeLiqPrice(id.user, t.index, price);
        int256 pnlP = GainsReplicaMath.pnlPercent(t.openPrice, impact.priceAfterImpact, t.long, t.leverage);
        // a trade past its liquidation price is worth nothing (the same threshold as getTradeLiquidationPrice)
        int256 value = _liqReached(t.long, price, liq) ? int256(0)
            : _tradeValue(id.user, t.index, pnlP, _totalFee(t.collateralIndex, t.pairIndex, size), price);
        uint256 sent = value > 0 ? uint256(value) : 0;
        _addOi(markets[t.collateralIndex][t.pairIndex], t.long, size, t.positionSizeToken, false);
        trades[id.user][t.index].isOpen = false;
        counters[id.user][0].openCount--;
        if (sent > 0) IReplicaERC20(collats[t.collateralIndex - 1].collateral).transfer(id.user, sent);
        impact.positionSizeToken = t.positionSizeToken;
        emit MarketExecuted(id, id.user, t.index, t, false, price, impact.priceAfterImpact, liq, impact, pnlP,
                            sent, getCollateralPriceUsd(t.collateralIndex));
        emit TradeClosed(id.user, t.index, pnlP > 0);
    }

    function _increaseCallback(ITradingStorage.Id memory id, uint64 price) internal {
        ITradingStorage.PendingOrder memory o = pending[id.user][id.index];
        ITradingStorage.Trade memory t = trades[id.user][o.trade.index];
        IUpdatePositionSize.IncreasePositionSizeValues memory v;
        uint256 cDelta = o.trade.collateralAmount;
        uint8 reason = t.isOpen ? 0 : 9;
        if (reason == 0) {
            _increaseValues(id.user, t, o.trade, price, v);
            // IncreasePositionSizeUtils.validateCallback order
            if (v.newPositionSizeCollateral <= v.existingPositionSizeCollateral) reason = 10;
            else if (_slippageCancel(t.long, true, o.trade.openPrice, v.priceImpact.priceAfterImpact, o.maxSlippageP)) reason = 3;
            else if (t.tp > 0 && (t.long ? price >= t.tp : price <= t.tp)) reason = 4;
            else if (t.sl > 0 && (t.long ? price <= t.sl : price >= t.sl)) reason = 5;
            else if (t.long ? (price <= v.existingLiqPrice || price <= v.newLiqPrice)
                            : (price >= v.existingLiqPrice || price >= v.newLiqPrice)) reason = 12;
            else if (!_withinExposure(t.collateralIndex, t.pairIndex, t.long, v.positionSizeCollateralDelta, price)) reason = 6;
            else if (v.newEffectiveLeverage > pairMaxLeverage(t.pairIndex)) reason = 8;
        }
        if (reason != 0) {
            if (cDelta > 0) IReplicaERC20(collats[o.trade.collateralIndex - 1].collateral).transfer(id.user, cDelta);
            emit PositionSizeIncreaseExecuted(id, reason, o.trade.collateralIndex, id.user, o.trade.pairIndex, o.trade.index,
                                              o.trade.long, price, getCollateralPriceUsd(o.trade.collateralIndex), cDelta,
                                              o.trade.leverage, v);
            return;
        }
        uint256 addTokens = v.priceImpact.positionSizeToken;
        _accrueAt(t.collateralIndex, t.pairIndex, price);
        _realizeHoldingFees(id.user, t.index, price);
        ITradingStorage.Trade storage st = trades[id.user][t.index];
        st.collateralAmount = uint120(v.newCollateralAmount);
        st.leverage = uint24(v.newLeverage);
        st.openPrice = uint64(v.newOpenPrice);
        st.positionSizeToken = uint160(uint256(t.positionSizeToken) + addTokens);
        tradeLiqParams[id.user][t.index] = getPairLiquidationParams(t.pairIndex);   // a partial open refreshes them
        _realizeTradingFees(id.user, t.index, v.openingFeesCollateral);
        _addOi(markets[t.collateralIndex][t.pairIndex], t.long, v.positionSizeCollateralDelta, addTokens, true);
        infos[id.user][t.index].lastPosIncreaseBlock = uint32(block.number);
        emit TradePositionUpdated(id.user, t.index, st.collateralAmount, st.leverage, st.openPrice, st.sl,
                                  st.positionSizeToken, 8, false);
        emit PositionSizeIncreaseExecuted(id, 0, t.collateralIndex, id.user, t.pairIndex, t.index, t.long, price,
                                          getCollateralPriceUsd(t.collateralIndex), cDelta, o.trade.leverage, v);
    }

    /// IncreasePositionSizeValues (IncreasePositionSizeUtils.prepareCallbackValues): new collateral and leverage
    /// (a leverage-only increase adds the leverage delta), the size delta after leverage rounding, the opening
    /// impact and fee on it, the PnL-weighted new open price, and the new liquidation price with the pair's
    /// current liquidation params and the opening fee as an additional fee.
    function _increaseValues(address user, ITradingStorage.Trade memory t, ITradingStorage.Trade memory partialT,
                             uint64 price, IUpdatePositionSize.IncreasePositionSizeValues memory v) internal view {
        bool isLeverageUpdate = partialT.collateralAmount == 0;
        uint256 delta = uint256(isLeverageUpdate ? t.collateralAmount : partialT.collateralAmount) * partialT.leverage / 1e3;
        v.existingPositionSizeCollateral = uint256(t.collateralAmount) * t.leverage / 1e3;
        v.newCollateralAmount = uint256(t.collateralAmount) + partialT.collateralAmount;
        v.newLeverage = isLeverageUpdate ? uint256(t.leverage) + partialT.leverage
            : (v.existingPositionSizeCollateral + delta) * 1e3 / v.newCollateralAmount;
        v.newPositionSizeCollateral = v.newCollateralAmount * v.newLeverage / 1e3;
        if (v.newPositionSizeCollateral <= v.existingPositionSizeCollateral) return;
        v.positionSizeCollateralDelta = v.newPositionSizeCollateral - v.existingPositionSizeCollateral;
        v.priceImpact = _impact(t.collateralIndex, t.pairIndex, price, t.long, true, v.positionSizeCollateralDelta, 0);
        v.existingPnlCollateral = int256(uint256(t.collateralAmount))
            * GainsReplicaMath.pnlPercent(t.openPrice, v.priceImpact.priceAfterImpact, t.long, t.leverage) / 100e10;
        v.openingFeesCollateral = _totalFee(t.collateralIndex, t.pairIndex, v.positionSizeCollateralDelta);
        v.oldPosSizePlusPnlCollateral = uint256(int256(v.existingPositionSizeCollateral)
            + v.existingPnlCollateral * (t.long ? int256(1) : int256(-1)));
        uint256 num = v.oldPosSizePlusPnlCollateral * t.openPrice + v.positionSizeCollateralDelta * v.priceImpact.priceAfterImpact;
        uint256 den = v.oldPosSizePlusPnlCollateral + v.positionSizeCollateralDelta;
        v.newOpenPrice = t.long ? (num + den - 1) / den : num / den;
        v.existingLiqPrice = _tradeLiqPrice(user, t.index, price);
        v.newLiqPrice = _liq(IBorrowingFees.LiqPriceInput(t.collateralIndex, user, t.pairIndex, t.index,
                                                          uint64(v.newOpenPrice), t.long, v.newCollateralAmount,
                                                          v.newLeverage, int256(v.openingFeesCollateral),
                                                          getPairLiquidationParams(t.pairIndex), price,
                                                          t.isCounterTrade, 1e18, false));
        v.newEffectiveLeverage = v.newLeverage;
    }

    function _decreaseCallback(ITradingStorage.Id memory id, uint64 price) internal {
        ITradingStorage.PendingOrder memory o = pending[id.user][id.index];
        ITradingStorage.Trade memory t = trades[id.user][o.trade.index];
        IUpdatePositionSize.DecreasePositionSizeValues memory v;
        uint8 reason = t.isOpen ? 0 : 9;
        if (reason == 0) {
            _decreaseValues(id.user, t, o.trade, price, v);
            if (t.long ? (price <= v.existingLiqPrice || price <= v.newLiqPrice)
                       : (price >= v.existingLiqPrice || price >= v.newLiqPrice)) reason = 12;
            else if (_slippageCancel(t.long, false, o.trade.openPrice, v.priceImpact.priceAfterImpact, o.maxSlippageP)) reason = 3;
            else if (!v.isLeverageUpdate && v.collateralSentToTrader < 0) reason = 10;
        }
        if (reason != 0) {
            emit PositionSizeDecreaseExecuted(id, reason, o.trade.collateralIndex, id.user, o.trade.pairIndex, o.trade.index,
                                              o.trade.long, price, getCollateralPriceUsd(o.trade.collateralIndex),
                                              o.trade.collateralAmount, o.trade.leverage, v);
            return;
        }
        _accrueAt(t.collateralIndex, t.pairIndex, price);
        _realizeHoldingFees(id.user, t.index, price);
        uint256 tokensDelta = v.priceImpact.positionSizeToken;
        _addOi(markets[t.collateralIndex][t.pairIndex], t.long, v.positionSizeCollateralDelta, tokensDelta, false);
        ITradingStorage.Trade storage st = trades[id.user][t.index];
        st.collateralAmount = v.newCollateralAmount;
        st.leverage = v.newLeverage;
        st.positionSizeToken = uint160(uint256(t.positionSizeToken) - tokensDelta);
        if (v.isLeverageUpdate) {
            // the slice's net PnL is paid (when positive); the rest of its raw PnL stays realised in the trade,
            // and its closing fee is realised against it: new value + amount sent = old value
            tradeFees[id.user][t.index].realizedPnlCollateral += int128(v.pnlToRealizeCollateral);
            _realizeTradingFees(id.user, t.index, v.closingFeeCollateral);
        } else {
            // a collateral decrease scales the whole trade down, realised values included
            _downscaleTradeFees(id.user, t.index, v.positionSizeCollateralDelta, v.existingPositionSizeCollateral);
        }
        if (v.collateralSentToTrader > 0) {
            IReplicaERC20(collats[t.collateralIndex - 1].collateral).transfer(id.user, uint256(v.collateralSentToTrader));
        }
        emit TradePositionUpdated(id.user, t.index, st.collateralAmount, st.leverage, st.openPrice, st.sl,
                                  st.positionSizeToken, 9, v.existingPnlPercent > 0);
        emit PositionSizeDecreaseExecuted(id, 0, t.collateralIndex, id.user, t.pairIndex, t.index, t.long, price,
                                          getCollateralPriceUsd(t.collateralIndex), o.trade.collateralAmount,
                                          o.trade.leverage, v);
    }

    /// DecreasePositionSizeValues before anything is realised: PnL at the closing price after impact, the
    /// slice's share of the trade value, its closing fee, the amount sent, and the new liquidation price.
    function _decreaseValues(address user, ITradingStorage.Trade memory t, ITradingStorage.Trade memory partialT,
                             uint64 price, IUpdatePositionSize.DecreasePositionSizeValues memory v) internal view {
        v.isLeverageUpdate = partialT.leverage > 0;
        v.positionSizeCollateralDelta = v.isLeverageUpdate ? uint256(t.collateralAmount) * partialT.leverage / 1e3
            : uint256(partialT.collateralAmount) * t.leverage / 1e3;
        v.existingPositionSizeCollateral = uint256(t.collateralAmount) * t.leverage / 1e3;
        v.priceImpact = _impact(t.collateralIndex, t.pairIndex, price, t.long, false, 0,
                                uint256(t.positionSizeToken) * v.positionSizeCollateralDelta / v.existingPositionSizeCollateral);
        v.existingPnlPercent = GainsReplicaMath.pnlPercent(t.openPrice, v.priceImpact.priceAfterImpact, t.long, t.leverage);
        int256 delta = int256(v.positionSizeCollateralDelta);
        int256 existing = int256(v.existingPositionSizeCollateral);
        v.partialRawPnlCollateral = v.existingPnlPercent * int256(uint256(t.collateralAmount)) * delta / existing / 1e10 / 100;
        int256 value = _tradeValue(user, t.index, v.existingPnlPercent, 0, price);
        v.partialNetPnlCollateral = ((value > 0 ? value : int256(0)) - int256(uint256(t.collateralAmount))) * delta / existing;
        v.closingFeeCollateral = _totalFee(t.collateralIndex, t.pairIndex, v.positionSizeCollateralDelta);
        v.collateralSentToTrader = int256(uint256(partialT.collateralAmount)) + v.partialNetPnlCollateral
            - int256(v.closingFeeCollateral);
        if (v.isLeverageUpdate) {
            v.pnlToRealizeCollateral = v.partialRawPnlCollateral
                - (v.collateralSentToTrader > 0 ? v.collateralSentToTrader : int256(0));
        }
        v.newCollateralAmount = t.collateralAmount - partialT.collateralAmount;
        v.newLeverage = t.leverage - partialT.leverage;
        v.existingLiqPrice = _tradeLiqPrice(user, t.index, price);
        v.newLiqPrice = _liqOf(user, t, t.openPrice, v.newCollateralAmount, v.newLeverage,
                               v.isLeverageUpdate ? int256(v.closingFeeCollateral) - v.pnlToRealizeCollateral : int256(0),
                               price, v.isLeverageUpdate ? 1e18 : uint256(existing - delta) * 1e18 / uint256(existing));
        v.totalAvailableCollateralInDiamond = _availableInDiamond(user, t.index, t.collateralAmount);
    }

    function _leverageCallback(ITradingStorage.Id memory id, uint64 price) internal {
        ITradingStorage.PendingOrder memory o = pending[id.user][id.index];
        ITradingStorage.Trade memory t = trades[id.user][o.trade.index];
        IUpdateLeverage.UpdateLeverageValues memory v;
        bool isIncrease = o.trade.leverage > t.leverage;
        uint256 pulled = o.trade.collateralAmount;
        uint256 collateralDelta;
        uint8 reason = t.isOpen ? 0 : 9;
        if (reason == 0) {
            v.newLeverage = o.trade.leverage;
            v.newCollateralAmount = uint256(t.collateralAmount) * t.leverage / v.newLeverage;
            v.newEffectiveLeverage = v.newLeverage;
            collateralDelta = isIncrease ? t.collateralAmount - v.newCollateralAmount : v.newCollateralAmount - t.collateralAmount;
            v.existingLiqPrice = _tradeLiqPrice(id.user, t.index, price);
            v.newLiqPrice = _liqOf(id.user, t, t.openPrice, v.newCollateralAmount, v.newLeverage, 0, price, 1e18);
            v.totalTradeAvailableCollateralInDiamond = _availableInDiamond(id.user, t.index, t.collateralAmount);
            if (v.newLeverage > pairMaxLeverage(t.pairIndex)) reason = 8;
            else if (_liqReached(t.long, price, v.newLiqPrice)) reason = 12;
        }
        if (reason != 0) {
            if (pulled > 0) IReplicaERC20(collats[o.trade.collateralIndex - 1].collateral).transfer(id.user, pulled);
            emit LeverageUpdateExecuted(id, isIncrease, reason, o.trade.collateralIndex, id.user, o.trade.pairIndex,
                                        o.trade.index, price, pulled, v);
            return;
        }
        _accrueAt(t.collateralIndex, t.pairIndex, price);
        _realizeHoldingFees(id.user, t.index, price);
        ITradingStorage.Trade storage st = trades[id.user][t.index];
        st.collateralAmount = uint120(v.newCollateralAmount);
        st.leverage = uint24(v.newLeverage);
        v.availableCollateralInDiamond = _availableInDiamond(id.user, t.index, v.newCollateralAmount);
        if (isIncrease) IReplicaERC20(collats[t.collateralIndex - 1].collateral).transfer(id.user, collateralDelta);
        emit TradePositionUpdated(id.user, t.index, st.collateralAmount, st.leverage, st.openPrice, st.sl,
                                  st.positionSizeToken, 7, false);
        emit LeverageUpdateExecuted(id, isIncrease, 0, t.collateralIndex, id.user, t.pairIndex, t.index, price,
                                    collateralDelta, v);
    }

    // ------------------------------------------------------------------ internals
    function _activeCollateral(uint8 ci) internal view returns (ITradingStorage.Collateral storage) {
        if (ci == 0 || ci > collats.length) revert InvalidCollateralIndex();
        if (!collats[ci - 1].isActive) revert CollateralNotActive();
        return collats[ci - 1];
    }

    function _pull(uint8 ci, uint256 amount) internal {
        require(IReplicaERC20(collats[ci - 1].collateral).transferFrom(msg.sender, address(this), amount), "transferFrom");
    }

    function _collateralUsd(uint8 ci, uint256 amount) internal view returns (uint256) {
        return amount * collats[ci - 1].precisionDelta * getCollateralPriceUsd(ci) / 1e8;
    }

    function _openTradeOf(address user, uint32 index) internal view returns (ITradingStorage.Trade memory t) {
        t = trades[user][index];
        if (!t.isOpen) revert NoTrade();
        uint32 p = tradePending[user][index];
        if (p != 0) revert ConflictingPendingOrder(pending[user][p - 1].orderType);
    }

    function _closingSlippage(address user, uint32 index) internal view returns (uint16) {
        uint16 p = infos[user][index].maxSlippageP;
        return p == 0 ? DEFAULT_MAX_CLOSING_SLIPPAGE_P : p;
    }

    function _request(ITradingStorage.Trade memory t, uint8 orderType, uint16 maxSlippageP, bool opening,
                      uint256 collateralDelta, uint256 leverageDelta) internal {
        ITradingStorage.Counter storage c = counters[msg.sender][1];
        uint32 index = c.currentIndex;
        c.currentIndex++;
        c.openCount++;
        ITradingStorage.PendingOrder storage o = pending[msg.sender][index];
        o.trade = t;
        o.user = msg.sender;
        o.index = index;
        o.isOpen = true;
        o.orderType = orderType;
        o.createdBlock = uint32(block.number);
        o.maxSlippageP = maxSlippageP;
        if (orderType != 0) tradePending[msg.sender][t.index] = index + 1;
        emit PendingOrderStored(o);
        for (uint256 i = 0; i < oracles.length; i++) {
            bytes32 requestId = keccak256(abi.encodePacked(address(this), requestCount));
            requestCount++;
            pendingRequests[requestId] = oracles[i];
            aggOrders[requestId] = IPriceAggregator.Order(msg.sender, index, orderType, t.pairIndex, false, 0);
            emit ChainlinkRequested(requestId);
        }
        emit PriceRequested(t.collateralIndex, t.pairIndex, o, uint256(t.collateralAmount) * t.leverage / 1e3,
                            block.number, false, false, bytes32(0), 0, oracles.length);
        ITradingStorage.Id memory id = ITradingStorage.Id(msg.sender, index);
        if (orderType == 0 || orderType == 1) emit MarketOrderInitiated(id, msg.sender, t.pairIndex, opening);
        else if (orderType == 7) emit LeverageUpdateInitiated(id, msg.sender, t.pairIndex, t.index, opening, leverageDelta);
        else emit PositionSizeUpdateInitiated(id, msg.sender, t.pairIndex, t.index, opening, collateralDelta, leverageDelta);
    }

    function _closePending(address user, uint32 index) internal {
        ITradingStorage.PendingOrder storage o = pending[user][index];
        o.isOpen = false;
        counters[user][1].openCount--;
        if (o.orderType != 0 && tradePending[user][o.trade.index] == index + 1) delete tradePending[user][o.trade.index];
        emit PendingOrderClosed(ITradingStorage.Id(user, index));
    }

    /// Opening or closing price impact (TradingCommonUtils.getTrade{Opening,Closing}PriceImpact): the signed
    /// fixed half-spread, no cumulative-volume impact (no depth bands here), and the skew impact
    /// (netSkew +/- size / 2) / skewDepth / 2 on the size in tokens (opening: at the price after the spread).
    function _impact(uint8 ci, uint16 pairIndex, uint64 price, bool long, bool opening, uint256 sizeColl,
                     uint256 closingTokens) internal view returns (ITradingCommonUtils.TradePriceImpact memory impact)
    {
        int256 half = int256(pairCfg[pairIndex].spreadP / 2);
        // an opening long and a closing short buy (pay up); an opening short and a closing long sell
        impact.fixedSpreadP = (long == opening) ? half : -half;
        uint64 afterSpread = _priceAfterImpact(price, impact.fixedSpreadP);
        impact.positionSizeToken = opening ? _tokens(ci, sizeColl, afterSpread) : closingTokens;
        impact.skewPriceImpactP = _skewImpactP(ci, pairIndex, long, impact.positionSizeToken, opening);
        impact.totalPriceImpactP = impact.fixedSpreadP + impact.skewPriceImpactP;
        impact.priceAfterImpact = _priceAfterImpact(price, impact.totalPriceImpactP);
    }

    function _priceAfterImpact(uint64 price, int256 impactP) internal pure returns (uint64) {
        int256 p = int256(uint256(price)) * (100e10 + impactP) / 100e10;
        return p > 0 ? uint64(uint256(p)) : uint64(price / 100);
    }

    /// Skew price impact (1e10 %): (net skew in tokens + the trade's signed size / 2) / skew depth / 2; a trade
    /// adding to the long side (opening long, closing short) counts positive. 0 when the pair has no depth.
    function _skewImpactP(uint8 ci, uint16 pairIndex, bool long, uint256 sizeToken, bool opening) internal view returns (int256) {
        Market storage m = markets[ci][pairIndex];
        if (m.skewDepth == 0) return 0;
        int256 net = int256(uint256(m.oiLongToken)) - int256(uint256(m.oiShortToken));
        int256 signedSize = (long == opening) ? int256(sizeToken) : -int256(sizeToken);
        return (net + signedSize / 2) * 1e10 / int256(m.skewDepth) / 2;
    }

    function _slippageCancel(bool long, bool opening, uint64 expected, uint64 got, uint16 p) internal pure returns (bool) {
        uint256 slip = uint256(expected) * p / 100 / 1e3;
        bool buys = long == opening;
        return buys ? got > expected + slip : got + slip < expected;
    }

    function _tokens(uint8 ci, uint256 sizeColl, uint64 price) internal view returns (uint256) {
        return sizeColl * collats[ci - 1].precisionDelta * 1e10 / price;
    }

    function _dynamicOi(uint8 ci, Market storage m, uint64 price, bool long) internal view returns (uint256) {
        uint256 tokens = long ? m.oiLongToken : m.oiShortToken;
        return tokens * price / 1e10 / collats[ci - 1].precisionDelta;
    }

    function _withinExposure(uint8 ci, uint16 p, bool long, uint256 size, uint64 price) internal view returns (bool) {
        Market storage m = markets[ci][p];
        if (_dynamicOi(ci, m, price, long) + size > m.maxOiColl) return false;
        if (m.maxSkew == 0) return true;
        int256 skew = (int256(uint256(m.oiLongToken)) - int256(uint256(m.oiShortToken))) * int256(uint256(price)) / 1e18;
        int256 s = int256(size * collats[ci - 1].precisionDelta / 1e8);
        return long ? skew + s <= int256(uint256(m.maxSkew)) : skew - s >= -int256(uint256(m.maxSkew));
    }

    function _addOi(Market storage m, bool long, uint256 sizeColl, uint256 tokens, bool add) internal {
        if (long) {
            m.oiLongToken = uint128(add ? m.oiLongToken + tokens : m.oiLongToken - _min(tokens, m.oiLongToken));
            m.oiLongColl = uint128(add ? m.oiLongColl + sizeColl : m.oiLongColl - _min(sizeColl, m.oiLongColl));
        } else {
            m.oiShortToken = uint128(add ? m.oiShortToken + tokens : m.oiShortToken - _min(tokens, m.oiShortToken));
            m.oiShortColl = uint128(add ? m.oiShortColl + sizeColl : m.oiShortColl - _min(sizeColl, m.oiShortColl));
        }
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) { return a < b ? a : b; }


    // ------------------------------------------------------------------ fees, PnL and liquidation (v10)
    /// Funding accumulators and the current rate projected to now at `price` (FundingFeesUtils): the rate
    /// moves at the skew velocity from the last stored rate, the accrual uses the average rate over the
    /// interval, split at zero when the rate changes sign and the APR multiplier is on.
    function _pendingFunding(uint8 c, uint16 p, uint64 price) internal view returns (int128 accL, int128 accS, int56 rate) {
        Market storage m = markets[c][p];
        accL = m.accFundingLong;
        accS = m.accFundingShort;
        rate = m.fundingRate;
        if (price == 0 || m.lastFundingTs == 0) return (accL, accS, rate);
        uint256 dt = block.timestamp - m.lastFundingTs;
        int256 netToken = int256(uint256(m.oiLongToken)) - int256(uint256(m.oiShortToken));
        int256 netUsd = netToken * int256(uint256(price)) / 1e18 * int256(getCollateralPriceUsd(c)) / 1e8;   // 1e10 USD
        int256 velocity = GainsReplicaMath.fundingVelocityPerYear(netToken, netUsd, m.skewCoefficientPerYear,
                                                                  m.absoluteVelocityPerYearCap, m.thetaThresholdUsd);
        int256 last = m.fundingRate;
        (int256 avg, int256 current) = GainsReplicaMath.avgFundingRate(last, m.absoluteRatePerSecondCap, velocity, dt);
        rate = int56(current);
        int256 px = int256(uint256(price));
        if (m.aprMultiplier && ((current > 0 && last < 0) || (current < 0 && last > 0))) {
            uint256 toZero = GainsReplicaMath.secondsToZeroRate(last, velocity);
            (accL, accS) = _addFunding(m, accL, accS, last / 2, last / 2 * int256(toZero) * px / 1e8, true);
            (accL, accS) = _addFunding(m, accL, accS, current / 2, current / 2 * int256(dt - toZero) * px / 1e8, true);
        } else {
            (accL, accS) = _addFunding(m, accL, accS, avg, avg * int256(dt) * px / 1e8, m.aprMultiplier);
        }
    }

    function _addFunding(Market storage m, int128 accL, int128 accS, int256 avgRate, int256 delta, bool multiplier)
        internal view returns (int128, int128)
    {
        (uint256 lm, uint256 sm) = GainsReplicaMath.aprMultipliers(avgRate, m.oiLongToken, m.oiShortToken, multiplier);
        return (accL + int128(delta * int256(lm) / 1e20), accS - int128(delta * int256(sm) / 1e20));
    }

    function _pendingBorrowing(Market storage m, uint64 price) internal view returns (uint128) {
        if (m.lastBorrowingTs == 0) return m.accBorrowing;
        return m.accBorrowing + uint128(uint256(m.borrowingRate) * (block.timestamp - m.lastBorrowingTs) * price);
    }

    /// Stores the pair's pending accumulators and current funding rate (before any OI change).
    function _accrueAt(uint8 c, uint16 p, uint64 price) internal {
        if (price == 0) return;
        Market storage m = markets[c][p];
        (int128 accL, int128 accS, int56 rate) = _pendingFunding(c, p, price);
        m.accBorrowing = _pendingBorrowing(m, price);
        m.accFundingLong = accL;
        m.accFundingShort = accS;
        m.fundingRate = rate;
        m.lastFundingTs = uint32(block.timestamp);
        m.lastBorrowingTs = uint32(block.timestamp);
    }

    function _pendingHoldingFees(address trader, uint32 index, uint64 price) internal view returns (int256 funding, uint256 borrowing) {
        ITradingStorage.Trade storage t = trades[trader][index];
        if (infos[trader][index].contractsVersion < 2 || t.openPrice == 0) return (0, 0);
        (int128 accL, int128 accS,) = _pendingFunding(t.collateralIndex, t.pairIndex, price);
        uint128 accB = _pendingBorrowing(markets[t.collateralIndex][t.pairIndex], price);
        IFundingFees.TradeFeesData storage f = tradeFees[trader][index];
        uint256 size = uint256(t.collateralAmount) * t.leverage / 1e3;
        funding = int256(size) * ((t.long ? accL : accS) - f.initialAccFundingFeeP) / int256(uint256(t.openPrice)) / 1e10 / 100;
        borrowing = size * (accB - f.initialAccBorrowingFeeP) / t.openPrice / 1e10 / 100;
    }

    function _storeInitialAccFees(address user, uint32 index) internal {
        ITradingStorage.Trade storage t = trades[user][index];
        Market storage m = markets[t.collateralIndex][t.pairIndex];
        IFundingFees.TradeFeesData storage f = tradeFees[user][index];
        f.initialAccFundingFeeP = t.long ? m.accFundingLong : m.accFundingShort;
        f.initialAccBorrowingFeeP = m.accBorrowing;
    }

    /// Collateral + virtual - realised trading fees - negative PnL already taken (may be negative).
    function _availableInDiamond(address user, uint32 index, uint256 collateral) internal view returns (uint256) {
        IFundingFees.TradeFeesData storage f = tradeFees[user][index];
        int256 a = int256(collateral + f.virtualAvailableCollateralInDiamond) - int256(uint256(f.realizedTradingFeesCollateral)
            + f.manuallyRealizedNegativePnlCollateral + f.alreadyTransferredNegativePnlCollateral);
        return a > 0 ? uint256(a) : 0;
    }

    /// Realises the trade's pending holding fees (market accrued at `price` first) and restarts its
    /// accumulators: a positive fee is taken as a trading fee while collateral is available in the diamond,
    /// the rest (and any funding credit) goes to realised PnL.
    function _realizeHoldingFees(address user, uint32 index, uint64 price) internal {
        (int256 funding, uint256 borrowing) = _pendingHoldingFees(user, index, price);
        int256 total = funding + int256(borrowing);
        IFundingFees.TradeFeesData storage f = tradeFees[user][index];
        if (total > 0) {
            uint256 available = _availableInDiamond(user, index, trades[user][index].collateralAmount);
            uint256 toVault = uint256(total) > available ? available : uint256(total);
            f.realizedTradingFeesCollateral += uint128(toVault);
            f.realizedPnlCollateral -= int128(total - int256(toVault));
        } else {
            f.realizedPnlCollateral -= int128(total);
        }
        _storeInitialAccFees(user, index);
    }

    /// Realises a trading fee against an open trade; the part above the collateral available in the diamond
    /// is realised as negative PnL.
    function _realizeTradingFees(address user, uint32 index, uint256 fee) internal {
        IFundingFees.TradeFeesData storage f = tradeFees[user][index];
        uint256 available = _availableInDiamond(user, index, trades[user][index].collateralAmount);
        uint256 fromVault = fee > available ? fee - available : 0;
        f.realizedPnlCollateral -= int128(int256(fromVault));
        f.realizedTradingFeesCollateral += uint128(fee - fromVault);
    }

    /// A collateral decrease of `delta` out of `existing` position size scales the realised values down.
    function _downscaleTradeFees(address user, uint32 index, uint256 delta, uint256 existing) internal {
        IFundingFees.TradeFeesData storage f = tradeFees[user][index];
        f.realizedTradingFeesCollateral -= uint128(delta * f.realizedTradingFeesCollateral / existing);
        int256 r = f.realizedPnlCollateral;
        uint256 absR = uint256(r < 0 ? -r : r);
        uint256 share = r > 0 ? (delta * absR + existing - 1) / existing : delta * absR / existing;   // round toward 0 left
        f.realizedPnlCollateral = int128(r > 0 ? r - int256(share) : r + int256(share));
        f.manuallyRealizedNegativePnlCollateral -= uint128(delta * f.manuallyRealizedNegativePnlCollateral / existing);
        f.alreadyTransferredNegativePnlCollateral -= uint128(delta * f.alreadyTransferredNegativePnlCollateral / existing);
    }

    /// Opening or closing fee of a position of `size` (collateral units): basis floored at the pair's minimum
    /// position size converted at the collateral's price, times totalPositionSizeFeeP.
    function _totalFee(uint8 ci, uint16 pairIndex, uint256 size) internal view returns (uint256) {
        uint256 minSize = pairMinPositionSizeUsd(pairIndex) * 1e8 / getCollateralPriceUsd(ci) / collats[ci - 1].precisionDelta;
        return (size > minSize ? size : minSize) * pairCfg[pairIndex].feeP / 100 / 1e10;
    }

    /// Trade value (signed, collateral units) at PnL `pnlP`: collateral + PnL - closing fee - pending holding
    /// fees + realised PnL - realised trading fees.
    function _tradeValue(address user, uint32 index, int256 pnlP, uint256 closingFee, uint64 price) internal view returns (int256) {
        ITradingStorage.Trade storage t = trades[user][index];
        (int256 funding, uint256 borrowing) = _pendingHoldingFees(user, index, price);
        IFundingFees.TradeFeesData storage f = tradeFees[user][index];
        int256 coll = int256(uint256(t.collateralAmount));
        return coll + coll * pnlP / 100e10 - int256(closingFee) - funding - int256(borrowing)
            + f.realizedPnlCollateral - int256(uint256(f.realizedTradingFeesCollateral));
    }

    function _liqReached(bool long, uint64 price, uint256 liq) internal pure returns (bool) {
        if (liq == 0) return false;
        return long ? price <= liq : price >= liq;
    }

    /// The stored trade's liquidation price now (as `getTradeLiquidationPrice` with its own parameters).
    function _tradeLiqPrice(address user, uint32 index, uint64 price) internal view returns (uint256) {
        ITradingStorage.Trade memory t = trades[user][index];
        return _liqOf(user, t, t.openPrice, t.collateralAmount, t.leverage, 0, price, 1e18);
    }

    /// The liquidation price of trade `t` (its fees data and holding fees) resized to `collateral` x `leverage`
    /// at `openPrice`, with an extra fee and a multiplier on its pending and realised values.
    function _liqOf(address user, ITradingStorage.Trade memory t, uint64 openPrice, uint256 collateral, uint256 leverage,
                    int256 additionalFee, uint64 price, uint256 multiplier) internal view returns (uint256) {
        return _liq(IBorrowingFees.LiqPriceInput(t.collateralIndex, user, t.pairIndex, t.index, openPrice, t.long,
                                                 collateral, leverage, additionalFee, tradeLiqParams[user][t.index],
                                                 price, t.isCounterTrade, multiplier, false));
    }

    /// getTradeLiquidationPrice as v10 computes it: closing fee on the position size, plus (when the trade is
    /// open) its pending holding fees less its realised PnL net of realised fees, times the partial-close
    /// multiplier, plus the additional fee; threshold by leverage; the liquidation spread.
    function _liq(IBorrowingFees.LiqPriceInput memory input) internal view returns (uint256) {
        if (input.pairIndex >= pairCfg.length || input.collateralIndex == 0 || input.collateralIndex > collats.length) return 0;
        int256 fees = int256(_totalFee(input.collateralIndex, input.pairIndex, input.collateral * input.leverage / 1e3))
            + input.additionalFeeCollateral;
        if (!input.beforeOpened && trades[input.trader][input.index].isOpen) {
            (int256 funding, uint256 borrowing) = _pendingHoldingFees(input.trader, input.index, input.currentPairPrice);
            IFundingFees.TradeFeesData storage f = tradeFees[input.trader][input.index];
            int256 realized = f.realizedPnlCollateral - int256(uint256(f.realizedTradingFeesCollateral));
            fees += (funding + int256(borrowing) - realized) * int256(input.partialCloseMultiplier) / 1e18;
        }
        IPairsStorage.GroupLiquidationParams memory lp = input.liquidationParams;
        uint256 spread = lp.maxLiqSpreadP > 0 ? GainsReplicaMath.liqSpreadP(pairCfg[input.pairIndex].spreadP, lp) : 0;
        return GainsReplicaMath.liqPrice(input.openPrice, input.long, input.collateral, input.leverage, fees,
                                         GainsReplicaMath.liqThresholdP(lp, input.leverage), spread,
                                         collats[input.collateralIndex - 1].precisionDelta);
    }

    // ------------------------------------------------------------------ reads
    function getTrade(address _trader, uint32 _index) external view returns (ITradingStorage.Trade memory) {
        return trades[_trader][_index];
    }

    function getTrades(address _trader) external view returns (ITradingStorage.Trade[] memory out) {
        ITradingStorage.Counter memory c = counters[_trader][0];
        out = new ITradingStorage.Trade[](c.openCount);
        uint256 n = 0;
        for (uint32 i = 0; i < c.currentIndex && n < c.openCount; i++) {
            if (trades[_trader][i].isOpen) out[n++] = trades[_trader][i];
        }
    }

    function getTradeInfo(address _trader, uint32 _index) external view returns (ITradingStorage.TradeInfo memory) {
        return infos[_trader][_index];
    }

    function getTradeInfos(address _trader) external view returns (ITradingStorage.TradeInfo[] memory out) {
        ITradingStorage.Counter memory c = counters[_trader][0];
        out = new ITradingStorage.TradeInfo[](c.openCount);
        uint256 n = 0;
        for (uint32 i = 0; i < c.currentIndex && n < c.openCount; i++) {
            if (trades[_trader][i].isOpen) out[n++] = infos[_trader][i];
        }
    }

    function getTradeContractsVersion(address _trader, uint32 _index) external view returns (uint8) {
        return infos[_trader][_index].contractsVersion;
    }

    function getPendingOrder(ITradingStorage.Id calldata _orderId) external view returns (ITradingStorage.PendingOrder memory) {
        return pending[_orderId.user][_orderId.index];
    }

    function getPendingOrders(address _user) external view returns (ITradingStorage.PendingOrder[] memory out) {
        ITradingStorage.Counter memory c = counters[_user][1];
        out = new ITradingStorage.PendingOrder[](c.openCount);
        uint256 n = 0;
        for (uint32 i = 0; i < c.currentIndex && n < c.openCount; i++) {
            if (pending[_user][i].isOpen) out[n++] = pending[_user][i];
        }
    }

    function getCounters(address _trader, uint8 _type) external view returns (ITradingStorage.Counter memory) {
        return counters[_trader][_type];
    }

    function pairsCount() external view returns (uint256) { return pairCfg.length; }

    function pairs(uint256 _index) external view returns (IPairsStorage.Pair memory) {
        PairCfg storage p = pairCfg[_index];
        return IPairsStorage.Pair(p.from, p.to, IPairsStorage.Feed(address(0), address(0), 0, 0), p.spreadP, p.groupIndex, _index);
    }

    function fees(uint256 _index) external view returns (IPairsStorage.FeeGroup memory) {
        PairCfg storage p = pairCfg[_index];   // one fee group per pair here (pairs(i).feeIndex == i)
        return IPairsStorage.FeeGroup(uint40(p.feeP), 0, 0, uint32(p.minFeeUsd * 25 * 1e3 / 1e18), 0);
    }

    function groups(uint256 _index) external view returns (IPairsStorage.Group memory) { return groupList[_index]; }

    function getPairLiquidationParams(uint256 _pairIndex) public view returns (IPairsStorage.GroupLiquidationParams memory) {
        return groupLiqParams[pairCfg[_pairIndex].groupIndex];
    }

    function getTradeLiquidationParams(address _trader, uint32 _index) external view returns (IPairsStorage.GroupLiquidationParams memory) {
        return tradeLiqParams[_trader][_index];
    }

    function getCollateral(uint8 _index) external view returns (ITradingStorage.Collateral memory) {
        if (_index == 0 || _index > collats.length) revert InvalidCollateralIndex();
        return collats[_index - 1];
    }

    function getCollaterals() external view returns (ITradingStorage.Collateral[] memory) { return collats; }

    function getCollateralsCount() external view returns (uint8) { return uint8(collats.length); }

    function getCollateralIndex(address _collateral) external view returns (uint8) {
        for (uint256 i = 0; i < collats.length; i++) {
            if (collats[i].collateral == _collateral) return uint8(i + 1);
        }
        return 0;
    }

    function getTradingActivated() external view returns (uint8) { return tradingActivated; }

    function getPairPendingAccFundingFees(uint8 _collateralIndex, uint16 _pairIndex, uint64 _currentPairPrice)
        external view returns (int128 accFundingFeeLongP, int128 accFundingFeeShortP, int56 currentFundingRatePerSecondP)
    {
        return _pendingFunding(_collateralIndex, _pairIndex, _currentPairPrice);
    }

    function getPairFundingFeeParams(uint8[] calldata _c, uint16[] calldata _p) external view returns (IFundingFees.FundingFeeParams[] memory out) {
        out = new IFundingFees.FundingFeeParams[](_c.length);
        for (uint256 i = 0; i < _c.length; i++) {
            Market storage m = markets[_c[i]][_p[i]];
            out[i] = IFundingFees.FundingFeeParams(m.skewCoefficientPerYear, m.absoluteVelocityPerYearCap,
                                                   m.absoluteRatePerSecondCap, m.thetaThresholdUsd, true, m.aprMultiplier, 0);
        }
    }

    function getPairFundingFeeData(uint8[] calldata _c, uint16[] calldata _p) external view returns (IFundingFees.PairFundingFeeData[] memory out) {
        out = new IFundingFees.PairFundingFeeData[](_c.length);
        for (uint256 i = 0; i < _c.length; i++) {
            Market storage m = markets[_c[i]][_p[i]];
            out[i] = IFundingFees.PairFundingFeeData(m.accFundingLong, m.accFundingShort, m.fundingRate, m.lastFundingTs, 0);
        }
    }

    function getPairBorrowingFeeParams(uint8[] calldata _c, uint16[] calldata _p) external view returns (IFundingFees.BorrowingFeeParams[] memory out) {
        out = new IFundingFees.BorrowingFeeParams[](_c.length);
        for (uint256 i = 0; i < _c.length; i++) out[i] = IFundingFees.BorrowingFeeParams(markets[_c[i]][_p[i]].borrowingRate, 0);
    }

    function getPairBorrowingFeeData(uint8[] calldata _c, uint16[] calldata _p) external view returns (IFundingFees.PairBorrowingFeeData[] memory out) {
        out = new IFundingFees.PairBorrowingFeeData[](_c.length);
        for (uint256 i = 0; i < _c.length; i++) {
            Market storage m = markets[_c[i]][_p[i]];
            out[i] = IFundingFees.PairBorrowingFeeData(m.accBorrowing, m.lastBorrowingTs, 0);
        }
    }

    function getPairPendingAccBorrowingFees(uint8 _collateralIndex, uint16 _pairIndex, uint64 _currentPairPrice)
        external view returns (uint128 accBorrowingFeeP)
    {
        return _pendingBorrowing(markets[_collateralIndex][_pairIndex], _currentPairPrice);
    }

    function getPairOiAfterV10Token(uint8 _collateralIndex, uint16 _pairIndex) external view returns (IPriceImpact.PairOiToken memory) {
        Market storage m = markets[_collateralIndex][_pairIndex];
        return IPriceImpact.PairOiToken(m.oiLongToken, m.oiShortToken);
    }

    function getPairOisAfterV10Collateral(uint8[] calldata _c, uint16[] calldata _p) external view returns (IPriceImpact.PairOiCollateral[] memory out) {
        out = new IPriceImpact.PairOiCollateral[](_c.length);
        for (uint256 i = 0; i < _c.length; i++) {
            Market storage m = markets[_c[i]][_p[i]];
            out[i] = IPriceImpact.PairOiCollateral(m.oiLongColl, m.oiShortColl);
        }
    }

    function getPairOisBeforeV10Collateral(uint8, uint16) external pure returns (uint256 longOi, uint256 shortOi) {
        return (0, 0);   // every trade on the replica is a v10 trade
    }

    function getPairMaxOiCollateral(uint8 _collateralIndex, uint16 _pairIndex) external view returns (uint256) {
        return markets[_collateralIndex][_pairIndex].maxOiColl;
    }

    function getPairSkewDepth(uint8 _collateralIndex, uint16 _pairIndex) external view returns (uint256) {
        return markets[_collateralIndex][_pairIndex].skewDepth;
    }

    function getTradeSkewPriceImpactP(uint8 _collateralIndex, uint16 _pairIndex, bool _long, uint256 _positionSizeToken,
                                      bool _open) external view returns (int256 priceImpactP) {
        return _skewImpactP(_collateralIndex, _pairIndex, _long, _positionSizeToken, _open);
    }

    function getMaxSkewCollateral(uint8 _collateralIndex, uint16 _pairIndex) external view returns (uint80) {
        return markets[_collateralIndex][_pairIndex].maxSkew;
    }

    function getTradeFeesData(address _trader, uint32 _index) external view returns (IFundingFees.TradeFeesData memory) {
        return tradeFees[_trader][_index];
    }

    function getTradeRealizedPnlCollateral(address _trader, uint32 _index)
        external view returns (int256 realizedPnlCollateral, uint256 realizedTradingFeesCollateral, int256 totalRealizedPnlCollateral)
    {
        IFundingFees.TradeFeesData storage f = tradeFees[_trader][_index];
        realizedPnlCollateral = f.realizedPnlCollateral;
        realizedTradingFeesCollateral = f.realizedTradingFeesCollateral;
        totalRealizedPnlCollateral = realizedPnlCollateral - int256(realizedTradingFeesCollateral);
    }

    function getTradePendingHoldingFeesCollateral(address _trader, uint32 _index, uint64 _currentPairPrice)
        external view returns (IFundingFees.TradeHoldingFees memory h)
    {
        (int256 funding, uint256 borrowing) = _pendingHoldingFees(_trader, _index, _currentPairPrice);
        h = IFundingFees.TradeHoldingFees(funding, borrowing, 0, funding + int256(borrowing));
    }

    function getTradeLiquidationPrice(IBorrowingFees.LiqPriceInput calldata _input) external view returns (uint256) {
        return _liq(_input);
    }

    function pairMinLeverage(uint256 _pairIndex) public view returns (uint256) { return pairCfg[_pairIndex].minLev; }
    function pairMaxLeverage(uint256 _pairIndex) public view returns (uint256) { return pairCfg[_pairIndex].maxLev; }
    function pairMinPositionSizeUsd(uint256 _pairIndex) public view returns (uint256) { return pairCfg[_pairIndex].minFeeUsd * 25; }
    function pairMinFeeUsd(uint256 _pairIndex) external view returns (uint256) { return pairCfg[_pairIndex].minFeeUsd; }
    function pairTotalPositionSizeFeeP(uint256 _pairIndex) external view returns (uint256) { return pairCfg[_pairIndex].feeP; }
    function getMarketOrdersTimeoutBlocks() external view returns (uint16) { return timeoutBlocks; }

    function getCollateralPriceUsd(uint8 _collateralIndex) public view returns (uint256) {
        (, int256 answer,,,) = IReplicaFeed(collatFeeds[_collateralIndex - 1]).latestRoundData();
        return uint256(answer);
    }

    function getOracles() external view returns (address[] memory) { return oracles; }
    function getMinAnswers() external view returns (uint8) { return minAnswers; }
    function getPendingRequest(bytes32 _id) external view returns (address) { return pendingRequests[_id]; }
    function getPriceAggregatorOrder(bytes32 _requestId) external view returns (IPriceAggregator.Order memory) { return aggOrders[_requestId]; }
    function getRequestCount() external view returns (uint256) { return requestCount; }
    function getMaxMarketDeviationP() external pure returns (uint24) { return 0; }
}
