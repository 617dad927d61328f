// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./GmxTypes.sol";

/// GMX v2.2c Reader (stateless; dataStore and referralStorage are arguments).
interface IReader {
    function getMarkets(address dataStore, uint256 start, uint256 end) external view returns (Market.Props[] memory);
    function getMarket(address dataStore, address key) external view returns (Market.Props memory);
    function getMarketInfo(address dataStore, MarketUtils.MarketPrices calldata prices, address marketKey)
        external view returns (ReaderUtils.MarketInfo memory);
    function getMarketInfoList(address dataStore, MarketUtils.MarketPrices[] calldata marketPricesList,
                               uint256 start, uint256 end) external view returns (ReaderUtils.MarketInfo[] memory);
    function getPosition(address dataStore, bytes32 key) external view returns (Position.Props memory);
    function getAccountPositions(address dataStore, address account, uint256 start, uint256 end)
        external view returns (Position.Props[] memory);
    function getPositionInfo(address dataStore, address referralStorage, bytes32 positionKey,
                             MarketUtils.MarketPrices calldata prices, uint256 sizeDeltaUsd, address uiFeeReceiver,
                             bool usePositionSizeAsSizeDeltaUsd)
        external view returns (ReaderPositionUtils.PositionInfo memory);
    function getAccountPositionInfoList(address dataStore, address referralStorage, address account,
                                        address[] calldata markets, MarketUtils.MarketPrices[] calldata marketPrices,
                                        address uiFeeReceiver, uint256 start, uint256 end)
        external view returns (ReaderPositionUtils.PositionInfo[] memory);
    function getOrder(address dataStore, bytes32 key) external view returns (Order.Props memory);
    function getAccountOrders(address dataStore, address account, uint256 start, uint256 end)
        external view returns (ReaderUtils.OrderInfo[] memory);
    function getExecutionPrice(address dataStore, address marketKey, MarketUtils.MarketPrices calldata prices,
                               uint256 positionSizeInUsd, uint256 positionSizeInTokens, int256 sizeDeltaUsd,
                               int256 pendingImpactAmount, bool isLong)
        external view returns (ReaderPricingUtils.ExecutionPriceResult memory);
}
