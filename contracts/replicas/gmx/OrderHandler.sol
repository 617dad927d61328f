// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IOrderHandler.sol";
import "../../interfaces/gmx/IDataStore.sol";
import "../../interfaces/gmx/IEventEmitter.sol";
import "../../interfaces/gmx/IOracle.sol";
import "./RoleStore.sol";
import "./Bank.sol";
import "./MarketMath.sol";
import "./GmxEvents.sol";
import "./PositionRules.sol";

/// Replica of GMX OrderHandler: order creation (CONTROLLER, i.e. ExchangeRouter), keeper execution with
/// oracle prices, cancellation, and the position engine behind them.
///
/// Faithful: two-step flow, strict-bank funds, nonce-based order keys, ORDER_LIST/ACCOUNT_ORDER_LIST and
/// POSITION_LIST sets, fee check against tx.gasprice, acceptable-price checks, reserve/OI/min-size/collateral
/// checks with GMX's errors, market orders cancelled inside a successful keeper tx with reasonBytes, trigger
/// orders frozen, REQUEST_EXPIRATION_TIME before a user may cancel a market order.
/// Liquidations (order type 7) come from the LiquidationHandler (a CONTROLLER), checked by GMX's rule
/// (PositionRules.isPositionLiquidatable, forLiquidation=true); a partial decrease that would leave less than
/// the minimum closes the position, as GMX's DecreasePositionUtils does (PositionRules.adjustDecrease).
/// Simplified (reference §17.2): zero price impact, no swaps, order types 2, 4, 5 and 6 creatable, flat position
/// fee, funding (per collateral token, claimable in both) and borrowing as in MarketMath, no ADL.
contract OrderHandler is IOrderHandler, RoleModule {
    uint256 internal constant FLOAT = 1e30;

    IDataStore public immutable ds;
    IEventEmitter public immutable emitter;
    OrderVault public immutable vault;
    IOracle public immutable oracleContract;

    mapping(bytes32 => Order.Props) internal orders;
    mapping(bytes32 => Position.Props) internal positions;

    struct Ctx {
        bytes32 key;
        Order.Props order;
        Market.Props market;
        MarketUtils.MarketPrices prices;
        Price.Props collateralPrice;
    }

    constructor(RoleStore roleStore_, IDataStore ds_, IEventEmitter emitter_, OrderVault vault_, IOracle oracle_)
        RoleModule(roleStore_)
    {
        ds = ds_;
        emitter = emitter_;
        vault = vault_;
        oracleContract = oracle_;
    }

    function roleStore() external view returns (address) { return address(roleStoreContract); }
    function oracle() external view returns (address) { return address(oracleContract); }
    function orderVault() external view returns (address) { return address(vault); }
    function dataStore() external view returns (address) { return address(ds); }
    function eventEmitter() external view returns (address) { return address(emitter); }

    // ---- replica storage views (the Reader exposes these as GMX structs) ----
    function replicaOrder(bytes32 key) external view returns (Order.Props memory) { return orders[key]; }
    function replicaPosition(bytes32 key) external view returns (Position.Props memory) { return positions[key]; }

    function marketProps(address market) public view returns (Market.Props memory m) {
        return MarketToken(payable(market)).replicaMarket();
    }

    // ---------------------------------------------------------------- create
    function createOrder(address account, uint256 srcChainId, IBaseOrderUtils.CreateOrderParams calldata p,
                         bool /*shouldCapMaxExecutionFee*/) external onlyController returns (bytes32 key) {
        uint256 orderType = p.orderType;
        bool isIncrease = orderType == uint256(Order.OrderType.MarketIncrease);
        bool isMarket = isIncrease || orderType == uint256(Order.OrderType.MarketDecrease);
        if (!isMarket && orderType != uint256(Order.OrderType.LimitDecrease)
            && orderType != uint256(Order.OrderType.StopLossDecrease)) {
            revert Errors.OrderTypeCannotBeCreated(orderType);
        }
        if (p.addresses.swapPath.length > 0) revert Errors.MaxSwapPathLengthExceeded(p.addresses.swapPath.length, 0);
        uint256 maxData = ds.getUint(Keys.MAX_DATA_LENGTH);
        if (p.dataList.length > maxData) revert Errors.MaxDataListLengthExceeded(p.dataList.length, maxData);
        address market = p.addresses.market;
        if (!ds.containsAddress(Keys.MARKET_LIST, market)) revert Errors.EmptyMarket();
        if (ds.getBool(Keys.isMarketDisabledKey(market))) revert Errors.DisabledMarket(market);
        Market.Props memory m = marketProps(market);
        address collateral = p.addresses.initialCollateralToken;
        if (collateral != m.longToken && collateral != m.shortToken) revert Errors.InvalidPositionMarket(market);
        if (isMarket && p.numbers.validFromTime != 0) revert Errors.UnexpectedValidFromTime(orderType);
        if (p.addresses.receiver == address(0)) revert Errors.EmptyReceiver();
        if (p.addresses.cancellationReceiver == address(vault)) revert Errors.InvalidReceiver(address(vault));
        uint256 maxCallback = ds.getUint(Keys.MAX_CALLBACK_GAS_LIMIT);
        if (p.numbers.callbackGasLimit > maxCallback) {
            revert Errors.MaxCallbackGasLimitExceeded(p.numbers.callbackGasLimit, maxCallback);
        }

        address wnt = ds.getAddress(Keys.WNT);
        uint256 wntIn = vault.recordTransferIn(wnt);
        uint256 fee = wntIn;
        uint256 collateralIn = p.numbers.initialCollateralDeltaAmount;
        if (isIncrease) {
            if (collateral == wnt) {
                if (wntIn < p.numbers.executionFee) {
                    revert Errors.InsufficientWntAmountForExecutionFee(wntIn, p.numbers.executionFee);
                }
                fee = p.numbers.executionFee;
                collateralIn = wntIn - fee;
            } else {
                collateralIn = vault.recordTransferIn(collateral);
            }
        }
        if (fee < p.numbers.executionFee) revert Errors.InsufficientWntAmountForExecutionFee(wntIn, p.numbers.executionFee);
        uint256 minFee = _estimateGasLimit(isIncrease, p.numbers.callbackGasLimit) * tx.gasprice;
        if (fee < minFee) revert Errors.InsufficientExecutionFee(minFee, fee);

        uint256 nonce = ds.incrementUint(Keys.NONCE, 1);
        key = keccak256(abi.encode(address(ds), nonce));
        Order.Props storage o = orders[key];
        o.addresses.account = account;
        o.addresses.receiver = p.addresses.receiver;
        o.addresses.cancellationReceiver = p.addresses.cancellationReceiver;
        o.addresses.callbackContract = p.addresses.callbackContract;
        o.addresses.uiFeeReceiver = p.addresses.uiFeeReceiver;
        o.addresses.market = market;
        o.addresses.initialCollateralToken = collateral;
        o.numbers.orderType = uint8(orderType);
        o.numbers.decreasePositionSwapType = p.decreasePositionSwapType;
        o.numbers.sizeDeltaUsd = p.numbers.sizeDeltaUsd;
        o.numbers.initialCollateralDeltaAmount = collateralIn;
        o.numbers.triggerPrice = p.numbers.triggerPrice;
        o.numbers.acceptablePrice = p.numbers.acceptablePrice;
        o.numbers.executionFee = fee;
        o.numbers.callbackGasLimit = p.numbers.callbackGasLimit;
        o.numbers.minOutputAmount = p.numbers.minOutputAmount;
        o.numbers.updatedAtTime = block.timestamp;
        o.numbers.validFromTime = p.numbers.validFromTime;
        o.numbers.srcChainId = srcChainId;
        o.flags.isLong = p.isLong;
        o.flags.shouldUnwrapNativeToken = p.shouldUnwrapNativeToken;
        o.flags.autoCancel = p.autoCancel;
        for (uint256 i = 0; i < p.dataList.length; i++) o._dataList.push(p.dataList[i]);
        ds.addBytes32(Keys.ORDER_LIST, key);
        ds.addBytes32(Keys.accountOrderListKey(account), key);
        GmxEvents.orderCreated(emitter, key, orders[key]);
    }

    function _estimateGasLimit(bool isIncrease, uint256 callbackGasLimit) internal view returns (uint256) {
        uint256 est = ds.getUint(isIncrease ? Keys.INCREASE_ORDER_GAS_LIMIT : Keys.DECREASE_ORDER_GAS_LIMIT)
            + callbackGasLimit;
        return ds.getUint(Keys.ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1) + ds.getUint(Keys.ESTIMATED_GAS_FEE_PER_ORACLE_PRICE) * 3
            + est * ds.getUint(Keys.ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR) / FLOAT;
    }

    // ---------------------------------------------------------------- update / cancel (via ExchangeRouter)
    function updateOrder(bytes32 key, uint256 sizeDeltaUsd, uint256 acceptablePrice, uint256 triggerPrice,
                         uint256 minOutputAmount, bool autoCancel) external onlyController {
        Order.Props storage o = orders[key];
        if (o.addresses.account == address(0)) revert Errors.EmptyOrder();
        uint256 t = o.numbers.orderType;
        if (t == uint256(Order.OrderType.MarketIncrease) || t == uint256(Order.OrderType.MarketDecrease)) {
            revert Errors.OrderNotUpdatable(t);
        }
        o.numbers.sizeDeltaUsd = sizeDeltaUsd;
        o.numbers.acceptablePrice = acceptablePrice;
        o.numbers.triggerPrice = triggerPrice;
        o.numbers.minOutputAmount = minOutputAmount;
        o.numbers.updatedAtTime = block.timestamp;
        o.flags.autoCancel = autoCancel;
        o.flags.isFrozen = false;
        GmxEvents.orderUpdated(emitter, key, orders[key]);
    }

    function cancelOrder(bytes32 key) external onlyController {
        Order.Props memory o = orders[key];
        if (o.addresses.account == address(0)) revert Errors.EmptyOrder();
        uint256 t = o.numbers.orderType;
        if (t == uint256(Order.OrderType.MarketIncrease) || t == uint256(Order.OrderType.MarketDecrease)) {
            uint256 age = block.timestamp - o.numbers.updatedAtTime;
            uint256 expiration = ds.getUint(Keys.REQUEST_EXPIRATION_TIME);
            if (age < expiration) revert Errors.RequestNotYetCancellable(age, expiration, "Order");
        }
        _cancel(key, o, "USER_INITIATED_CANCEL", "", 0);
    }

    function _cancel(bytes32 key, Order.Props memory o, string memory reason, bytes memory reasonBytes,
                     uint256 keeperFee) internal {
        _removeOrder(key, o.addresses.account);
        address refundTo = o.addresses.cancellationReceiver != address(0) ? o.addresses.cancellationReceiver : o.addresses.receiver;
        address collateralTo = o.addresses.cancellationReceiver != address(0) ? o.addresses.cancellationReceiver : o.addresses.account;
        if (o.numbers.orderType == uint256(Order.OrderType.MarketIncrease)) {
            vault.transferOut(o.addresses.initialCollateralToken, collateralTo, o.numbers.initialCollateralDeltaAmount,
                              o.flags.shouldUnwrapNativeToken);
        }
        GmxEvents.orderStopped(emitter, "OrderCancelled", key, o.addresses.account, reason, reasonBytes);
        _payFees(o.numbers.executionFee, keeperFee, refundTo);
    }

    function _removeOrder(bytes32 key, address account) internal {
        delete orders[key];
        ds.removeBytes32(Keys.ORDER_LIST, key);
        ds.removeBytes32(Keys.accountOrderListKey(account), key);
    }

    function _payFees(uint256 fee, uint256 keeperFee, address refundTo) internal {
        if (keeperFee > fee) keeperFee = fee;
        if (keeperFee > 0) vault.transferOutNativeToken(msg.sender, keeperFee);
        uint256 refund = fee - keeperFee;
        if (refund > 0) {
            vault.transferOutNativeToken(refundTo, refund);
            GmxEvents.executionFeeRefund(emitter, refundTo, refund);
        }
    }

    // ---------------------------------------------------------------- execute (keeper)
    function executeOrder(bytes32 key, OracleUtils.SetPricesParams calldata oracleParams) external onlyOrderKeeper {
        uint256 startGas = gasleft();
        Order.Props memory o = orders[key];
        if (o.addresses.account == address(0)) revert Errors.EmptyOrder();
        Market.Props memory m = marketProps(o.addresses.market);
        oracleContract.setPrices(oracleParams);
        MarketUtils.MarketPrices memory prices = MarketUtils.MarketPrices(
            oracleContract.getPrimaryPrice(m.indexToken),
            oracleContract.getPrimaryPrice(m.longToken),
            oracleContract.getPrimaryPrice(m.shortToken));
        _validateTrigger(o, prices.indexTokenPrice);
        try this.executeOrderInner(key, prices) {
            _removeOrder(key, o.addresses.account);
            GmxEvents.orderExecuted(emitter, key, o.addresses.account);
            _payFees(o.numbers.executionFee, _keeperFee(startGas), o.addresses.receiver);
        } catch (bytes memory reasonBytes) {
            uint256 t = o.numbers.orderType;
            if (t == uint256(Order.OrderType.MarketIncrease) || t == uint256(Order.OrderType.MarketDecrease)) {
                _cancel(key, o, _reasonString(reasonBytes), reasonBytes, _keeperFee(startGas));
            } else {
                if (o.flags.isFrozen) revert Errors.OrderAlreadyFrozen();
                orders[key].flags.isFrozen = true;
                GmxEvents.orderStopped(emitter, "OrderFrozen", key, o.addresses.account, _reasonString(reasonBytes),
                                       reasonBytes);
            }
        }
        oracleContract.clearAllPrices();
    }

    function _keeperFee(uint256 startGas) internal view returns (uint256) {
        return (startGas - gasleft() + 60_000) * tx.gasprice;
    }

    function _reasonString(bytes memory reasonBytes) internal pure returns (string memory) {
        if (reasonBytes.length < 4 + 64 || bytes4(reasonBytes) != 0x08c379a0) return "";
        bytes memory body = new bytes(reasonBytes.length - 4);
        for (uint256 i = 4; i < reasonBytes.length; i++) body[i - 4] = reasonBytes[i];
        return abi.decode(body, (string));
    }

    function _validateTrigger(Order.Props memory o, Price.Props memory index) internal pure {
        uint256 t = o.numbers.orderType;
        uint256 trigger = o.numbers.triggerPrice;
        bool ok = true;
        if (t == uint256(Order.OrderType.LimitDecrease)) {         // take-profit
            ok = o.flags.isLong ? index.min >= trigger : index.max <= trigger;
        } else if (t == uint256(Order.OrderType.StopLossDecrease)) {
            ok = o.flags.isLong ? index.min <= trigger : index.max >= trigger;
        }
        if (!ok) revert Errors.InvalidOrderPrices(index.min, index.max, trigger, t);
    }

    /// The state-changing part of an execution, called through `this` so a failure rolls back and cancels.
    function executeOrderInner(bytes32 key, MarketUtils.MarketPrices memory prices) external {
        require(msg.sender == address(this), "OrderHandler: internal");
        Ctx memory c;
        c.key = key;
        c.order = orders[key];
        c.market = marketProps(c.order.addresses.market);
        c.prices = prices;
        c.collateralPrice = c.order.addresses.initialCollateralToken == c.market.longToken
            ? prices.longTokenPrice : prices.shortTokenPrice;
        MarketMath.updateMarket(ds, c.market, prices);
        if (c.order.numbers.orderType == uint256(Order.OrderType.MarketIncrease)) {
            _increase(c);
        } else {
            _decrease(c);
        }
    }

    /// A liquidation as GMX's LiquidationUtils makes it: a Liquidation order for the whole position (account as
    /// receiver, no execution fee, acceptable price 0 for a long and max for a short) stored and announced
    /// (OrderCreated), then executed at once (OrderExecuted). Reverts, with the whole keeper transaction, when
    /// the position is not liquidatable (PositionShouldNotBeLiquidated) or does not exist (EmptyPosition).
    function executeLiquidationOrder(address account, address market, address collateralToken, bool isLong,
                                     MarketUtils.MarketPrices memory prices) external onlyController
        returns (bytes32 key)
    {
        Position.Props memory pos = positions[Keys.positionKey(account, market, collateralToken, isLong)];
        if (pos.numbers.sizeInUsd == 0) revert Errors.EmptyPosition();
        key = keccak256(abi.encode(address(ds), ds.incrementUint(Keys.NONCE, 1)));
        Order.Props storage o = orders[key];
        o.addresses.account = account;
        o.addresses.receiver = account;
        o.addresses.cancellationReceiver = account;
        o.addresses.market = market;
        o.addresses.initialCollateralToken = collateralToken;
        o.numbers.orderType = uint8(Order.OrderType.Liquidation);
        o.numbers.decreasePositionSwapType = uint8(Order.DecreasePositionSwapType.SwapPnlTokenToCollateralToken);
        o.numbers.sizeDeltaUsd = pos.numbers.sizeInUsd;
        o.numbers.acceptablePrice = isLong ? 0 : type(uint256).max;
        o.numbers.updatedAtTime = block.timestamp;
        o.flags.isLong = isLong;
        o.flags.shouldUnwrapNativeToken = true;
        ds.addBytes32(Keys.ORDER_LIST, key);
        ds.addBytes32(Keys.accountOrderListKey(account), key);
        GmxEvents.orderCreated(emitter, key, orders[key]);
        Ctx memory c;
        c.key = key;
        c.order = orders[key];
        c.market = marketProps(market);
        c.prices = prices;
        c.collateralPrice = PositionRules.collateralPrice(c.market, pos, prices);
        MarketMath.updateMarket(ds, c.market, prices);
        _decrease(c);
        _removeOrder(key, account);
        GmxEvents.orderExecuted(emitter, key, account);
    }

    function _positionKey(Ctx memory c) internal pure returns (bytes32) {
        return Keys.positionKey(c.order.addresses.account, c.market.marketToken, c.order.addresses.initialCollateralToken,
                                c.order.flags.isLong);
    }

    /// The position's funding and borrowing snapshots: the market's stored per-size values, just settled by
    /// updateMarket (fee in the position's collateral token, claimables in both tokens, for its side).
    function _snapshot(Position.Props memory p, Market.Props memory m) internal view {
        bool isLong = p.flags.isLong;
        address mk = m.marketToken;
        p.numbers.fundingFeeAmountPerSize =
            ds.getUint(MarketMath.fundingFeeAmountPerSizeKey(mk, p.addresses.collateralToken, isLong));
        p.numbers.longTokenClaimableFundingAmountPerSize =
            ds.getUint(MarketMath.claimableFundingAmountPerSizeKey(mk, m.longToken, isLong));
        p.numbers.shortTokenClaimableFundingAmountPerSize =
            ds.getUint(MarketMath.claimableFundingAmountPerSizeKey(mk, m.shortToken, isLong));
        p.numbers.borrowingFactor = ds.getUint(Keys.cumulativeBorrowingFactorKey(mk, isLong));
    }

    /// As GMX's processCollateral: the funding owed (in the collateral token) stays in the market to back the
    /// claims; borrowing and `positionFeeUsd` go to the pool; the funding earned, in the long and the short
    /// token, becomes claimable by the account (claimableFundingAmountKey(market, token, account)).
    /// Returns the cost in collateral tokens.
    function _settleFees(Ctx memory c, Position.Props memory p, uint256 positionFeeUsd) internal returns (uint256 costTokens) {
        MarketMath.PendingFees memory f = MarketMath.pendingFees(ds, c.market, c.prices, p);
        address mk = c.market.marketToken;
        _creditClaimable(mk, c.market.longToken, p.addresses.account, f.claimableLongTokenAmount);
        _creditClaimable(mk, c.market.shortToken, p.addresses.account, f.claimableShortTokenAmount);
        address token = p.addresses.collateralToken;
        uint256 poolTokens = MarketMath.usdToTokensUp(f.borrowingUsd + positionFeeUsd, c.collateralPrice.min);
        costTokens = poolTokens + f.fundingFeeAmount;
        if (costTokens > p.numbers.collateralAmount) {
            uint256 costUsd = costTokens * c.collateralPrice.min;
            revert Errors.InsufficientFundsToPayForCosts(costUsd - p.numbers.collateralAmount * c.collateralPrice.min, "fees");
        }
        p.numbers.collateralAmount -= costTokens;
        if (poolTokens > 0) ds.incrementUint(Keys.poolAmountKey(mk, token), poolTokens);
    }

    function _creditClaimable(address market, address token, address account, uint256 amount) internal {
        if (amount == 0) return;
        ds.incrementUint(Keys.claimableFundingAmountKey(market, token, account), amount);
        ds.incrementUint(MarketMath.claimableFundingPoolKey(market, token), amount);
    }

    function _increase(Ctx memory c) internal {
        Order.Props memory o = c.order;
        bool isLong = o.flags.isLong;
        uint256 execPrice = isLong ? c.prices.indexTokenPrice.max : c.prices.indexTokenPrice.min;
        // a zero size is a collateral deposit: GMX does not hold its price to the acceptable price
        // (IncreasePositionUtils.getExecutionPrice) nor validate reserves for it
        bool deposit = o.numbers.sizeDeltaUsd == 0;
        if (!deposit && (isLong ? execPrice > o.numbers.acceptablePrice : execPrice < o.numbers.acceptablePrice)) {
            revert Errors.OrderNotFulfillableAtAcceptablePrice(execPrice, o.numbers.acceptablePrice);
        }
        bytes32 pk = _positionKey(c);
        Position.Props memory p = positions[pk];
        if (p.addresses.account == address(0)) {
            p.addresses = Position.Addresses(o.addresses.account, c.market.marketToken, o.addresses.initialCollateralToken);
            p.flags.isLong = isLong;
        }
        // collateral moves from the order vault into the market
        vault.transferOut(o.addresses.initialCollateralToken, c.market.marketToken, o.numbers.initialCollateralDeltaAmount);
        p.numbers.collateralAmount += o.numbers.initialCollateralDeltaAmount;
        uint256 feeUsd = o.numbers.sizeDeltaUsd * ds.getUint(Keys.positionFeeFactorKey(c.market.marketToken, false)) / FLOAT;
        _settleFees(c, p, feeUsd);

        uint256 tokensDelta = isLong ? o.numbers.sizeDeltaUsd / execPrice
                                     : MarketMath.usdToTokensUp(o.numbers.sizeDeltaUsd, execPrice);
        p.numbers.sizeInUsd += o.numbers.sizeDeltaUsd;
        p.numbers.sizeInTokens += tokensDelta;
        p.numbers.increasedAtTime = block.timestamp;
        _snapshot(p, c.market);
        positions[pk] = p;
        ds.addBytes32(Keys.POSITION_LIST, pk);
        ds.addBytes32(Keys.accountPositionListKey(p.addresses.account), pk);
        _applyOpenInterest(c, p.addresses.collateralToken, isLong, int256(o.numbers.sizeDeltaUsd), int256(tokensDelta));

        _validatePosition(c, p, execPrice, false);
        if (!deposit) _validateCapacity(c, isLong);
        GmxEvents.positionChanged(emitter, true, p, GmxEvents.PositionChange(
            c.key, pk, execPrice, c.prices.indexTokenPrice, c.collateralPrice, o.numbers.sizeDeltaUsd, tokensDelta,
            o.numbers.orderType, int256(o.numbers.initialCollateralDeltaAmount), 0));
    }

    function _decrease(Ctx memory c) internal {
        Order.Props memory o = c.order;
        bool isLong = o.flags.isLong;
        uint256 execPrice = isLong ? c.prices.indexTokenPrice.min : c.prices.indexTokenPrice.max;
        if (isLong ? execPrice < o.numbers.acceptablePrice : execPrice > o.numbers.acceptablePrice) {
            revert Errors.OrderNotFulfillableAtAcceptablePrice(execPrice, o.numbers.acceptablePrice);
        }
        bytes32 pk = _positionKey(c);
        Position.Props memory p = positions[pk];
        if (p.numbers.sizeInUsd == 0) revert Errors.EmptyPosition();
        uint256 sizeDelta = o.numbers.sizeDeltaUsd;
        if (sizeDelta > p.numbers.sizeInUsd) {
            if (o.numbers.orderType == uint256(Order.OrderType.MarketDecrease)) {
                revert Errors.InvalidDecreaseOrderSize(sizeDelta, p.numbers.sizeInUsd);
            }
            sizeDelta = p.numbers.sizeInUsd;  // trigger orders are capped
        }
        bool isLiquidation = o.numbers.orderType == uint256(Order.OrderType.Liquidation);
        uint256 collateralDelta;
        if (isLiquidation) {
            PositionRules.validateLiquidatable(ds, c.market, p, c.prices);
        } else {   // a partial decrease leaving less than the minimum closes the position
            (sizeDelta, collateralDelta) = PositionRules.adjustDecrease(
                ds, emitter, c.key, c.market, p, c.prices, sizeDelta, o.numbers.initialCollateralDeltaAmount);
        }
        bool full = sizeDelta == p.numbers.sizeInUsd;
        int256 pnl = MarketMath.pnlUsd(p, execPrice, sizeDelta);
        uint256 tokensDelta = full ? p.numbers.sizeInTokens : p.numbers.sizeInTokens * sizeDelta / p.numbers.sizeInUsd;
        uint256 feeUsd = sizeDelta * ds.getUint(Keys.positionFeeFactorKey(c.market.marketToken, false)) / FLOAT;
        uint256 collateralBefore = p.numbers.collateralAmount;
        _settleFees(c, p, feeUsd);

        address token = p.addresses.collateralToken;
        address mk = c.market.marketToken;
        uint256 output;
        if (pnl < 0) {
            uint256 loss = MarketMath.usdToTokensUp(uint256(-pnl), c.collateralPrice.min);
            if (loss > p.numbers.collateralAmount) {   // a liquidation completes anyway: the pool takes it all
                if (!isLiquidation) revert Errors.InsufficientFundsToPayForCosts(uint256(-pnl), "pnl");
                loss = p.numbers.collateralAmount;
            }
            p.numbers.collateralAmount -= loss;
            ds.incrementUint(Keys.poolAmountKey(mk, token), loss);
        } else if (pnl > 0) {
            output = uint256(pnl) / c.collateralPrice.max;
            ds.applyDeltaToUint(Keys.poolAmountKey(mk, token), -int256(output), "pool: pnl");
        }
        uint256 withdraw = full ? p.numbers.collateralAmount
            : (collateralDelta > p.numbers.collateralAmount ? p.numbers.collateralAmount : collateralDelta);
        p.numbers.collateralAmount -= withdraw;
        output += withdraw;

        p.numbers.sizeInUsd -= sizeDelta;
        p.numbers.sizeInTokens -= tokensDelta;
        p.numbers.decreasedAtTime = block.timestamp;
        _applyOpenInterest(c, token, isLong, -int256(sizeDelta), -int256(tokensDelta));
        if (full) {
            delete positions[pk];
            ds.removeBytes32(Keys.POSITION_LIST, pk);
            ds.removeBytes32(Keys.accountPositionListKey(p.addresses.account), pk);
            _autoCancel(c.key, p);
        } else {
            _snapshot(p, c.market);
            positions[pk] = p;
            _validatePosition(c, p, execPrice, withdraw > 0);
        }
        if (output < o.numbers.minOutputAmount) revert Errors.InsufficientOutputAmount(output, o.numbers.minOutputAmount);
        MarketToken(payable(mk)).transferOut(token, o.addresses.receiver, output, o.flags.shouldUnwrapNativeToken);
        GmxEvents.positionChanged(emitter, false, p, GmxEvents.PositionChange(
            c.key, pk, execPrice, c.prices.indexTokenPrice, c.collateralPrice, sizeDelta, tokensDelta,
            o.numbers.orderType, -int256(collateralBefore - p.numbers.collateralAmount), pnl));
    }

    /// As on GMX: closing a position cancels its auto-cancel (TP/SL) orders, refunding their fees.
    function _autoCancel(bytes32 executing, Position.Props memory p) internal {
        bytes32[] memory keys = ds.getBytes32ValuesAt(Keys.accountOrderListKey(p.addresses.account), 0, 1000);
        for (uint256 i = 0; i < keys.length; i++) {
            if (keys[i] == executing) continue;
            Order.Props memory o = orders[keys[i]];
            uint256 t = o.numbers.orderType;
            if (o.flags.autoCancel && o.addresses.market == p.addresses.market
                && o.addresses.initialCollateralToken == p.addresses.collateralToken && o.flags.isLong == p.flags.isLong
                && (t == uint256(Order.OrderType.LimitDecrease) || t == uint256(Order.OrderType.StopLossDecrease))) {
                _cancel(keys[i], o, "AUTO_CANCEL", "", 0);
            }
        }
    }

    function _applyOpenInterest(Ctx memory c, address collateralToken, bool isLong, int256 usdDelta, int256 tokenDelta)
        internal
    {
        address mk = c.market.marketToken;
        ds.applyDeltaToUint(Keys.openInterestKey(mk, collateralToken, isLong), usdDelta, "open interest");
        ds.applyDeltaToUint(Keys.openInterestInTokensKey(mk, collateralToken, isLong), tokenDelta, "open interest in tokens");
    }

    function _validatePosition(Ctx memory c, Position.Props memory p, uint256 price, bool withdrawing) internal view {
        uint256 minSize = ds.getUint(Keys.MIN_POSITION_SIZE_USD);
        if (p.numbers.sizeInUsd < minSize) revert Errors.MinPositionSize(p.numbers.sizeInUsd, minSize);
        int256 remaining = int256(p.numbers.collateralAmount * c.collateralPrice.min)
            + MarketMath.pnlUsd(p, price, p.numbers.sizeInUsd);
        uint256 minUsd = ds.getUint(Keys.MIN_COLLATERAL_USD);
        uint256 forLeverage = p.numbers.sizeInUsd * ds.getUint(Keys.minCollateralFactorKey(c.market.marketToken)) / FLOAT;
        uint256 required = forLeverage > minUsd ? forLeverage : minUsd;
        if (remaining < int256(required)) {
            if (withdrawing) revert Errors.UnableToWithdrawCollateral(remaining);
            revert Errors.InsufficientCollateralUsd(remaining);
        }
    }

    /// Reserve, open-interest-reserve and max-OI checks after an increase (reference §9).
    function _validateCapacity(Ctx memory c, bool isLong) internal view {
        Market.Props memory m = c.market;
        uint256 divisor = MarketMath.divisor(m);   // pool amounts; MarketMath divides OI itself (reference §9)
        uint256 oi = MarketMath.openInterest(ds, m, isLong);
        uint256 reserved;
        uint256 poolUsd;
        if (isLong) {
            reserved = MarketMath.openInterestInTokens(ds, m, true) * c.prices.indexTokenPrice.max;
            poolUsd = ds.getUint(Keys.poolAmountKey(m.marketToken, m.longToken)) / divisor * c.prices.longTokenPrice.min;
        } else {
            reserved = oi;
            poolUsd = ds.getUint(Keys.poolAmountKey(m.marketToken, m.shortToken)) / divisor * c.prices.shortTokenPrice.min;
        }
        uint256 maxReserved = poolUsd * ds.getUint(Keys.reserveFactorKey(m.marketToken, isLong)) / FLOAT;
        if (reserved > maxReserved) revert Errors.InsufficientReserve(reserved, maxReserved);
        uint256 maxOiReserved = poolUsd * ds.getUint(Keys.openInterestReserveFactorKey(m.marketToken, isLong)) / FLOAT;
        if (reserved > maxOiReserved) revert Errors.InsufficientReserveForOpenInterest(reserved, maxOiReserved);
        uint256 maxOi = ds.getUint(Keys.maxOpenInterestKey(m.marketToken, isLong));
        if (oi > maxOi) revert Errors.MaxOpenInterestExceeded(oi, maxOi);
    }

    // ---------------------------------------------------------------- funding claims (via ExchangeRouter)
    function claimFundingFees(address account, address market, address token, address receiver)
        external onlyController returns (uint256 amount)
    {
        bytes32 k = Keys.claimableFundingAmountKey(market, token, account);
        amount = ds.getUint(k);
        if (amount == 0) return 0;
        ds.setUint(k, 0);
        ds.applyDeltaToUint(MarketMath.claimableFundingPoolKey(market, token), -int256(amount), "claimable funding");
        MarketToken(payable(market)).transferOut(token, receiver, amount, false);
    }
}
