// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IReader.sol";
import "../../interfaces/gmx/IDataStore.sol";
import "../../interfaces/gmx/Errors.sol";
import "./Keys.sol";
import "./MarketMath.sol";
import "./ReleaseShim.sol";

interface IReplicaHandler {
    function replicaOrder(bytes32 key) external view returns (Order.Props memory);
    function replicaPosition(bytes32 key) external view returns (Position.Props memory);
}

interface IReplicaMarket {
    function replicaMarket() external view returns (Market.Props memory);
}

/// Replica of GMX v2.2c Reader: stateless views over DataStore (and the replica's order/position storage,
/// found through DataStore), returning GMX's structs. Price impact is zero in the replica.
contract Reader is IReader {
    uint256 internal constant FLOAT = 1e30;

    function _handler(address dataStore) internal view returns (IReplicaHandler) {
        return IReplicaHandler(IDataStore(dataStore).getAddress(Keys.REPLICA_ORDER_HANDLER));
    }

    function getMarkets(address dataStore, uint256 start, uint256 end) external view returns (Market.Props[] memory out) {
        address[] memory keys = IDataStore(dataStore).getAddressValuesAt(Keys.MARKET_LIST, start, end);
        out = new Market.Props[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) out[i] = IReplicaMarket(keys[i]).replicaMarket();
    }

    function getMarket(address dataStore, address key) public view returns (Market.Props memory m) {
        if (!IDataStore(dataStore).containsAddress(Keys.MARKET_LIST, key)) return m;
        return IReplicaMarket(key).replicaMarket();
    }

    function getMarketInfo(address dataStore, MarketUtils.MarketPrices calldata prices, address marketKey)
        public view returns (ReaderUtils.MarketInfo memory info)
    {
        IDataStore ds = IDataStore(dataStore);
        Market.Props memory m = getMarket(dataStore, marketKey);
        if (m.marketToken == address(0)) revert Errors.EmptyMarket();
        info.market = m;
        info.borrowingFactorPerSecondForLongs = MarketMath.borrowingFactorPerSecond(ds, m, true);
        info.borrowingFactorPerSecondForShorts = MarketMath.borrowingFactorPerSecond(ds, m, false);
        info.baseFunding = MarketMath.baseFunding(ds, m);
        info.nextFunding = MarketMath.nextFunding(ds, m, prices);
        info.isDisabled = ds.getBool(Keys.isMarketDisabledKey(marketKey));
    }

    function getMarketInfoList(address dataStore, MarketUtils.MarketPrices[] calldata marketPricesList,
                               uint256 start, uint256 end) external view returns (ReaderUtils.MarketInfo[] memory out) {
        address[] memory keys = IDataStore(dataStore).getAddressValuesAt(Keys.MARKET_LIST, start, end);
        out = new ReaderUtils.MarketInfo[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) out[i] = getMarketInfo(dataStore, marketPricesList[i], keys[i]);
    }

    function getPosition(address dataStore, bytes32 key) external view returns (Position.Props memory) {
        return _handler(dataStore).replicaPosition(key);
    }

    function getAccountPositions(address dataStore, address account, uint256 start, uint256 end)
        external view returns (Position.Props[] memory out)
    {
        bytes32[] memory keys = IDataStore(dataStore).getBytes32ValuesAt(Keys.accountPositionListKey(account), start, end);
        out = new Position.Props[](keys.length);
        IReplicaHandler h = _handler(dataStore);
        for (uint256 i = 0; i < keys.length; i++) out[i] = h.replicaPosition(keys[i]);
    }

    function getPositionInfo(address dataStore, address, bytes32 positionKey, MarketUtils.MarketPrices calldata prices,
                             uint256 sizeDeltaUsd, address, bool usePositionSizeAsSizeDeltaUsd)
        external view returns (ReaderPositionUtils.PositionInfo memory)
    {
        Position.Props memory p = _handler(dataStore).replicaPosition(positionKey);
        if (p.addresses.account == address(0)) revert Errors.EmptyPosition();
        if (usePositionSizeAsSizeDeltaUsd) sizeDeltaUsd = p.numbers.sizeInUsd;
        return _info(IDataStore(dataStore), positionKey, p, prices, sizeDeltaUsd);
    }

    function getAccountPositionInfoList(address dataStore, address, address account, address[] calldata markets,
                                        MarketUtils.MarketPrices[] calldata marketPrices, address, uint256 start,
                                        uint256 end) external view returns (ReaderPositionUtils.PositionInfo[] memory out) {
        bytes32[] memory keys = IDataStore(dataStore).getBytes32ValuesAt(Keys.accountPositionListKey(account), start, end);
        out = new ReaderPositionUtils.PositionInfo[](keys.length);
        IReplicaHandler h = _handler(dataStore);
        for (uint256 i = 0; i < keys.length; i++) {
            Position.Props memory p = h.replicaPosition(keys[i]);
            uint256 j = 0;
            while (j < markets.length && markets[j] != p.addresses.market) j++;
            if (j == markets.length || j >= marketPrices.length) revert Errors.EmptyMarketPrice(p.addresses.market);
            out[i] = _info(IDataStore(dataStore), keys[i], p, marketPrices[j], p.numbers.sizeInUsd);
        }
    }

    function getOrder(address dataStore, bytes32 key) external view returns (Order.Props memory) {
        return _handler(dataStore).replicaOrder(key);
    }

    function getAccountOrders(address dataStore, address account, uint256 start, uint256 end)
        external view returns (ReaderUtils.OrderInfo[] memory out)
    {
        bytes32[] memory keys = IDataStore(dataStore).getBytes32ValuesAt(Keys.accountOrderListKey(account), start, end);
        out = new ReaderUtils.OrderInfo[](keys.length);
        IReplicaHandler h = _handler(dataStore);
        for (uint256 i = 0; i < keys.length; i++) out[i] = ReaderUtils.OrderInfo(keys[i], h.replicaOrder(keys[i]));
    }

    /// GMX's execution price for an order of ``sizeDeltaUsd`` (> 0 increase, < 0 decrease) at these prices. The
    /// replica has no price impact, so it is GMX's formula at zero impact: an increase fills at
    /// sizeDeltaUsd / sizeDeltaInTokens, the tokens rounded in the pool's favour from the side's price (a short:
    /// up, from the min price); a decrease at the side's price (a short: the max price, a long: the min).
    function getExecutionPrice(address, address, MarketUtils.MarketPrices calldata prices, uint256, uint256,
                               int256 sizeDeltaUsd, int256, bool isLong)
        external pure returns (ReaderPricingUtils.ExecutionPriceResult memory result)
    {
        Price.Props calldata p = prices.indexTokenPrice;
        if (sizeDeltaUsd > 0) {
            uint256 usd = uint256(sizeDeltaUsd);
            uint256 tokens = isLong ? usd / p.max : (usd + p.min - 1) / p.min;
            result.executionPrice = tokens == 0 ? (isLong ? p.max : p.min) : usd / tokens;
        } else {
            result.executionPrice = isLong ? p.min : p.max;
        }
    }

    function _info(IDataStore ds, bytes32 key, Position.Props memory p, MarketUtils.MarketPrices memory prices,
                   uint256 sizeDeltaUsd) internal view returns (ReaderPositionUtils.PositionInfo memory info) {
        Market.Props memory m = IReplicaMarket(p.addresses.market).replicaMarket();
        Price.Props memory cp = p.addresses.collateralToken == m.longToken ? prices.longTokenPrice : prices.shortTokenPrice;
        info.positionKey = key;
        info.position = p;
        _fees(ds, m, p, prices, cp, sizeDeltaUsd, info.fees);
        uint256 execPrice = p.flags.isLong ? prices.indexTokenPrice.min : prices.indexTokenPrice.max;
        info.executionPriceResult.executionPrice = execPrice;
        info.basePnlUsd = MarketMath.pnlUsd(p, execPrice, sizeDeltaUsd);
        info.uncappedBasePnlUsd = info.basePnlUsd;
        info.pnlAfterPriceImpactUsd = info.basePnlUsd;
        // claimables each at its own token's price (GMX's positionValueInUsd)
        uint256 claimUsd = info.fees.funding.claimableLongTokenAmount * prices.longTokenPrice.min
            + info.fees.funding.claimableShortTokenAmount * prices.shortTokenPrice.min;
        ReleaseShim.setPositionValue(info, int256(p.numbers.collateralAmount * cp.min + claimUsd)
            + MarketMath.pnlUsd(p, execPrice, p.numbers.sizeInUsd) - int256(info.fees.totalCostAmount * cp.max));
    }

    function _fees(IDataStore ds, Market.Props memory m, Position.Props memory p, MarketUtils.MarketPrices memory prices,
                   Price.Props memory cp, uint256 sizeDeltaUsd, PositionPricingUtils.PositionFees memory fees)
        internal view
    {
        MarketMath.PendingFees memory f = MarketMath.pendingFees(ds, m, prices, p);
        uint256 borrowingUsd = f.borrowingUsd;
        fees.collateralTokenPrice = cp;
        fees.funding.fundingFeeAmount = f.fundingFeeAmount;
        fees.funding.claimableLongTokenAmount = f.claimableLongTokenAmount;
        fees.funding.claimableShortTokenAmount = f.claimableShortTokenAmount;
        fees.funding.latestFundingFeeAmountPerSize = f.latest.fundingFeeAmountPerSize;
        fees.funding.latestLongTokenClaimableFundingAmountPerSize = f.latest.longTokenClaimablePerSize;
        fees.funding.latestShortTokenClaimableFundingAmountPerSize = f.latest.shortTokenClaimablePerSize;
        fees.borrowing.borrowingFeeUsd = borrowingUsd;
        fees.borrowing.borrowingFeeAmount = MarketMath.usdToTokensUp(borrowingUsd, cp.min);
        fees.positionFeeFactor = ds.getUint(Keys.positionFeeFactorKey(m.marketToken, false));
        fees.positionFeeAmount = MarketMath.usdToTokensUp(sizeDeltaUsd * fees.positionFeeFactor / FLOAT, cp.min);
        fees.feeAmountForPool = fees.positionFeeAmount;
        fees.positionFeeAmountForPool = fees.positionFeeAmount;
        fees.totalCostAmountExcludingFunding = fees.positionFeeAmount + fees.borrowing.borrowingFeeAmount;
        fees.totalCostAmount = fees.totalCostAmountExcludingFunding + fees.funding.fundingFeeAmount;
    }
}
