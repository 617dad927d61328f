// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./GmxTypes.sol";

/// GMX OrderHandler: CONTROLLER-only createOrder/cancelOrder; ORDER_KEEPER-only executeOrder.
interface IOrderHandler {
    function createOrder(address account, uint256 srcChainId, IBaseOrderUtils.CreateOrderParams calldata params,
                         bool shouldCapMaxExecutionFee) external returns (bytes32);
    function executeOrder(bytes32 key, OracleUtils.SetPricesParams calldata oracleParams) external;
    function cancelOrder(bytes32 key) external;
    function oracle() external view returns (address);
    function orderVault() external view returns (address);
    function dataStore() external view returns (address);
    function eventEmitter() external view returns (address);
    function roleStore() external view returns (address);
}
