// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./GmxTypes.sol";

/// GMX v2.2c ExchangeRouter, as a client calls it (abis/gmx/ExchangeRouter.json is generated from this).
interface IExchangeRouter {
    function multicall(bytes[] calldata data) external payable returns (bytes[] memory results);
    function sendWnt(address receiver, uint256 amount) external payable;
    function sendTokens(address token, address receiver, uint256 amount) external payable;
    function sendNativeToken(address receiver, uint256 amount) external payable;
    function createOrder(IBaseOrderUtils.CreateOrderParams calldata params) external payable returns (bytes32);
    function updateOrder(bytes32 key, uint256 sizeDeltaUsd, uint256 acceptablePrice, uint256 triggerPrice,
                         uint256 minOutputAmount, uint256 validFromTime, bool autoCancel) external payable;
    function cancelOrder(bytes32 key) external payable;
    function claimFundingFees(address[] calldata markets, address[] calldata tokens, address receiver)
        external payable returns (uint256[] memory);
    function makeExternalCalls(address[] calldata externalCallTargets, bytes[] calldata externalCallDataList,
                               address[] calldata refundTokens, address[] calldata refundReceivers) external payable;
    function dataStore() external view returns (address);
    function router() external view returns (address);
    function eventEmitter() external view returns (address);
    function orderHandler() external view returns (address);
    function roleStore() external view returns (address);
}
