// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./GmxTypes.sol";

/// An oracle provider as the v2.2b Oracle calls it (a 5-field ValidatedPrice), plus the setters of the fork mock that replaces the
/// real provider with anvil_setCode in dry-runs (storage: tokenPrices at slot 0, timestampAdjustments at 1).
interface IMockOracleProvider {
    function getOraclePrice(address token, bytes calldata data) external view returns (OracleUtils.ValidatedPrice memory);
    function shouldAdjustTimestamp() external pure returns (bool);
    function isChainlinkOnChainProvider() external pure returns (bool);
    function shouldCheckRefPrice() external pure returns (bool);
    function setPrice(address token, uint256 minPrice, uint256 maxPrice) external;
    function setTimestampAdjustment(address token, uint256 adjustment) external;
    function tokenPrices(address) external view returns (uint256 min, uint256 max);
    function timestampAdjustments(address) external view returns (uint256);
}
