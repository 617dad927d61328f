// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The GMX v2.2c custom errors the client decodes and the replica raises (same names, arguments, selectors).
interface Errors {
    error OrderTypeCannotBeCreated(uint256 orderType);
    error MaxDataListLengthExceeded(uint256 dataLength, uint256 maxDataLength);
    error InvalidPositionMarket(address market);
    error DisabledMarket(address market);
    error EmptyMarket();
    error UnexpectedValidFromTime(uint256 orderType);
    error EmptyReceiver();
    error InvalidReceiver(address receiver);
    error MaxCallbackGasLimitExceeded(uint256 callbackGasLimit, uint256 maxCallbackGasLimit);
    error InsufficientExecutionFee(uint256 minExecutionFee, uint256 executionFee);
    error MaxAutoCancelOrdersExceeded(uint256 count, uint256 maxAutoCancelOrders);
    error Unauthorized(address msgSender, string role);
    error DisabledFeature(bytes32 key);
    error InsufficientWntAmountForExecutionFee(uint256 wntAmount, uint256 executionFee);
    error OrderNotFulfillableAtAcceptablePrice(uint256 price, uint256 acceptablePrice);
    error InsufficientReserve(uint256 reservedUsd, uint256 maxReservedUsd);
    error InsufficientReserveForOpenInterest(uint256 reservedUsd, uint256 maxReservedUsd);
    error MaxOpenInterestExceeded(uint256 openInterest, uint256 maxOpenInterest);
    error InvalidDecreaseOrderSize(uint256 sizeDeltaUsd, uint256 positionSizeInUsd);
    error UnableToWithdrawCollateral(int256 estimatedRemainingCollateralUsd);
    error InsufficientCollateralUsd(int256 remainingCollateralUsd);
    error LiquidatablePosition(string reason, int256 remainingCollateralUsd, int256 minCollateralUsd, int256 minCollateralUsdForLeverage);
    error PositionShouldNotBeLiquidated(string reason, int256 remainingCollateralUsd, int256 minCollateralUsd, int256 minCollateralUsdForLeverage);
    error MinPositionSize(uint256 positionSizeInUsd, uint256 minPositionSizeUsd);
    error EmptyPosition();
    error EmptyOrder();
    error RequestNotYetCancellable(uint256 requestAge, uint256 requestExpirationAge, string requestType);
    error OrderNotUpdatable(uint256 orderType);
    error InvalidOrderPrices(uint256 primaryPriceMin, uint256 primaryPriceMax, uint256 triggerPrice, uint256 orderType);
    error MaxSwapPathLengthExceeded(uint256 swapPathLengh, uint256 maxSwapPathLength);
    error EmptyMarketPrice(address market);
    error EndOfOracleSimulation();
    error ExternalCallFailed(bytes data);
    error InvalidOracleProvider(address provider);
    error InvalidOracleProviderForToken(address provider, address expectedProvider);
    error MaxPriceAgeExceeded(uint256 oracleTimestamp, uint256 currentTimestamp);
    error EmptyPrimaryPrice(address token);
    error InsufficientFundsToPayForCosts(uint256 remainingCostUsd, string step);
    error PositionNotFound(bytes32 key);
    error OrderAlreadyFrozen();
    error InsufficientOutputAmount(uint256 outputAmount, uint256 minOutputAmount);
    error InvalidNativeTokenSender(address msgSender);
    error TokenTransferError(address token, address receiver, uint256 amount);
    error EmptyValidatedPrices();
    error InvalidOracleSetPricesProvidersParam(uint256 tokensLength, uint256 providersLength);
    error InvalidOracleSetPricesDataParam(uint256 tokensLength, uint256 dataLength);
    error InsufficientCollateralAmount(uint256 collateralAmount, int256 collateralDeltaAmount);
    error EmptyTokenTranferGasLimit(address token);
}
