// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// gTrade v10 client-facing types, under the library names the diamond's ABI uses (tuple layouts are the interface).
library ITradingStorage {
    struct Trade {
        address user;
        uint32 index;
        uint16 pairIndex;
        uint24 leverage;
        bool long;
        bool isOpen;
        uint8 collateralIndex;
        uint8 tradeType;
        uint120 collateralAmount;
        uint64 openPrice;
        uint64 tp;
        uint64 sl;
        bool isCounterTrade;
        uint160 positionSizeToken;
        uint24 __placeholder;
    }
    struct TradeInfo {
        uint32 createdBlock;
        uint32 tpLastUpdatedBlock;
        uint32 slLastUpdatedBlock;
        uint16 maxSlippageP;
        uint48 lastOiUpdateTs;
        uint48 collateralPriceUsd;
        uint8 contractsVersion;
        uint32 lastPosIncreaseBlock;
        uint8 __placeholder;
    }
    struct PendingOrder {
        ITradingStorage.Trade trade;
        address user;
        uint32 index;
        bool isOpen;
        uint8 orderType;
        uint32 createdBlock;
        uint16 maxSlippageP;
    }
    struct Id {
        address user;
        uint32 index;
    }
    struct Counter {
        uint32 currentIndex;
        uint32 openCount;
        uint192 __placeholder;
    }
    struct Collateral {
        address collateral;
        bool isActive;
        uint88 __placeholder;
        uint128 precision;
        uint128 precisionDelta;
    }
}

library IFundingFees {
    struct FundingFeeParams {
        uint112 skewCoefficientPerYear;
        uint24 absoluteVelocityPerYearCap;
        uint24 absoluteRatePerSecondCap;
        uint32 thetaThresholdUsd;
        bool fundingFeesEnabled;
        bool aprMultiplierEnabled;
        uint48 __placeholder;
    }
    struct PairFundingFeeData {
        int128 accFundingFeeLongP;
        int128 accFundingFeeShortP;
        int56 lastFundingRatePerSecondP;
        uint32 lastFundingUpdateTs;
        uint168 __placeholder;
    }
    struct BorrowingFeeParams {
        uint24 borrowingRatePerSecondP;
        uint232 __placeholder;
    }
    struct TradeHoldingFees {
        int256 fundingFeeCollateral;
        uint256 borrowingFeeCollateral;
        uint256 borrowingFeeCollateral_old;
        int256 totalFeeCollateral;
    }
    struct TradeFeesData {
        uint128 realizedTradingFeesCollateral;
        int128 realizedPnlCollateral;
        uint128 manuallyRealizedNegativePnlCollateral;
        uint128 alreadyTransferredNegativePnlCollateral;
        uint128 virtualAvailableCollateralInDiamond;
        uint128 __placeholder;
        int128 initialAccFundingFeeP;
        uint128 initialAccBorrowingFeeP;
    }
    struct PairBorrowingFeeData {
        uint128 accBorrowingFeeP;
        uint32 lastBorrowingUpdateTs;
        uint96 __placeholder;
    }
}

library IPriceImpact {
    struct PairOiToken {
        uint128 oiLongToken;
        uint128 oiShortToken;
    }
    struct PairOiCollateral {
        uint128 oiLongCollateral;
        uint128 oiShortCollateral;
    }
}

library IBorrowingFees {
    struct LiqPriceInput {
        uint8 collateralIndex;
        address trader;
        uint16 pairIndex;
        uint32 index;
        uint64 openPrice;
        bool long;
        uint256 collateral;
        uint256 leverage;
        int256 additionalFeeCollateral;
        IPairsStorage.GroupLiquidationParams liquidationParams;
        uint64 currentPairPrice;
        bool isCounterTrade;
        uint256 partialCloseMultiplier;
        bool beforeOpened;
    }
}

