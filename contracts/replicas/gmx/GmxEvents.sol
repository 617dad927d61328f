// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IEventEmitter.sol";

/// Builds GMX's EventLogData payloads with the same event names, topics and item keys as mainnet (§12).
library GmxEvents {
    function _addr(uint256 n) private pure returns (EventUtils.AddressKeyValue[] memory) {
        return new EventUtils.AddressKeyValue[](n);
    }

    function orderCreated(IEventEmitter e, bytes32 key, Order.Props memory o) internal {
        EventUtils.EventLogData memory d;
        d.addressItems.items = _addr(7);
        d.addressItems.items[0] = EventUtils.AddressKeyValue("account", o.addresses.account);
        d.addressItems.items[1] = EventUtils.AddressKeyValue("receiver", o.addresses.receiver);
        d.addressItems.items[2] = EventUtils.AddressKeyValue("callbackContract", o.addresses.callbackContract);
        d.addressItems.items[3] = EventUtils.AddressKeyValue("uiFeeReceiver", o.addresses.uiFeeReceiver);
        d.addressItems.items[4] = EventUtils.AddressKeyValue("market", o.addresses.market);
        d.addressItems.items[5] = EventUtils.AddressKeyValue("initialCollateralToken", o.addresses.initialCollateralToken);
        d.addressItems.items[6] = EventUtils.AddressKeyValue("cancellationReceiver", o.addresses.cancellationReceiver);
        d.addressItems.arrayItems = new EventUtils.AddressArrayKeyValue[](1);
        d.addressItems.arrayItems[0] = EventUtils.AddressArrayKeyValue("swapPath", o.addresses.swapPath);
        d.uintItems.items = new EventUtils.UintKeyValue[](12);
        d.uintItems.items[0] = EventUtils.UintKeyValue("orderType", o.numbers.orderType);
        d.uintItems.items[1] = EventUtils.UintKeyValue("decreasePositionSwapType", o.numbers.decreasePositionSwapType);
        d.uintItems.items[2] = EventUtils.UintKeyValue("sizeDeltaUsd", o.numbers.sizeDeltaUsd);
        d.uintItems.items[3] = EventUtils.UintKeyValue("initialCollateralDeltaAmount", o.numbers.initialCollateralDeltaAmount);
        d.uintItems.items[4] = EventUtils.UintKeyValue("triggerPrice", o.numbers.triggerPrice);
        d.uintItems.items[5] = EventUtils.UintKeyValue("acceptablePrice", o.numbers.acceptablePrice);
        d.uintItems.items[6] = EventUtils.UintKeyValue("executionFee", o.numbers.executionFee);
        d.uintItems.items[7] = EventUtils.UintKeyValue("callbackGasLimit", o.numbers.callbackGasLimit);
        d.uintItems.items[8] = EventUtils.UintKeyValue("minOutputAmount", o.numbers.minOutputAmount);
        d.uintItems.items[9] = EventUtils.UintKeyValue("updatedAtTime", o.numbers.updatedAtTime);
        d.uintItems.items[10] = EventUtils.UintKeyValue("validFromTime", o.numbers.validFromTime);
        d.uintItems.items[11] = EventUtils.UintKeyValue("srcChainId", o.numbers.srcChainId);
        d.boolItems.items = new EventUtils.BoolKeyValue[](3);
        d.boolItems.items[0] = EventUtils.BoolKeyValue("isLong", o.flags.isLong);
        d.boolItems.items[1] = EventUtils.BoolKeyValue("shouldUnwrapNativeToken", o.flags.shouldUnwrapNativeToken);
        d.boolItems.items[2] = EventUtils.BoolKeyValue("autoCancel", o.flags.autoCancel);
        d.bytes32Items.items = new EventUtils.Bytes32KeyValue[](1);
        d.bytes32Items.items[0] = EventUtils.Bytes32KeyValue("key", key);
        d.bytes32Items.arrayItems = new EventUtils.Bytes32ArrayKeyValue[](1);
        d.bytes32Items.arrayItems[0] = EventUtils.Bytes32ArrayKeyValue("dataList", o._dataList);
        e.emitEventLog2("OrderCreated", key, bytes32(uint256(uint160(o.addresses.account))), d);
    }

    function orderExecuted(IEventEmitter e, bytes32 key, address account) internal {
        EventUtils.EventLogData memory d;
        d.bytes32Items.items = new EventUtils.Bytes32KeyValue[](1);
        d.bytes32Items.items[0] = EventUtils.Bytes32KeyValue("key", key);
        d.addressItems.items = _addr(1);
        d.addressItems.items[0] = EventUtils.AddressKeyValue("account", account);
        d.uintItems.items = new EventUtils.UintKeyValue[](1);
        d.uintItems.items[0] = EventUtils.UintKeyValue("secondaryOrderType", 0);
        e.emitEventLog2("OrderExecuted", key, bytes32(uint256(uint160(account))), d);
    }

    /// OrderCancelled or OrderFrozen: `reason` is set only for Error(string), `reasonBytes` always.
    function orderStopped(IEventEmitter e, string memory eventName, bytes32 key, address account,
                          string memory reason, bytes memory reasonBytes) internal {
        EventUtils.EventLogData memory d;
        d.bytes32Items.items = new EventUtils.Bytes32KeyValue[](1);
        d.bytes32Items.items[0] = EventUtils.Bytes32KeyValue("key", key);
        d.addressItems.items = _addr(1);
        d.addressItems.items[0] = EventUtils.AddressKeyValue("account", account);
        d.stringItems.items = new EventUtils.StringKeyValue[](1);
        d.stringItems.items[0] = EventUtils.StringKeyValue("reason", reason);
        d.bytesItems.items = new EventUtils.BytesKeyValue[](1);
        d.bytesItems.items[0] = EventUtils.BytesKeyValue("reasonBytes", reasonBytes);
        e.emitEventLog2(eventName, key, bytes32(uint256(uint160(account))), d);
    }

    function orderUpdated(IEventEmitter e, bytes32 key, Order.Props memory o) internal {
        EventUtils.EventLogData memory d;
        d.bytes32Items.items = new EventUtils.Bytes32KeyValue[](1);
        d.bytes32Items.items[0] = EventUtils.Bytes32KeyValue("key", key);
        d.addressItems.items = _addr(1);
        d.addressItems.items[0] = EventUtils.AddressKeyValue("account", o.addresses.account);
        d.uintItems.items = new EventUtils.UintKeyValue[](6);
        d.uintItems.items[0] = EventUtils.UintKeyValue("sizeDeltaUsd", o.numbers.sizeDeltaUsd);
        d.uintItems.items[1] = EventUtils.UintKeyValue("acceptablePrice", o.numbers.acceptablePrice);
        d.uintItems.items[2] = EventUtils.UintKeyValue("triggerPrice", o.numbers.triggerPrice);
        d.uintItems.items[3] = EventUtils.UintKeyValue("minOutputAmount", o.numbers.minOutputAmount);
        d.uintItems.items[4] = EventUtils.UintKeyValue("updatedAtTime", o.numbers.updatedAtTime);
        d.uintItems.items[5] = EventUtils.UintKeyValue("validFromTime", o.numbers.validFromTime);
        d.boolItems.items = new EventUtils.BoolKeyValue[](1);
        d.boolItems.items[0] = EventUtils.BoolKeyValue("autoCancel", o.flags.autoCancel);
        e.emitEventLog2("OrderUpdated", key, bytes32(uint256(uint160(o.addresses.account))), d);
    }

    struct PositionChange {
        bytes32 orderKey;
        bytes32 positionKey;
        uint256 executionPrice;
        Price.Props indexPrice;
        Price.Props collateralPrice;
        uint256 sizeDeltaUsd;
        uint256 sizeDeltaInTokens;
        uint256 orderType;
        int256 collateralDeltaAmount;
        int256 basePnlUsd;       // decrease only
    }

    function positionChanged(IEventEmitter e, bool increase, Position.Props memory p, PositionChange memory c) internal {
        EventUtils.EventLogData memory d;
        d.addressItems.items = _addr(3);
        d.addressItems.items[0] = EventUtils.AddressKeyValue("account", p.addresses.account);
        d.addressItems.items[1] = EventUtils.AddressKeyValue("market", p.addresses.market);
        d.addressItems.items[2] = EventUtils.AddressKeyValue("collateralToken", p.addresses.collateralToken);
        d.uintItems.items = new EventUtils.UintKeyValue[](increase ? 16 : 17);
        d.uintItems.items[0] = EventUtils.UintKeyValue("sizeInUsd", p.numbers.sizeInUsd);
        d.uintItems.items[1] = EventUtils.UintKeyValue("sizeInTokens", p.numbers.sizeInTokens);
        d.uintItems.items[2] = EventUtils.UintKeyValue("collateralAmount", p.numbers.collateralAmount);
        d.uintItems.items[3] = EventUtils.UintKeyValue("borrowingFactor", p.numbers.borrowingFactor);
        d.uintItems.items[4] = EventUtils.UintKeyValue("fundingFeeAmountPerSize", p.numbers.fundingFeeAmountPerSize);
        d.uintItems.items[5] = EventUtils.UintKeyValue("longTokenClaimableFundingAmountPerSize",
                                                       p.numbers.longTokenClaimableFundingAmountPerSize);
        d.uintItems.items[6] = EventUtils.UintKeyValue("shortTokenClaimableFundingAmountPerSize",
                                                       p.numbers.shortTokenClaimableFundingAmountPerSize);
        d.uintItems.items[7] = EventUtils.UintKeyValue("executionPrice", c.executionPrice);
        d.uintItems.items[8] = EventUtils.UintKeyValue("indexTokenPrice.max", c.indexPrice.max);
        d.uintItems.items[9] = EventUtils.UintKeyValue("indexTokenPrice.min", c.indexPrice.min);
        d.uintItems.items[10] = EventUtils.UintKeyValue("collateralTokenPrice.max", c.collateralPrice.max);
        d.uintItems.items[11] = EventUtils.UintKeyValue("collateralTokenPrice.min", c.collateralPrice.min);
        d.uintItems.items[12] = EventUtils.UintKeyValue("sizeDeltaUsd", c.sizeDeltaUsd);
        d.uintItems.items[13] = EventUtils.UintKeyValue("sizeDeltaInTokens", c.sizeDeltaInTokens);
        if (increase) {
            d.uintItems.items[14] = EventUtils.UintKeyValue("orderType", c.orderType);
            d.uintItems.items[15] = EventUtils.UintKeyValue("increasedAtTime", p.numbers.increasedAtTime);
            d.intItems.items = new EventUtils.IntKeyValue[](3);
            d.intItems.items[0] = EventUtils.IntKeyValue("collateralDeltaAmount", c.collateralDeltaAmount);
            d.intItems.items[1] = EventUtils.IntKeyValue("pendingPriceImpactUsd", 0);
            d.intItems.items[2] = EventUtils.IntKeyValue("pendingPriceImpactAmount", 0);
        } else {
            d.uintItems.items[14] = EventUtils.UintKeyValue("collateralDeltaAmount", uint256(-c.collateralDeltaAmount));
            d.uintItems.items[15] = EventUtils.UintKeyValue("values.priceImpactDiffUsd", 0);
            d.uintItems.items[16] = EventUtils.UintKeyValue("orderType", c.orderType);
            d.intItems.items = new EventUtils.IntKeyValue[](5);
            d.intItems.items[0] = EventUtils.IntKeyValue("priceImpactUsd", 0);
            d.intItems.items[1] = EventUtils.IntKeyValue("basePnlUsd", c.basePnlUsd);
            d.intItems.items[2] = EventUtils.IntKeyValue("uncappedBasePnlUsd", c.basePnlUsd);
            d.intItems.items[3] = EventUtils.IntKeyValue("proportionalPendingImpactUsd", 0);
            d.intItems.items[4] = EventUtils.IntKeyValue("totalImpactUsd", 0);
        }
        d.boolItems.items = new EventUtils.BoolKeyValue[](1);
        d.boolItems.items[0] = EventUtils.BoolKeyValue("isLong", p.flags.isLong);
        d.bytes32Items.items = new EventUtils.Bytes32KeyValue[](2);
        d.bytes32Items.items[0] = EventUtils.Bytes32KeyValue("orderKey", c.orderKey);
        d.bytes32Items.items[1] = EventUtils.Bytes32KeyValue("positionKey", c.positionKey);
        e.emitEventLog1(increase ? "PositionIncrease" : "PositionDecrease",
                        bytes32(uint256(uint160(p.addresses.account))), d);
    }

    function executionFeeRefund(IEventEmitter e, address receiver, uint256 amount) internal {
        EventUtils.EventLogData memory d;
        d.addressItems.items = _addr(1);
        d.addressItems.items[0] = EventUtils.AddressKeyValue("receiver", receiver);
        d.uintItems.items = new EventUtils.UintKeyValue[](1);
        d.uintItems.items[0] = EventUtils.UintKeyValue("refundFeeAmount", amount);
        e.emitEventLog1("ExecutionFeeRefund", bytes32(uint256(uint160(receiver))), d);
    }
}

