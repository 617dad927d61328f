// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "../../interfaces/gtrade/IGNSMultiCollatDiamond.sol";

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
/// `fulfill`, and at `minAnswers` answers the median runs the callback. Simplified as §10.1 allows:
/// price impact is the fixed half-spread only, funding velocity is zero (a settable rate), borrowing
/// v2 is a settable rate, no group OI caps, liquidation at -90% PnL, no LINK, no limit/stop orders.
contract GainsDiamondReplica is IGNSMultiCollatDiamond {
    event ChainlinkRequested(bytes32 indexed id);
    event ChainlinkFulfilled(bytes32 indexed id);

    uint16 internal constant DEFAULT_MAX_CLOSING_SLIPPAGE_P = 1000;   // 1%
    int256 internal constant MAX_OPEN_NEGATIVE_PNL_P = 40e10;
    uint256 internal constant LIQ_THRESHOLD_P = 90;                      // liquidation at -90% PnL
    uint256 internal constant ORDER_MAX_AGE_BLOCKS = 12000;              // ~1 hour at 0.3 s

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
        int56 fundingRate;      // 1e18 % per second
        uint32 lastFundingTs;
        bool aprMultiplier;
        uint128 accBorrowing;
        uint32 lastBorrowingTs;
        uint24 borrowingRate;   // 1e10 % per second
    }

    struct FeesData {
        int128 initialAccFunding;
        uint128 initialAccBorrowing;
    }

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
    mapping(address => mapping(uint32 => FeesData)) internal feesData;
    // v10 keeps a trade's collateral as sent: opening/closing fees and holding fees at a resize are realised
    // against the trade (TradeFeesData.realizedTradingFeesCollateral / realizedPnlCollateral), lowering its value
    mapping(address => mapping(uint32 => int256)) internal realizedFees;
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
        uint64 price = 0;
        _accrueAt(m, price);
        m.maxOiColl = maxOiColl;
        m.maxSkew = maxSkew;
        m.fundingRate = fundingRate;
        m.borrowingRate = borrowingRate;
        m.aprMultiplier = aprMultiplier;
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
        if (o.orderType > 1 && o.orderType != 8 && o.orderType != 9) revert WrongOrderType();
        if (block.number < uint256(o.createdBlock) + timeoutBlocks) revert WaitTimeout();
        ITradingStorage.Id memory id = ITradingStorage.Id(msg.sender, _orderIndex);
        uint256 refund = (o.orderType == 0 || o.orderType == 8) ? o.trade.collateralAmount : 0;
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
                assembly { revert(add(out, 32), mload(out)) }
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
        ITradingCommonUtils.TradePriceImpact memory impact = _impact(t.pairIndex, price, t.long, true);
        uint256 size = uint256(t.collateralAmount) * t.leverage / 1e3;
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
        Market storage m = markets[t.collateralIndex][t.pairIndex];
        _accrueAt(m, price);
        uint256 fee = size * pairCfg[t.pairIndex].feeP / 100 / 1e10;
        impact.positionSizeToken = _tokens(t.collateralIndex, size, impact.priceAfterImpact);
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
        feesData[id.user][t.index] = FeesData(m.accFundingShort, m.accBorrowing);
        realizedFees[id.user][t.index] = int256(fee);
        if (t.long) feesData[id.user][t.index].initialAccFunding = m.accFundingLong;
        _addOi(m, t.long, size, impact.positionSizeToken, true);
        emit TradeStored(id.user, t.index, t, info, getPairLiquidationParams(t.pairIndex));
        emit MarketExecuted(id, id.user, t.index, t, true, price, impact.priceAfterImpact, _liqPrice(t, 0), impact, 0, 0,
                            info.collateralPriceUsd);
    }

    function _closeCallback(ITradingStorage.Id memory id, uint64 price) internal {
        ITradingStorage.PendingOrder memory o = pending[id.user][id.index];
        ITradingStorage.Trade memory t = trades[id.user][o.trade.index];
        if (!t.isOpen) {
            emit MarketCloseCanceled(id, id.user, o.trade.pairIndex, o.trade.index, 9);
            return;
        }
        ITradingCommonUtils.TradePriceImpact memory impact = _impact(t.pairIndex, price, t.long, false);
        if (_slippageCancel(t.long, false, o.trade.openPrice, impact.priceAfterImpact, o.maxSlippageP)) {
            emit MarketCloseCanceled(id, id.user, t.pairIndex, t.index, 3);
            return;
        }
        Market storage m = markets[t.collateralIndex][t.pairIndex];
        _accrueAt(m, price);
        uint256 size = uint256(t.collateralAmount) * t.leverage / 1e3;
        int256 pnlP = _pnlPercent(t.openPrice, impact.priceAfterImpact, t.long, t.leverage);
        int256 value = int256(uint256(t.collateralAmount)) + int256(uint256(t.collateralAmount)) * pnlP / 100e10
            - int256(size * pairCfg[t.pairIndex].feeP / 100 / 1e10) - _holdingFees(id.user, t.index, m, t)
            - realizedFees[id.user][t.index];
        delete realizedFees[id.user][t.index];
        uint256 sent = value > 0 ? uint256(value) : 0;
        _addOi(m, t.long, size, t.positionSizeToken, false);
        trades[id.user][t.index].isOpen = false;
        counters[id.user][0].openCount--;
        if (sent > 0) IReplicaERC20(collats[t.collateralIndex - 1].collateral).transfer(id.user, sent);
        impact.positionSizeToken = t.positionSizeToken;
        emit MarketExecuted(id, id.user, t.index, t, false, price, impact.priceAfterImpact, _liqPrice(t, 0), impact, pnlP,
                            sent, getCollateralPriceUsd(t.collateralIndex));
        emit TradeClosed(id.user, t.index, pnlP > 0);
    }

    function _increaseCallback(ITradingStorage.Id memory id, uint64 price) internal {
        ITradingStorage.PendingOrder memory o = pending[id.user][id.index];
        ITradingStorage.Trade storage t = trades[id.user][o.trade.index];
        IUpdatePositionSize.IncreasePositionSizeValues memory v;
        v.priceImpact = _impact(o.trade.pairIndex, price, o.trade.long, true);
        v.existingPositionSizeCollateral = uint256(t.collateralAmount) * t.leverage / 1e3;
        uint256 cDelta = o.trade.collateralAmount;
        v.positionSizeCollateralDelta = cDelta > 0 ? cDelta * o.trade.leverage / 1e3 : uint256(t.collateralAmount) * o.trade.leverage / 1e3;
        uint8 reason = 0;
        if (!t.isOpen) reason = 9;
        else if (_slippageCancel(t.long, true, o.trade.openPrice, v.priceImpact.priceAfterImpact, o.maxSlippageP)) reason = 3;
        else if (!_withinExposure(t.collateralIndex, t.pairIndex, t.long, v.positionSizeCollateralDelta, price)) reason = 6;
        Market storage m = markets[o.trade.collateralIndex][o.trade.pairIndex];
        if (reason == 0) {
            _accrueAt(m, price);
            _realizeHoldingFees(id.user, t.index, m);
            v.openingFeesCollateral = v.positionSizeCollateralDelta * pairCfg[t.pairIndex].feeP / 100 / 1e10;
            v.newCollateralAmount = uint256(t.collateralAmount) + cDelta;
            v.newPositionSizeCollateral = v.existingPositionSizeCollateral + v.positionSizeCollateralDelta;
            v.newLeverage = v.newPositionSizeCollateral * 1e3 / v.newCollateralAmount;
            v.newEffectiveLeverage = v.newLeverage;
            if (v.newLeverage > pairMaxLeverage(t.pairIndex)) reason = 8;
        }
        if (reason != 0) {
            if (cDelta > 0) IReplicaERC20(collats[o.trade.collateralIndex - 1].collateral).transfer(id.user, cDelta);
            emit PositionSizeIncreaseExecuted(id, reason, o.trade.collateralIndex, id.user, o.trade.pairIndex, o.trade.index,
                                              o.trade.long, price, getCollateralPriceUsd(o.trade.collateralIndex), cDelta,
                                              o.trade.leverage, v);
            return;
        }
        uint256 addTokens = _tokens(t.collateralIndex, v.positionSizeCollateralDelta, v.priceImpact.priceAfterImpact);
        v.priceImpact.positionSizeToken = addTokens;
        v.existingLiqPrice = _liqPrice(t, 0);
        uint256 newTokens = uint256(t.positionSizeToken) + addTokens;
        // size-weighted average entry: size (collateral) / tokens, in 1e10 price units
        v.newOpenPrice = uint64(uint256(t.openPrice) * t.positionSizeToken / newTokens
            + uint256(v.priceImpact.priceAfterImpact) * addTokens / newTokens);
        _addOi(m, t.long, v.positionSizeCollateralDelta, addTokens, true);
        realizedFees[id.user][t.index] += int256(v.openingFeesCollateral);
        t.collateralAmount = uint120(v.newCollateralAmount);
        t.leverage = uint24(v.newLeverage);
        t.openPrice = uint64(v.newOpenPrice);
        t.positionSizeToken = uint160(newTokens);
        infos[id.user][t.index].lastPosIncreaseBlock = uint32(block.number);
        v.newLiqPrice = _liqPrice(t, 0);
        emit TradePositionUpdated(id.user, t.index, t.collateralAmount, t.leverage, t.openPrice, t.sl, t.positionSizeToken, 8, false);
        emit PositionSizeIncreaseExecuted(id, 0, t.collateralIndex, id.user, t.pairIndex, t.index, t.long, price,
                                          getCollateralPriceUsd(t.collateralIndex), cDelta, o.trade.leverage, v);
    }

    function _decreaseCallback(ITradingStorage.Id memory id, uint64 price) internal {
        ITradingStorage.PendingOrder memory o = pending[id.user][id.index];
        ITradingStorage.Trade storage t = trades[id.user][o.trade.index];
        IUpdatePositionSize.DecreasePositionSizeValues memory v;
        v.isLeverageUpdate = o.trade.collateralAmount == 0;
        v.priceImpact = _impact(o.trade.pairIndex, price, o.trade.long, false);
        uint8 reason = 0;
        if (!t.isOpen) reason = 9;
        else if (_slippageCancel(t.long, false, o.trade.openPrice, v.priceImpact.priceAfterImpact, o.maxSlippageP)) reason = 3;
        if (reason != 0) {
            emit PositionSizeDecreaseExecuted(id, reason, o.trade.collateralIndex, id.user, o.trade.pairIndex, o.trade.index,
                                              o.trade.long, price, getCollateralPriceUsd(o.trade.collateralIndex),
                                              o.trade.collateralAmount, o.trade.leverage, v);
            return;
        }
        Market storage m = markets[t.collateralIndex][t.pairIndex];
        _accrueAt(m, price);
        _realizeHoldingFees(id.user, t.index, m);
        v.existingPositionSizeCollateral = uint256(t.collateralAmount) * t.leverage / 1e3;
        v.existingLiqPrice = _liqPrice(t, 0);
        v.positionSizeCollateralDelta = v.isLeverageUpdate ? uint256(t.collateralAmount) * o.trade.leverage / 1e3
            : uint256(o.trade.collateralAmount) * t.leverage / 1e3;
        v.existingPnlPercent = _pnlPercent(t.openPrice, v.priceImpact.priceAfterImpact, t.long, t.leverage);
        v.partialRawPnlCollateral = int256(v.positionSizeCollateralDelta) * v.existingPnlPercent / 100e10
            * 1e3 / int256(uint256(t.leverage));
        v.closingFeeCollateral = v.positionSizeCollateralDelta * pairCfg[t.pairIndex].feeP / 100 / 1e10;
        v.partialNetPnlCollateral = v.partialRawPnlCollateral - int256(v.closingFeeCollateral);
        uint256 tokensDelta = uint256(t.positionSizeToken) * v.positionSizeCollateralDelta / v.existingPositionSizeCollateral;
        _addOi(m, t.long, v.positionSizeCollateralDelta, tokensDelta, false);
        int256 keep;
        if (v.isLeverageUpdate) {
            v.newLeverage = t.leverage - o.trade.leverage;
            // the slice's PnL is realised: a gain is paid out, a loss comes off the collateral
            v.collateralSentToTrader = v.partialNetPnlCollateral > 0 ? v.partialNetPnlCollateral : int256(0);
            keep = int256(uint256(t.collateralAmount)) + (v.partialNetPnlCollateral < 0 ? v.partialNetPnlCollateral : int256(0));
        } else {
            v.newLeverage = t.leverage;
            int256 share = realizedFees[id.user][t.index] * int256(uint256(o.trade.collateralAmount))
                / int256(uint256(t.collateralAmount));
            realizedFees[id.user][t.index] -= share;
            v.collateralSentToTrader = int256(uint256(o.trade.collateralAmount)) + v.partialNetPnlCollateral - share;
            keep = int256(uint256(t.collateralAmount - o.trade.collateralAmount));
            if (v.collateralSentToTrader < 0) { keep += v.collateralSentToTrader; v.collateralSentToTrader = 0; }
        }
        v.newCollateralAmount = uint120(uint256(keep > 0 ? keep : int256(0)));
        v.pnlToRealizeCollateral = v.partialNetPnlCollateral;
        t.collateralAmount = v.newCollateralAmount;
        if (v.isLeverageUpdate) t.leverage = v.newLeverage;
        t.positionSizeToken = uint160(uint256(t.positionSizeToken) - tokensDelta);
        v.newLiqPrice = _liqPrice(t, 0);
        if (v.collateralSentToTrader > 0) {
            IReplicaERC20(collats[t.collateralIndex - 1].collateral).transfer(id.user, uint256(v.collateralSentToTrader));
        }
        emit TradePositionUpdated(id.user, t.index, t.collateralAmount, t.leverage, t.openPrice, t.sl, t.positionSizeToken, 9,
                                  v.partialRawPnlCollateral > 0);
        emit PositionSizeDecreaseExecuted(id, 0, t.collateralIndex, id.user, t.pairIndex, t.index, t.long, price,
                                          getCollateralPriceUsd(t.collateralIndex), o.trade.collateralAmount,
                                          o.trade.leverage, v);
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
        else emit PositionSizeUpdateInitiated(id, msg.sender, t.pairIndex, t.index, opening, collateralDelta, leverageDelta);
    }

    function _closePending(address user, uint32 index) internal {
        ITradingStorage.PendingOrder storage o = pending[user][index];
        o.isOpen = false;
        counters[user][1].openCount--;
        if (o.orderType != 0 && tradePending[user][o.trade.index] == index + 1) delete tradePending[user][o.trade.index];
        emit PendingOrderClosed(ITradingStorage.Id(user, index));
    }

    function _impact(uint16 pairIndex, uint64 price, bool long, bool opening)
        internal view returns (ITradingCommonUtils.TradePriceImpact memory impact)
    {
        uint256 half = pairCfg[pairIndex].spreadP / 2;
        impact.fixedSpreadP = int256(half);
        impact.totalPriceImpactP = int256(half);
        // an opening long and a closing short buy (pay up); an opening short and a closing long sell
        bool up = long == opening;
        uint256 move = uint256(price) * half / 100 / 1e10;
        impact.priceAfterImpact = uint64(up ? price + move : price - move);
    }

    function _slippageCancel(bool long, bool opening, uint64 expected, uint64 got, uint16 p) internal pure returns (bool) {
        uint256 slip = uint256(expected) * p / 100 / 1e3;
        bool buys = long == opening;
        return buys ? got > expected + slip : got + slip < expected;
    }

    function _tokens(uint8 ci, uint256 sizeColl, uint64 price) internal view returns (uint256) {
        return sizeColl * collats[ci - 1].precisionDelta * 1e10 / price;
    }

    function _pnlPercent(uint64 openPrice, uint64 current, bool long, uint24 leverage) internal pure returns (int256 p) {
        int256 diff = long ? int256(uint256(current)) - int256(uint256(openPrice)) : int256(uint256(openPrice)) - int256(uint256(current));
        p = diff * 100e10 / int256(uint256(openPrice)) * int256(uint256(leverage)) / 1e3;
        if (p < -100e10) p = -100e10;
    }

    function _liqPrice(ITradingStorage.Trade memory t, int256 feesColl) internal pure returns (uint256) {
        int256 coll = int256(uint256(t.collateralAmount));
        if (coll == 0 || t.leverage == 0) return 0;
        int256 dist = int256(uint256(t.openPrice)) * (coll * int256(LIQ_THRESHOLD_P) / 100 - feesColl) / coll * 1e3
            / int256(uint256(t.leverage));
        if (t.long) return dist >= int256(uint256(t.openPrice)) ? 0 : uint256(int256(uint256(t.openPrice)) - dist);
        int256 p = int256(uint256(t.openPrice)) + dist;
        return p > 0 ? uint256(p) : 0;
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

    function _pendingAcc(Market storage m, uint64 price) internal view returns (int128 accL, int128 accS, uint128 accB) {
        accL = m.accFundingLong;
        accS = m.accFundingShort;
        accB = m.accBorrowing;
        if (price == 0) return (accL, accS, accB);
        uint256 dtF = m.lastFundingTs == 0 ? 0 : block.timestamp - m.lastFundingTs;
        int256 delta = int256(m.fundingRate) * int256(dtF) * int256(uint256(price)) / 1e8;   // 1e18 %/s * s * 1e10 / 1e8 = 1e20
        int256 longMult = 1e18;
        int256 shortMult = 1e18;
        if (m.aprMultiplier) {
            if (delta > 0 && m.oiShortToken > 0) shortMult = int256(_min(uint256(m.oiLongToken) * 1e18 / m.oiShortToken, 100e18));
            if (delta < 0 && m.oiLongToken > 0) longMult = int256(_min(uint256(m.oiShortToken) * 1e18 / m.oiLongToken, 100e18));
        }
        accL += int128(delta * longMult / 1e18);
        accS -= int128(delta * shortMult / 1e18);
        uint256 dtB = m.lastBorrowingTs == 0 ? 0 : block.timestamp - m.lastBorrowingTs;
        accB += uint128(uint256(m.borrowingRate) * dtB * price);                             // 1e10 %/s * s * 1e10 = 1e20
    }

    function _accrueAt(Market storage m, uint64 price) internal {
        (m.accFundingLong, m.accFundingShort, m.accBorrowing) = _pendingAcc(m, price);
        if (price != 0 || m.lastFundingTs == 0) {
            m.lastFundingTs = uint32(block.timestamp);
            m.lastBorrowingTs = uint32(block.timestamp);
        }
    }

    function _fees(address user, uint32 index, int128 accL, int128 accS, uint128 accB)
        internal view returns (int256 funding, uint256 borrowing)
    {
        ITradingStorage.Trade storage t = trades[user][index];
        FeesData storage f = feesData[user][index];
        if (infos[user][index].contractsVersion < 2 || t.openPrice == 0) return (0, 0);
        uint256 size = uint256(t.collateralAmount) * t.leverage / 1e3;
        int256 acc = t.long ? accL : accS;
        funding = int256(size) * (acc - f.initialAccFunding) / int256(uint256(t.openPrice)) / 1e10 / 100;
        borrowing = size * (accB - f.initialAccBorrowing) / t.openPrice / 1e10 / 100;
    }

    function _holdingFees(address user, uint32 index, Market storage m, ITradingStorage.Trade memory) internal view returns (int256) {
        (int256 funding, uint256 borrowing) = _fees(user, index, m.accFundingLong, m.accFundingShort, m.accBorrowing);
        return funding + int256(borrowing);
    }

    function _realizeHoldingFees(address user, uint32 index, Market storage m) internal {
        ITradingStorage.Trade storage t = trades[user][index];
        realizedFees[user][index] += _holdingFees(user, index, m, t);
        feesData[user][index] = FeesData(t.long ? m.accFundingLong : m.accFundingShort, m.accBorrowing);
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

    function getPairLiquidationParams(uint256) public pure returns (IPairsStorage.GroupLiquidationParams memory) {
        return IPairsStorage.GroupLiquidationParams(0, uint40(LIQ_THRESHOLD_P * 1e10), uint40(LIQ_THRESHOLD_P * 1e10), 0, 0);
    }

    function getTradeLiquidationParams(address _trader, uint32 _index) external view returns (IPairsStorage.GroupLiquidationParams memory) {
        return getPairLiquidationParams(trades[_trader][_index].pairIndex);
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
        Market storage m = markets[_collateralIndex][_pairIndex];
        (accFundingFeeLongP, accFundingFeeShortP,) = _pendingAcc(m, _currentPairPrice);
        currentFundingRatePerSecondP = m.fundingRate;
    }

    function getPairFundingFeeParams(uint8[] calldata _c, uint16[] calldata _p) external view returns (IFundingFees.FundingFeeParams[] memory out) {
        out = new IFundingFees.FundingFeeParams[](_c.length);
        for (uint256 i = 0; i < _c.length; i++) {
            out[i] = IFundingFees.FundingFeeParams(0, 0, 3170979, 0, true, markets[_c[i]][_p[i]].aprMultiplier, 0);
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
        (,, accBorrowingFeeP) = _pendingAcc(markets[_collateralIndex][_pairIndex], _currentPairPrice);
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

    function getMaxSkewCollateral(uint8 _collateralIndex, uint16 _pairIndex) external view returns (uint80) {
        return markets[_collateralIndex][_pairIndex].maxSkew;
    }

    // Interim (replaced with per-trade TradeFeesData bookkeeping): realised fees net, initial accumulators.
    function getTradeFeesData(address _trader, uint32 _index) external view returns (IFundingFees.TradeFeesData memory d) {
        int256 r = realizedFees[_trader][_index];
        if (r >= 0) d.realizedTradingFeesCollateral = uint128(uint256(r));
        else d.realizedPnlCollateral = int128(-r);
        d.initialAccFundingFeeP = feesData[_trader][_index].initialAccFunding;
        d.initialAccBorrowingFeeP = feesData[_trader][_index].initialAccBorrowing;
    }

    function updateLeverage(uint32, uint24) external pure {
        revert WrongLeverage();   // interim: leverage updates are not modelled yet
    }

    function getTradePendingHoldingFeesCollateral(address _trader, uint32 _index, uint64 _currentPairPrice)
        external view returns (IFundingFees.TradeHoldingFees memory h)
    {
        (int256 funding, uint256 borrowing) = _pendingHoldingFees(_trader, _index, _currentPairPrice);
        h = IFundingFees.TradeHoldingFees(funding, borrowing, 0, funding + int256(borrowing));
    }

    function _pendingHoldingFees(address trader, uint32 index, uint64 price)
        internal view returns (int256 funding, uint256 borrowing)
    {
        ITradingStorage.Trade storage t = trades[trader][index];
        (int128 accL, int128 accS, uint128 accB) = _pendingAcc(markets[t.collateralIndex][t.pairIndex], price);
        return _fees(trader, index, accL, accS, accB);
    }

    function getTradeLiquidationPrice(IBorrowingFees.LiqPriceInput calldata _input) external view returns (uint256) {
        ITradingStorage.Trade memory t;
        t.openPrice = _input.openPrice;
        t.long = _input.long;
        t.collateralAmount = uint120(_input.collateral);
        t.leverage = uint24(_input.leverage);
        int256 fees = _input.additionalFeeCollateral;
        if (!_input.beforeOpened && trades[_input.trader][_input.index].isOpen) {
            // as v10 does for an open trade: its realised fees and its pending holding fees at the given price
            (int256 funding, uint256 borrowing) = _pendingHoldingFees(_input.trader, _input.index,
                                                                      _input.currentPairPrice);
            fees += realizedFees[_input.trader][_input.index] + funding + int256(borrowing);
        }
        return _liqPrice(t, fees);
    }

    function pairMinLeverage(uint256 _pairIndex) public view returns (uint256) { return pairCfg[_pairIndex].minLev; }
    function pairMaxLeverage(uint256 _pairIndex) public view returns (uint256) { return pairCfg[_pairIndex].maxLev; }
    function pairMinPositionSizeUsd(uint256 _pairIndex) external view returns (uint256) { return pairCfg[_pairIndex].minFeeUsd * 25; }
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
