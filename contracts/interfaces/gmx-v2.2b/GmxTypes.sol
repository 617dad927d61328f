// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// GMX v2.2b client-facing structs (the v2.2c ones in ../gmx/GmxTypes.sol but three shapes: Order.Numbers,
// ReaderPositionUtils.PositionInfo, OracleUtils.ValidatedPrice; reference §0), with the library names GMX declares them under, so the ABIs
// generated from these interfaces carry the same tuple layouts as the mainnet contracts.
// Field order and types are the interface; see ../shared/reference/gmx-v2 §4, §7, §12.

library Price {
    struct Props { uint256 min; uint256 max; }
}

library Market {
    struct Props { address marketToken; address indexToken; address longToken; address shortToken; }
}

library Position {
    struct Props { Addresses addresses; Numbers numbers; Flags flags; }
    struct Addresses { address account; address market; address collateralToken; }
    struct Numbers {
        uint256 sizeInUsd; uint256 sizeInTokens; uint256 collateralAmount; int256 pendingImpactAmount;
        uint256 borrowingFactor; uint256 fundingFeeAmountPerSize; uint256 longTokenClaimableFundingAmountPerSize;
        uint256 shortTokenClaimableFundingAmountPerSize; uint256 increasedAtTime; uint256 decreasedAtTime;
    }
    struct Flags { bool isLong; }
}

library Order {
    enum OrderType { MarketSwap, LimitSwap, MarketIncrease, LimitIncrease, MarketDecrease, LimitDecrease,
                     StopLossDecrease, Liquidation, StopIncrease }
    enum DecreasePositionSwapType { NoSwap, SwapPnlTokenToCollateralToken, SwapCollateralTokenToPnlToken }

    struct Props { Addresses addresses; Numbers numbers; Flags flags; bytes32[] _dataList; }
    struct Addresses {
        address account; address receiver; address cancellationReceiver; address callbackContract;
        address uiFeeReceiver; address market; address initialCollateralToken; address[] swapPath;
    }
    struct Numbers {
        uint8 orderType; uint8 decreasePositionSwapType; uint256 sizeDeltaUsd; uint256 initialCollateralDeltaAmount;
        uint256 triggerPrice; uint256 acceptablePrice; uint256 executionFee; uint256 callbackGasLimit;
        uint256 minOutputAmount; uint256 updatedAtTime; uint256 validFromTime; uint256 srcChainId;
    }
    struct Flags { bool isLong; bool shouldUnwrapNativeToken; bool isFrozen; bool autoCancel; }
}

library IBaseOrderUtils {
    struct CreateOrderParams {
        CreateOrderParamsAddresses addresses; CreateOrderParamsNumbers numbers; uint8 orderType;
        uint8 decreasePositionSwapType; bool isLong; bool shouldUnwrapNativeToken; bool autoCancel;
        bytes32 referralCode; bytes32[] dataList;
    }
    struct CreateOrderParamsAddresses {
        address receiver; address cancellationReceiver; address callbackContract; address uiFeeReceiver;
        address market; address initialCollateralToken; address[] swapPath;
    }
    struct CreateOrderParamsNumbers {
        uint256 sizeDeltaUsd; uint256 initialCollateralDeltaAmount; uint256 triggerPrice; uint256 acceptablePrice;
        uint256 executionFee; uint256 callbackGasLimit; uint256 minOutputAmount; uint256 validFromTime;
    }
}

library MarketUtils {
    struct MarketPrices { Price.Props indexTokenPrice; Price.Props longTokenPrice; Price.Props shortTokenPrice; }
    struct CollateralType { uint256 longToken; uint256 shortToken; }
    struct PositionType { CollateralType long; CollateralType short; }
    struct GetNextFundingAmountPerSizeResult {
        bool longsPayShorts; uint256 fundingFactorPerSecond; int256 nextSavedFundingFactorPerSecond;
        PositionType fundingFeeAmountPerSizeDelta; PositionType claimableFundingAmountPerSizeDelta;
    }
}

library ReaderUtils {
    struct BaseFundingValues { MarketUtils.PositionType fundingFeeAmountPerSize; MarketUtils.PositionType claimableFundingAmountPerSize; }
    struct VirtualInventory { uint256 virtualPoolAmountForLongToken; uint256 virtualPoolAmountForShortToken; int256 virtualInventoryForPositions; }
    struct MarketInfo {
        Market.Props market; uint256 borrowingFactorPerSecondForLongs; uint256 borrowingFactorPerSecondForShorts;
        BaseFundingValues baseFunding; MarketUtils.GetNextFundingAmountPerSizeResult nextFunding;
        VirtualInventory virtualInventory; bool isDisabled;
    }
    struct OrderInfo { bytes32 orderKey; Order.Props order; }
}

