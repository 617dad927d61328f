// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "../../interfaces/gmx-v2.2b/IMockOracleProvider.sol";

/// The fork mock for the v2.2b oracle: the v2.2c mock's storage layout (prices at slot 0, timestamp
/// adjustments at slot 1) answering in v2.2b's 5-field ValidatedPrice. Dry-runs against a v2.2b Oracle
/// place its runtime code over a provider with anvil_setCode.
contract MockOracleProvider is IMockOracleProvider {
    error EmptyPrimaryPrice(address token);

    mapping(address => Price.Props) public tokenPrices;
    mapping(address => uint256) public timestampAdjustments;

    function setPrice(address token, uint256 minPrice, uint256 maxPrice) external {
        tokenPrices[token] = Price.Props(minPrice, maxPrice);
    }

    function setTimestampAdjustment(address token, uint256 adjustment) external {
        timestampAdjustments[token] = adjustment;
    }

    function getOraclePrice(address token, bytes calldata) external view returns (OracleUtils.ValidatedPrice memory) {
        Price.Props memory p = tokenPrices[token];
        if (p.min == 0) revert EmptyPrimaryPrice(token);
        return OracleUtils.ValidatedPrice(token, p.min, p.max, block.timestamp + timestampAdjustments[token], address(this));
    }

    function shouldAdjustTimestamp() external pure returns (bool) { return true; }
    function isChainlinkOnChainProvider() external pure returns (bool) { return true; }
    function shouldCheckRefPrice() external pure returns (bool) { return false; }
}
