// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// GMX OrderVault: a strict bank; funds must arrive in the same transaction as createOrder.
interface IOrderVault {
    function recordTransferIn(address token) external returns (uint256);
    function transferOut(address token, address receiver, uint256 amount) external;
    function transferOut(address token, address receiver, uint256 amount, bool shouldUnwrapNativeToken) external;
    function transferOutNativeToken(address receiver, uint256 amount) external;
    function tokenBalances(address) external view returns (uint256);
    function syncTokenBalance(address token) external returns (uint256);
    function dataStore() external view returns (address);
    function roleStore() external view returns (address);
}