/// Order auto-update events of a decrease (GMX OrderEventUtils): a partial decrease that would leave less
/// than the minimum becomes a full close (OrderSizeDeltaAutoUpdated), a withdrawal that would leave too
/// little collateral is zeroed (OrderCollateralDeltaAmountAutoUpdated). EventLog1, topic1 = order key.
library GmxOrderAutoUpdateEvents {
    function autoUpdated(IEventEmitter e, string memory eventName, string memory before, string memory next,
                         bytes32 key, uint256 beforeValue, uint256 nextValue) internal {
        EventUtils.EventLogData memory d;
        d.bytes32Items.items = new EventUtils.Bytes32KeyValue[](1);
        d.bytes32Items.items[0] = EventUtils.Bytes32KeyValue("key", key);
        d.uintItems.items = new EventUtils.UintKeyValue[](2);
        d.uintItems.items[0] = EventUtils.UintKeyValue(before, beforeValue);
        d.uintItems.items[1] = EventUtils.UintKeyValue(next, nextValue);
        e.emitEventLog1(eventName, key, d);
    }

    function sizeDeltaAutoUpdated(IEventEmitter e, bytes32 key, uint256 sizeDeltaUsd, uint256 nextSizeDeltaUsd)
        internal
    {
        autoUpdated(e, "OrderSizeDeltaAutoUpdated", "sizeDeltaUsd", "nextSizeDeltaUsd", key, sizeDeltaUsd,
                    nextSizeDeltaUsd);
    }

    function collateralDeltaAmountAutoUpdated(IEventEmitter e, bytes32 key, uint256 amount, uint256 nextAmount)
        internal
    {
        autoUpdated(e, "OrderCollateralDeltaAmountAutoUpdated", "collateralDeltaAmount", "nextCollateralDeltaAmount",
                    key, amount, nextAmount);
    }
}