library IPairsStorage {
    struct Feed {
        address feed1;
        address feed2;
        uint8 feedCalculation;
        uint256 maxDeviationP;
    }
    struct Pair {
        string from;
        string to;
        IPairsStorage.Feed feed;
        uint256 spreadP;
        uint256 groupIndex;
        uint256 feeIndex;
    }
    struct FeeGroup {
        uint40 totalPositionSizeFeeP;
        uint40 totalLiqCollateralFeeP;
        uint40 oraclePositionSizeFeeP;
        uint32 minPositionSizeUsd;
        uint104 __placeholder;
    }
    struct Group {
        string name;
        bytes32 job;
        uint256 minLeverage;
        uint256 maxLeverage;
    }
    struct GroupLiquidationParams {
        uint40 maxLiqSpreadP;
        uint40 startLiqThresholdP;
        uint40 endLiqThresholdP;
        uint24 startLeverage;
        uint24 endLeverage;
    }
}

library IPriceAggregator {
    struct OrderAnswer {
        uint56 open;
        uint56 high;
        uint56 low;
        uint56 current;
        uint32 ts;
    }
    struct Order {
        address user;
        uint32 index;
        uint8 orderType;
        uint16 pairIndex;
        bool isLookback;
        uint32 __placeholder;
    }
}

library ITradingCommonUtils {
    struct TradePriceImpact {
        uint256 positionSizeToken;
        int256 fixedSpreadP;
        int256 cumulVolPriceImpactP;
        int256 skewPriceImpactP;
        int256 totalPriceImpactP;
        uint64 priceAfterImpact;
    }
}

library IUpdatePositionSize {
    struct IncreasePositionSizeValues {
        uint256 positionSizeCollateralDelta;
        uint256 existingPositionSizeCollateral;
        uint256 newPositionSizeCollateral;
        uint256 newCollateralAmount;
        uint256 newLeverage;
        ITradingCommonUtils.TradePriceImpact priceImpact;
        int256 existingPnlCollateral;
        uint256 oldPosSizePlusPnlCollateral;
        uint256 newOpenPrice;
        uint256 openingFeesCollateral;
        uint256 existingLiqPrice;
        uint256 newLiqPrice;
        bool isCounterTradeValidated;
        uint256 exceedingPositionSizeCollateral;
        uint256 counterTradeCollateralToReturn;
        uint256 newEffectiveLeverage;
    }
    struct DecreasePositionSizeValues {
        bool isLeverageUpdate;
        uint256 positionSizeCollateralDelta;
        uint256 existingPositionSizeCollateral;
        uint256 existingLiqPrice;
        uint256 newLiqPrice;
        ITradingCommonUtils.TradePriceImpact priceImpact;
        int256 existingPnlPercent;
        int256 partialRawPnlCollateral;
        int256 partialNetPnlCollateral;
        int256 pnlToRealizeCollateral;
        uint256 closingFeeCollateral;
        uint256 totalAvailableCollateralInDiamond;
        int256 availableCollateralInDiamond;
        int256 collateralSentToTrader;
        uint120 newCollateralAmount;
        uint24 newLeverage;
    }
}

library IUpdateLeverage {
    struct UpdateLeverageValues {
        uint256 newLeverage;
        uint256 newCollateralAmount;
        uint256 existingLiqPrice;
        uint256 newLiqPrice;
        uint256 govFeeCollateral;
        uint256 newEffectiveLeverage;
        uint256 totalTradeAvailableCollateralInDiamond;
        uint256 availableCollateralInDiamond;
    }
}

library ITradingCallbacks {
    struct AggregatorAnswer {
        ITradingStorage.Id orderId;
        uint64 open;
        uint64 high;
        uint64 low;
        uint64 current;
    }
}