library PositionPricingUtils {
    struct PositionReferralFees {
        bytes32 referralCode; address affiliate; address trader; uint256 totalRebateFactor; uint256 affiliateRewardFactor;
        uint256 adjustedAffiliateRewardFactor; uint256 traderDiscountFactor; uint256 totalRebateAmount;
        uint256 traderDiscountAmount; uint256 affiliateRewardAmount;
    }
    struct PositionProFees { uint256 traderTier; uint256 traderDiscountFactor; uint256 traderDiscountAmount; }
    struct PositionFundingFees {
        uint256 fundingFeeAmount; uint256 claimableLongTokenAmount; uint256 claimableShortTokenAmount;
        uint256 latestFundingFeeAmountPerSize; uint256 latestLongTokenClaimableFundingAmountPerSize;
        uint256 latestShortTokenClaimableFundingAmountPerSize;
    }
    struct PositionBorrowingFees {
        uint256 borrowingFeeUsd; uint256 borrowingFeeAmount; uint256 borrowingFeeReceiverFactor;
        uint256 borrowingFeeAmountForFeeReceiver;
    }
    struct PositionUiFees { address uiFeeReceiver; uint256 uiFeeReceiverFactor; uint256 uiFeeAmount; }
    struct PositionLiquidationFees {
        uint256 liquidationFeeUsd; uint256 liquidationFeeAmount; uint256 liquidationFeeReceiverFactor;
        uint256 liquidationFeeAmountForFeeReceiver;
    }
    struct PositionFees {
        PositionReferralFees referral; PositionProFees pro; PositionFundingFees funding; PositionBorrowingFees borrowing;
        PositionUiFees ui; PositionLiquidationFees liquidation; Price.Props collateralTokenPrice;
        uint256 positionFeeFactor; uint256 protocolFeeAmount; uint256 positionFeeReceiverFactor; uint256 feeReceiverAmount;
        uint256 feeAmountForPool; uint256 positionFeeAmountForPool; uint256 positionFeeAmount;
        uint256 totalCostAmountExcludingFunding; uint256 totalCostAmount; uint256 totalDiscountAmount;
    }
}

library ReaderPricingUtils {
    struct ExecutionPriceResult {
        int256 priceImpactUsd; uint256 executionPrice; bool balanceWasImproved; int256 proportionalPendingImpactUsd;
        int256 totalImpactUsd; uint256 priceImpactDiffUsd;
    }
}

library ReaderPositionUtils {
    struct PositionInfo {
        bytes32 positionKey; Position.Props position; PositionPricingUtils.PositionFees fees;
        ReaderPricingUtils.ExecutionPriceResult executionPriceResult; int256 basePnlUsd; int256 uncappedBasePnlUsd;
        int256 pnlAfterPriceImpactUsd;
    }
}

library OracleUtils {
    struct SetPricesParams { address[] tokens; address[] providers; bytes[] data; }
    struct SimulatePricesParams { address[] primaryTokens; Price.Props[] primaryPrices; uint256 minTimestamp; uint256 maxTimestamp; }
    // v2.2b: 5 fields (v2.2c added rawMin, rawMax after max); a v2.2b Oracle reads a 7-field answer wrongly.
    struct ValidatedPrice { address token; uint256 min; uint256 max; uint256 timestamp; address provider; }
}

library EventUtils {
    struct EventLogData {
        AddressItems addressItems; UintItems uintItems; IntItems intItems; BoolItems boolItems;
        Bytes32Items bytes32Items; BytesItems bytesItems; StringItems stringItems;
    }
    struct AddressItems { AddressKeyValue[] items; AddressArrayKeyValue[] arrayItems; }
    struct UintItems { UintKeyValue[] items; UintArrayKeyValue[] arrayItems; }
    struct IntItems { IntKeyValue[] items; IntArrayKeyValue[] arrayItems; }
    struct BoolItems { BoolKeyValue[] items; BoolArrayKeyValue[] arrayItems; }
    struct Bytes32Items { Bytes32KeyValue[] items; Bytes32ArrayKeyValue[] arrayItems; }
    struct BytesItems { BytesKeyValue[] items; BytesArrayKeyValue[] arrayItems; }
    struct StringItems { StringKeyValue[] items; StringArrayKeyValue[] arrayItems; }
    struct AddressKeyValue { string key; address value; }
    struct AddressArrayKeyValue { string key; address[] value; }
    struct UintKeyValue { string key; uint256 value; }
    struct UintArrayKeyValue { string key; uint256[] value; }
    struct IntKeyValue { string key; int256 value; }
    struct IntArrayKeyValue { string key; int256[] value; }
    struct BoolKeyValue { string key; bool value; }
    struct BoolArrayKeyValue { string key; bool[] value; }
    struct Bytes32KeyValue { string key; bytes32 value; }
    struct Bytes32ArrayKeyValue { string key; bytes32[] value; }
    struct BytesKeyValue { string key; bytes value; }
    struct BytesArrayKeyValue { string key; bytes[] value; }
    struct StringKeyValue { string key; string value; }
    struct StringArrayKeyValue { string key; string[] value; }
}
