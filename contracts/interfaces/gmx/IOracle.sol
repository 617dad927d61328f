// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./GmxTypes.sol";

/// GMX Oracle: validates keeper-supplied providers against DataStore and holds primary prices for one execution.
interface IOracle {
    function setPrices(OracleUtils.SetPricesParams calldata params) external;
    function getPrimaryPrice(address token) external view returns (Price.Props memory);
    function clearAllPrices() external;
    function dataStore() external view returns (address);
}
