// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IDataStore.sol";
import "../../interfaces/gmx/IEventEmitter.sol";
import "../../interfaces/gmx/Errors.sol";
import "./Keys.sol";
import "./MarketMath.sol";
import "./GmxEvents.sol";

/// GMX's position rules that decide a liquidation and reshape a decrease, as gmx-synthetics states them:
///
/// - ``isPositionLiquidatable`` (PositionUtils): remaining = collateral x collateralPrice.min + PnL of the whole
///   size (index max for a short, min for a long) + price impact of closing it (only a negative one counts,
///   no worse than -size x MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS) - the costs of a close in collateral
///   tokens (pending funding, pending borrowing, the closing position fee; no liquidation fee) x collateral
///   min price. Liquidatable when remaining < MIN_COLLATERAL_USD ("min collateral", if checked), <= 0
///   ("< 0"), or < size x MIN_COLLATERAL_FACTOR[_FOR_LIQUIDATION] ("min collateral for leverage").
///   Claimable funding is not collateral.
/// - ``adjustDecrease`` (DecreasePositionUtils): a withdrawal is capped at the collateral; for a partial
///   decrease, a withdrawal that would leave the rest under-collateralised is zeroed
///   (OrderCollateralDeltaAmountAutoUpdated), and when the rest would keep less than MIN_COLLATERAL_USD
///   (collateral less realised loss, plus the rest's PnL) or less than MIN_POSITION_SIZE_USD of size, the
///   order closes the whole position (OrderSizeDeltaAutoUpdated); a full close withdraws nothing extra.
///
/// Replica simplifications (reference §17.2): price impact is zero (the cap is applied to it all the same);
/// the min collateral factor for open interest (MIN_COLLATERAL_FACTOR_FOR_OPEN_INTEREST_MULTIPLIER) is not
/// configured, so the market's MIN_COLLATERAL_FACTOR is the factor for a withdrawal.
library PositionRules {
    uint256 internal constant FLOAT = 1e30;
    bytes32 internal constant MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION =
        keccak256(abi.encode("MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION"));
    bytes32 internal constant MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS =
        keccak256(abi.encode("MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS"));

    struct LiquidationInfo {
        int256 remainingCollateralUsd;
        int256 minCollateralUsd;
        int256 minCollateralUsdForLeverage;
    }

    function collateralPrice(Market.Props memory m, Position.Props memory p, MarketUtils.MarketPrices memory prices)
        internal pure returns (Price.Props memory)
    {
        return p.addresses.collateralToken == m.longToken ? prices.longTokenPrice : prices.shortTokenPrice;
    }

    /// The index price a position's PnL is valued at when it is closed: the worse side for the trader.
    function pnlPrice(Position.Props memory p, MarketUtils.MarketPrices memory prices) internal pure returns (uint256) {
        return p.flags.isLong ? prices.indexTokenPrice.min : prices.indexTokenPrice.max;
    }

    /// Price impact as the liquidation check counts it: a positive impact is 0, a negative one is capped.
    function liquidationImpactUsd(IDataStore ds, address market, uint256 sizeInUsd, int256 priceImpactUsd)
        internal view returns (int256)
    {
        if (priceImpactUsd >= 0) return 0;
        uint256 factor = ds.getUint(keccak256(abi.encode(MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS, market)));
        int256 floor = -int256(sizeInUsd * factor / FLOAT);
        return priceImpactUsd < floor ? floor : priceImpactUsd;
    }

    /// What closing the whole position costs now, in collateral tokens (each part rounded up, as GMX's
    /// PositionFees.totalCostAmount): pending funding and borrowing, and the closing position fee.
    function closeCostAmount(IDataStore ds, Market.Props memory m, Position.Props memory p,
                             MarketUtils.MarketPrices memory prices, Price.Props memory cp)
        internal view returns (uint256)
    {
        MarketMath.PendingFees memory f = MarketMath.pendingFees(ds, m, prices, p);   // funding: collateral units
        uint256 feeUsd = p.numbers.sizeInUsd * ds.getUint(Keys.positionFeeFactorKey(m.marketToken, false)) / FLOAT;
        return f.fundingFeeAmount + MarketMath.usdToTokensUp(f.borrowingUsd, cp.min)
            + MarketMath.usdToTokensUp(feeUsd, cp.min);
    }

    function isPositionLiquidatable(IDataStore ds, Market.Props memory m, Position.Props memory p,
                                    MarketUtils.MarketPrices memory prices, bool shouldValidateMinCollateralUsd,
                                    bool forLiquidation)
        internal view returns (bool, string memory, LiquidationInfo memory info)
    {
        Price.Props memory cp = collateralPrice(m, p, prices);
        int256 pnl = MarketMath.pnlUsd(p, pnlPrice(p, prices), p.numbers.sizeInUsd);
        int256 impact = liquidationImpactUsd(ds, m.marketToken, p.numbers.sizeInUsd, 0);  // replica: no impact
        info.remainingCollateralUsd = int256(p.numbers.collateralAmount * cp.min) + pnl + impact
            - int256(closeCostAmount(ds, m, p, prices, cp) * cp.min);
        bytes32 factorKey = forLiquidation
            ? keccak256(abi.encode(MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION, m.marketToken))
            : Keys.minCollateralFactorKey(m.marketToken);
        info.minCollateralUsdForLeverage = int256(p.numbers.sizeInUsd * ds.getUint(factorKey) / FLOAT);
        if (shouldValidateMinCollateralUsd) {
            info.minCollateralUsd = int256(ds.getUint(Keys.MIN_COLLATERAL_USD));
            if (info.remainingCollateralUsd < info.minCollateralUsd) return (true, "min collateral", info);
        }
        if (info.remainingCollateralUsd <= 0) return (true, "< 0", info);
        if (info.remainingCollateralUsd < info.minCollateralUsdForLeverage) {
            return (true, "min collateral for leverage", info);
        }
        return (false, "", info);
    }

    /// Reverts with GMX's PositionShouldNotBeLiquidated unless ``isPositionLiquidatable(forLiquidation=true)``.
    function validateLiquidatable(IDataStore ds, Market.Props memory m, Position.Props memory p,
                                  MarketUtils.MarketPrices memory prices) internal view {
        (bool liquidatable, string memory reason, LiquidationInfo memory info) =
            isPositionLiquidatable(ds, m, p, prices, true, true);
        if (!liquidatable) {
            revert Errors.PositionShouldNotBeLiquidated(reason, info.remainingCollateralUsd, info.minCollateralUsd,
                                                        info.minCollateralUsdForLeverage);
        }
    }

    /// PositionUtils.willPositionCollateralBeSufficient: the rest's collateral (less a realised loss) against
    /// the rest's size x the min collateral factor. Returns (sufficient, estimated remaining collateral USD).
    function willCollateralBeSufficient(IDataStore ds, address market, Price.Props memory cp, uint256 sizeInUsd,
                                        uint256 collateralAmount, int256 realizedPnlUsd)
        internal view returns (bool, int256)
    {
        int256 remaining = int256(collateralAmount * cp.min);
        if (realizedPnlUsd < 0) remaining += realizedPnlUsd;
        if (remaining < 0) return (false, remaining);
        int256 forLeverage = int256(sizeInUsd * ds.getUint(Keys.minCollateralFactorKey(market)) / FLOAT);
        return (remaining >= forLeverage, remaining);
    }

    /// DecreasePositionUtils' order adjustments before a decrease executes; returns the size and the
    /// collateral withdrawal the decrease really uses (``sizeDeltaUsd`` <= the position's size here).
    function adjustDecrease(IDataStore ds, IEventEmitter e, bytes32 orderKey, Market.Props memory m,
                            Position.Props memory p, MarketUtils.MarketPrices memory prices, uint256 sizeDeltaUsd,
                            uint256 collateralDelta) internal returns (uint256, uint256) {
        uint256 size = p.numbers.sizeInUsd;
        if (collateralDelta > p.numbers.collateralAmount) {
            GmxOrderAutoUpdateEvents.collateralDeltaAmountAutoUpdated(e, orderKey, collateralDelta,
                                                                       p.numbers.collateralAmount);
            collateralDelta = p.numbers.collateralAmount;
        }
        if (sizeDeltaUsd < size) {
            Price.Props memory cp = collateralPrice(m, p, prices);
            int256 pnl = MarketMath.pnlUsd(p, pnlPrice(p, prices), size);
            int256 realized = pnl * int256(sizeDeltaUsd) / int256(size);
            (bool sufficient, int256 estimated) = willCollateralBeSufficient(
                ds, m.marketToken, cp, size - sizeDeltaUsd, p.numbers.collateralAmount - collateralDelta, realized);
            if (!sufficient) {
                if (sizeDeltaUsd == 0) revert Errors.UnableToWithdrawCollateral(estimated);
                GmxOrderAutoUpdateEvents.collateralDeltaAmountAutoUpdated(e, orderKey, collateralDelta, 0);
                estimated += int256(collateralDelta * cp.min);
                collateralDelta = 0;
            }
            if (estimated + (pnl - realized) < int256(ds.getUint(Keys.MIN_COLLATERAL_USD))) {
                GmxOrderAutoUpdateEvents.sizeDeltaAutoUpdated(e, orderKey, sizeDeltaUsd, size);
                sizeDeltaUsd = size;
            }
            if (size > sizeDeltaUsd && size - sizeDeltaUsd < ds.getUint(Keys.MIN_POSITION_SIZE_USD)) {
                GmxOrderAutoUpdateEvents.sizeDeltaAutoUpdated(e, orderKey, sizeDeltaUsd, size);
                sizeDeltaUsd = size;
            }
        }
        if (sizeDeltaUsd == size) collateralDelta = 0;
        return (sizeDeltaUsd, collateralDelta);
    }
}