/// GNSMultiCollatDiamond (gTrade v10, Arbitrum 0xFF162c694eAA571f685030649814282eA457f169), as hedgefi calls it.
interface IGNSMultiCollatDiamond {
    function openTrade(ITradingStorage.Trade calldata _trade, uint16 _maxSlippageP, address _referrer) external;
    function openTradeNative(ITradingStorage.Trade calldata _trade, uint16 _maxSlippageP, address _referrer) external payable;
    function increasePositionSize(uint32 _index, uint120 _collateralDelta, uint24 _leverageDelta, uint64 _expectedPrice, uint16 _maxSlippageP) external;
    function decreasePositionSize(uint32 _index, uint120 _collateralDelta, uint24 _leverageDelta, uint64 _expectedPrice) external;
    function closeTradeMarket(uint32 _index, uint64 _expectedPrice) external;
    function updateLeverage(uint32 _index, uint24 _newLeverage) external;
    function updateMaxClosingSlippageP(uint32 _index, uint16 _maxSlippageP) external;
    function updateSl(uint32 _index, uint64 _newSl) external;
    function updateTp(uint32 _index, uint64 _newTp) external;
    function cancelOrderAfterTimeout(uint32 _orderIndex) external;
    function multicall(bytes[] calldata data) external returns (bytes[] memory results);
    function getTrade(address _trader, uint32 _index) external view returns (ITradingStorage.Trade memory);
    function getTrades(address _trader) external view returns (ITradingStorage.Trade[] memory);
    function getTradeInfo(address _trader, uint32 _index) external view returns (ITradingStorage.TradeInfo memory);
    function getTradeInfos(address _trader) external view returns (ITradingStorage.TradeInfo[] memory);
    function getPendingOrder(ITradingStorage.Id calldata _orderId) external view returns (ITradingStorage.PendingOrder memory);
    function getPendingOrders(address _user) external view returns (ITradingStorage.PendingOrder[] memory);
    function getCounters(address _trader, uint8 _type) external view returns (ITradingStorage.Counter memory);
    function pairsCount() external view returns (uint256);
    function getCollateral(uint8 _index) external view returns (ITradingStorage.Collateral memory);
    function getCollaterals() external view returns (ITradingStorage.Collateral[] memory);
    function getCollateralsCount() external view returns (uint8);
    function getCollateralIndex(address _collateral) external view returns (uint8);
    function getTradingActivated() external view returns (uint8);
    function getPairPendingAccFundingFees(uint8 _collateralIndex, uint16 _pairIndex, uint64 _currentPairPrice) external view returns (int128 accFundingFeeLongP, int128 accFundingFeeShortP, int56 currentFundingRatePerSecondP);
    function getPairFundingFeeParams(uint8[] calldata _collateralIndex, uint16[] calldata _pairIndex) external view returns (IFundingFees.FundingFeeParams[] memory);
    function getPairFundingFeeData(uint8[] calldata _collateralIndex, uint16[] calldata _pairIndex) external view returns (IFundingFees.PairFundingFeeData[] memory);
    function getPairBorrowingFeeParams(uint8[] calldata _collateralIndex, uint16[] calldata _pairIndex) external view returns (IFundingFees.BorrowingFeeParams[] memory);
    function getPairBorrowingFeeData(uint8[] calldata _collateralIndex, uint16[] calldata _pairIndex) external view returns (IFundingFees.PairBorrowingFeeData[] memory);
    function getPairPendingAccBorrowingFees(uint8 _collateralIndex, uint16 _pairIndex, uint64 _currentPairPrice) external view returns (uint128 accBorrowingFeeP);
    function getPairOiAfterV10Token(uint8 _collateralIndex, uint16 _pairIndex) external view returns (IPriceImpact.PairOiToken memory);
    function getPairMaxOiCollateral(uint8 _collateralIndex, uint16 _pairIndex) external view returns (uint256);
    function getTradeLiquidationPrice(IBorrowingFees.LiqPriceInput calldata _input) external view returns (uint256);
    function pairs(uint256 _index) external view returns (IPairsStorage.Pair memory);
    function fees(uint256 _index) external view returns (IPairsStorage.FeeGroup memory);
    function groups(uint256 _index) external view returns (IPairsStorage.Group memory);
    function getPairLiquidationParams(uint256 _pairIndex) external view returns (IPairsStorage.GroupLiquidationParams memory);
    function getTradeLiquidationParams(address _trader, uint32 _index) external view returns (IPairsStorage.GroupLiquidationParams memory);
    function getPairOisBeforeV10Collateral(uint8 _collateralIndex, uint16 _pairIndex) external view returns (uint256 longOi, uint256 shortOi);
    function getMaxSkewCollateral(uint8 _collateralIndex, uint16 _pairIndex) external view returns (uint80);
    function getPairSkewDepth(uint8 _collateralIndex, uint16 _pairIndex) external view returns (uint256);
    function getTradeSkewPriceImpactP(uint8 _collateralIndex, uint16 _pairIndex, bool _long, uint256 _positionSizeToken, bool _open) external view returns (int256 priceImpactP);
    function getTradeFeesData(address _trader, uint32 _index) external view returns (IFundingFees.TradeFeesData memory);
    function getTradeRealizedPnlCollateral(address _trader, uint32 _index) external view returns (int256 realizedPnlCollateral, uint256 realizedTradingFeesCollateral, int256 totalRealizedPnlCollateral);
    function getTradePendingHoldingFeesCollateral(address _trader, uint32 _index, uint64 _currentPairPrice) external view returns (IFundingFees.TradeHoldingFees memory tradeHoldingFees);
    function pairMinLeverage(uint256 _pairIndex) external view returns (uint256);
    function pairMaxLeverage(uint256 _pairIndex) external view returns (uint256);
    function pairMinPositionSizeUsd(uint256 _pairIndex) external view returns (uint256);
    function pairMinFeeUsd(uint256 _pairIndex) external view returns (uint256);
    function pairTotalPositionSizeFeeP(uint256 _pairIndex) external view returns (uint256);
    function getMarketOrdersTimeoutBlocks() external view returns (uint16);
    function getCollateralPriceUsd(uint8 _collateralIndex) external view returns (uint256);
    function fulfill(bytes32 _requestId, uint256 _priceData) external;
    function getOracles() external view returns (address[] memory);
    function getMinAnswers() external view returns (uint8);
    function getPendingRequest(bytes32 _id) external view returns (address);
    function getPriceAggregatorOrder(bytes32 _requestId) external view returns (IPriceAggregator.Order memory);
    function getRequestCount() external view returns (uint256);
    function getMaxMarketDeviationP() external view returns (uint24);
    function getTradeContractsVersion(address _trader, uint32 _index) external view returns (uint8);
    function getPairOisAfterV10Collateral(uint8[] calldata _collateralIndex, uint16[] calldata _pairIndex) external view returns (IPriceImpact.PairOiCollateral[] memory);
    event MarketOrderInitiated(ITradingStorage.Id orderId, address indexed trader, uint16 indexed pairIndex, bool open);
    event PositionSizeUpdateInitiated(ITradingStorage.Id orderId, address indexed trader, uint256 indexed pairIndex, uint256 indexed index, bool isIncrease, uint256 collateralDelta, uint256 leverageDelta);
    event MarketExecuted(ITradingStorage.Id orderId, address indexed user, uint32 indexed index, ITradingStorage.Trade t, bool open, uint256 oraclePrice, uint256 marketPrice, uint256 liqPrice, ITradingCommonUtils.TradePriceImpact priceImpact, int256 percentProfit, uint256 amountSentToTrader, uint256 collateralPriceUsd);
    event MarketOpenCanceled(ITradingStorage.Id orderId, address indexed trader, uint256 indexed pairIndex, uint8 cancelReason, uint256 collateralReturned);
    event MarketCloseCanceled(ITradingStorage.Id orderId, address indexed trader, uint256 indexed pairIndex, uint256 indexed index, uint8 cancelReason);
    event PositionSizeIncreaseExecuted(ITradingStorage.Id orderId, uint8 cancelReason, uint8 indexed collateralIndex, address indexed trader, uint256 pairIndex, uint256 indexed index, bool long, uint256 oraclePrice, uint256 collateralPriceUsd, uint256 collateralDelta, uint256 leverageDelta, IUpdatePositionSize.IncreasePositionSizeValues values);
    event PositionSizeDecreaseExecuted(ITradingStorage.Id orderId, uint8 cancelReason, uint8 indexed collateralIndex, address indexed trader, uint256 pairIndex, uint256 indexed index, bool long, uint256 oraclePrice, uint256 collateralPriceUsd, uint256 collateralDelta, uint256 leverageDelta, IUpdatePositionSize.DecreasePositionSizeValues values);
    event LeverageUpdateInitiated(ITradingStorage.Id orderId, address indexed trader, uint256 indexed pairIndex, uint256 indexed index, bool isIncrease, uint256 newLeverage);
    event LeverageUpdateExecuted(ITradingStorage.Id orderId, bool isIncrease, uint8 cancelReason, uint8 indexed collateralIndex, address indexed trader, uint256 pairIndex, uint256 indexed index, uint256 oraclePrice, uint256 collateralDelta, IUpdateLeverage.UpdateLeverageValues values);
    event TradeStored(address indexed user, uint32 indexed index, ITradingStorage.Trade trade, ITradingStorage.TradeInfo tradeInfo, IPairsStorage.GroupLiquidationParams liquidationParams);
    event TradePositionUpdated(address indexed user, uint32 indexed index, uint120 collateralAmount, uint24 leverage, uint64 openPrice, uint64 newSl, uint160 newPositionSizeToken, uint8 pendingOrderType, bool isPnlPositive);
    event TradeClosed(address indexed user, uint32 indexed index, bool isPnlPositive);
    event ChainlinkCallbackTimeout(ITradingStorage.Id pendingOrderId, uint256 indexed pairIndex);
    event CollateralReturnedAfterTimeout(ITradingStorage.Id pendingOrderId, uint8 indexed collateralIndex, address indexed trader, uint256 collateralAmount);
    event PendingOrderStored(ITradingStorage.PendingOrder pendingOrder);
    event PendingOrderClosed(ITradingStorage.Id orderId);
    event PriceRequested(uint8 indexed collateralIndex, uint256 indexed pairIndex, ITradingStorage.PendingOrder pendingOrder, uint256 positionSizeCollateral, uint256 fromBlock, bool isCounterTrade, bool isLookback, bytes32 job, uint256 linkFeePerNode, uint256 nodesCount);
    event PriceReceived(ITradingStorage.Id orderId, uint16 indexed pairIndex, bytes32 request, uint256 priceData, bool isLookback, bool usedInMedian, bool minAnswersReached, bool minFilteredAnswersReached, IPriceAggregator.OrderAnswer[] unfilteredAnswers, IPriceAggregator.OrderAnswer[] filteredAnswers);
    event TradingCallbackExecuted(ITradingCallbacks.AggregatorAnswer a, uint8 orderType);
    error WrongLeverage();
    error InsufficientCollateral();
    error PriceImpactTooHigh();
    error Paused();
    error NoTrade();
    error ConflictingPendingOrder(uint8);
    error PendingTrigger();
    error WaitTimeout();
    error NoOrder();
    error WrongOrderType();
    error InvalidIncreasePositionSizeInput();
    error InvalidDecreasePositionSizeInput();
    error NotAuthorized();
    error MaxSlippageZero();
    error TradeOpenPriceZero();
    error TradePairNotListed();
    error TradePositionSizeZero();
    error TradeTpInvalid();
    error TradeSlInvalid();
    error InvalidCollateralIndex();
    error CollateralNotActive();
    error ZeroValue();
    error DoesntExist();
    error SourceNotOracleOfRequest();
    error PendingOrderNotOpen();
    error MinAnswersNotReached();
    error WrongTradeType();
    error InvalidCandle();
}
