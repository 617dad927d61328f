// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IOracle.sol";
import "../../interfaces/gmx/IMockOracleProvider.sol";
import "../../interfaces/gmx/IDataStore.sol";
import "./RoleStore.sol";
import "./ReleaseShim.sol";

/// Replica of GMX Oracle (v2.2c path): for each token the keeper names a provider, which must equal
/// ORACLE_PROVIDER_FOR_TOKEN(oracle, token) and be enabled; the provider's ValidatedPrice (the release's shape) must
/// be at most MAX_ORACLE_PRICE_AGE old. Prices live for one execution (clearAllPrices).
/// Simplified: no signatures, reference-price or sequencer checks.
contract Oracle is IOracle, RoleModule {
    IDataStore public immutable dataStoreContract;
    mapping(address => Price.Props) public primaryPrices;
    address[] internal tokensWithPrices;

    constructor(RoleStore roleStore_, IDataStore dataStore_) RoleModule(roleStore_) {
        dataStoreContract = dataStore_;
    }

    function dataStore() external view returns (address) {
        return address(dataStoreContract);
    }

    function setPrices(OracleUtils.SetPricesParams calldata params) external onlyController {
        uint256 n = params.tokens.length;
        if (params.providers.length != n) revert Errors.InvalidOracleSetPricesProvidersParam(n, params.providers.length);
        if (params.data.length != n) revert Errors.InvalidOracleSetPricesDataParam(n, params.data.length);
        if (n == 0) revert Errors.EmptyValidatedPrices();
        uint256 maxAge = dataStoreContract.getUint(Keys.MAX_ORACLE_PRICE_AGE);
        for (uint256 i = 0; i < n; i++) {
            address token = params.tokens[i];
            address provider = params.providers[i];
            address expected = dataStoreContract.getAddress(Keys.oracleProviderForTokenKey(address(this), token));
            if (provider != expected) revert Errors.InvalidOracleProviderForToken(provider, expected);
            if (!dataStoreContract.getBool(Keys.isOracleProviderEnabledKey(provider))) {
                revert Errors.InvalidOracleProvider(provider);
            }
            OracleUtils.ValidatedPrice memory vp = IMockOracleProvider(provider).getOraclePrice(token, params.data[i]);
            if (IMockOracleProvider(provider).shouldAdjustTimestamp()) {   // as GMX: the provider reports ahead
                vp.timestamp -= dataStoreContract.getUint(Keys.oracleTimestampAdjustmentKey(provider, token));
            }
            if (vp.timestamp + maxAge < block.timestamp) revert Errors.MaxPriceAgeExceeded(vp.timestamp, block.timestamp);
            if (vp.min == 0 || vp.max < vp.min) revert Errors.EmptyPrimaryPrice(token);
            if (primaryPrices[token].min == 0) tokensWithPrices.push(token);
            primaryPrices[token] = Price.Props(vp.min, vp.max);
        }
    }

    function getPrimaryPrice(address token) external view returns (Price.Props memory price) {
        price = primaryPrices[token];
        if (price.min == 0) revert Errors.EmptyPrimaryPrice(token);
    }

    function clearAllPrices() external onlyController {
        for (uint256 i = 0; i < tokensWithPrices.length; i++) delete primaryPrices[tokensWithPrices[i]];
        delete tokensWithPrices;
    }
}

interface IAggregatorV3 {
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
}

/// The devnet's oracle provider: prices each token from its Chainlink-style feed (DataStore PRICE_FEED and
/// PRICE_FEED_MULTIPLIER, as GMX configures them), fresh as of the current block, as a data-stream report
/// would be. No storage (only an immutable), so a fork can swap it for MockOracleProvider with anvil_setCode.
contract DevnetOracleProvider {
    IDataStore public immutable dataStoreContract;

    constructor(IDataStore dataStore_) {
        dataStoreContract = dataStore_;
    }

    function getOraclePrice(address token, bytes calldata) external view returns (OracleUtils.ValidatedPrice memory) {
        address feed = dataStoreContract.getAddress(Keys.priceFeedKey(token));
        if (feed == address(0)) revert Errors.EmptyPrimaryPrice(token);
        (, int256 answer,,,) = IAggregatorV3(feed).latestRoundData();
        if (answer <= 0) revert Errors.EmptyPrimaryPrice(token);
        uint256 price = uint256(answer) * dataStoreContract.getUint(Keys.priceFeedMultiplierKey(token)) / 1e30;
        return ReleaseShim.validatedPrice(token, price, price, block.timestamp, address(this));
    }

    function shouldAdjustTimestamp() external pure returns (bool) { return false; }
    function isChainlinkOnChainProvider() external pure returns (bool) { return true; }
    function shouldCheckRefPrice() external pure returns (bool) { return false; }
}

/// The fork mock for the v2.2c oracle (same storage layout as the mock the GMX community uses: prices at
/// slot 0, timestamp adjustments at slot 1). Dry-runs place its runtime code over a provider with anvil_setCode.
contract MockOracleProvider is IMockOracleProvider {
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
        if (p.min == 0) revert Errors.EmptyPrimaryPrice(token);
        return ReleaseShim.validatedPrice(token, p.min, p.max, block.timestamp + timestampAdjustments[token], address(this));
    }

    function shouldAdjustTimestamp() external pure returns (bool) { return true; }
    function isChainlinkOnChainProvider() external pure returns (bool) { return true; }
    function shouldCheckRefPrice() external pure returns (bool) { return false; }
}
