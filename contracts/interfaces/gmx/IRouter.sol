// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// GMX Router: the ERC-20 spender users approve; only ROUTER_PLUGIN contracts may pull.
interface IRouter {
    function pluginTransfer(address token, address account, address receiver, uint256 amount) external;
    function roleStore() external view returns (address);
}
