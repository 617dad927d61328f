// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "../../interfaces/gtrade/IGNSMultiCollatDiamond.sol";

/// The pure formulas of gTrade v10 the replica needs, in the diamond's units (reference §2): the leverage-
/// interpolated liquidation threshold, the liquidation price from fees and spread, PnL percent, and the
/// velocity funding model (velocity from skew, average and current rate over an interval, APR multipliers).
library GainsReplicaMath {
    uint256 internal constant ONE_YEAR = 365 days;
    uint256 internal constant LEGACY_LIQ_THRESHOLD_P = 90e10;            // -90% PnL (1e10 %)
    uint256 internal constant APR_MULTIPLIER_CAP = 100e20;               // the smaller side earns up to 100x (1e20)

    /// PnL threshold (1e10 %, positive) at which a trade of `leverage` (1e3) is liquidated: flat below
    /// `startLeverage`, flat above `endLeverage`, linear in between; -90% when the params are unset.
    function liqThresholdP(IPairsStorage.GroupLiquidationParams memory p, uint256 leverage) internal pure returns (uint256) {
        if (p.maxLiqSpreadP == 0 || p.startLiqThresholdP == 0 || p.endLiqThresholdP == 0 || p.startLeverage == 0
            || p.endLeverage == 0) return LEGACY_LIQ_THRESHOLD_P;
        if (leverage < p.startLeverage) return p.startLiqThresholdP;
        if (leverage > p.endLeverage) return p.endLiqThresholdP;
        if (p.startLiqThresholdP == p.endLiqThresholdP) return p.endLiqThresholdP;
        return uint256(p.startLiqThresholdP) - (leverage - p.startLeverage) * (uint256(p.startLiqThresholdP)
            - p.endLiqThresholdP) / (uint256(p.endLeverage) - p.startLeverage);
    }

    /// The closing spread (1e10 %) that moves a liquidation price: half the pair spread, capped at
    /// `maxLiqSpreadP` (SDK `getSpreadP(spread, isLiquidation = true, params)`).
    function liqSpreadP(uint256 pairSpreadP, IPairsStorage.GroupLiquidationParams memory p) internal pure returns (uint256 s) {
        s = pairSpreadP / 2;
        if (p.maxLiqSpreadP > 0 && s > p.maxLiqSpreadP) s = p.maxLiqSpreadP;
    }

    /// Liquidation price (1e10) of a trade of `collateral` (collateral units) at `leverage` (1e3) opened at
    /// `openPrice`, once `feesCollateral` (closing fee + holding fees - realised PnL, signed) are charged:
    /// distance = open x (collateral x threshold - fees) / collateral / leverage - open x spread.
    function liqPrice(uint256 openPrice, bool long, uint256 collateral, uint256 leverage, int256 feesCollateral,
                      uint256 thresholdP, uint256 spreadP, uint256 precisionDelta) internal pure returns (uint256) {
        if (collateral == 0 || leverage == 0) return 0;
        int256 pd = int256(precisionDelta);
        int256 liqNegativePnl = int256(collateral * thresholdP * precisionDelta * 1e3 / 100e10);   // 1e18 x 1e3
        int256 fees = feesCollateral * pd * 1e3;
        int256 open = int256(openPrice);
        int256 distance = open * (liqNegativePnl - fees) / int256(collateral) / int256(leverage) / pd;
        distance -= int256(openPrice * spreadP / 100e10);
        int256 p = long ? open - distance : open + distance;
        return p > 0 ? uint256(p) : 0;
    }

    /// PnL percent (1e10), floored at -100%.
    function pnlPercent(uint64 openPrice, uint64 current, bool long, uint256 leverage) internal pure returns (int256 p) {
        if (openPrice == 0) return -100e10;
        int256 diff = long ? int256(uint256(current)) - int256(uint256(openPrice))
            : int256(uint256(openPrice)) - int256(uint256(current));
        p = diff * 100e10 * int256(leverage) / int256(uint256(openPrice)) / 1e3;
        if (p < -100e10) p = -100e10;
    }

    /// Funding velocity per year (1e10 % per second per year) from the net exposure: |net tokens| (1e18) x
    /// skew coefficient (1e26), capped (1e7 -> 1e10), signed like the exposure; 0 below the theta threshold.
    function fundingVelocityPerYear(int256 netExposureToken, int256 netExposureUsd, uint112 skewCoefficientPerYear,
                                    uint24 absoluteVelocityPerYearCap, uint32 thetaThresholdUsd) internal pure returns (int256) {
        if (netExposureToken == 0 || skewCoefficientPerYear == 0 || absoluteVelocityPerYearCap == 0) return 0;
        int256 sign = netExposureUsd < 0 ? int256(-1) : int256(1);
        if (uint256(netExposureUsd * sign) < uint256(thetaThresholdUsd) * 1e10) return 0;
        uint256 tokens = uint256(netExposureToken < 0 ? -netExposureToken : netExposureToken);
        uint256 v = tokens * skewCoefficientPerYear / 1e34;
        uint256 cap = uint256(absoluteVelocityPerYearCap) * 1e3;
        return int256(v > cap ? cap : v) * sign;
    }

    /// Average and current funding rate (1e18 % per second) after `dt` seconds at `velocity` from `last`,
    /// the current rate clamped at +/- the cap (1e10 % per second).
    function avgFundingRate(int256 last, uint24 absoluteRatePerSecondCap, int256 velocity, uint256 dt)
        internal pure returns (int256 avg, int256 current)
    {
        if (absoluteRatePerSecondCap == 0) return (0, 0);
        if (velocity == 0 || dt == 0) return (last, last);
        int256 cap = int256(uint256(absoluteRatePerSecondCap)) * 1e8 * (velocity < 0 ? int256(-1) : int256(1));
        if (cap == last) return (cap, cap);
        uint256 toCap = uint256((cap - last) * int256(ONE_YEAR) / velocity / 1e8);
        if (dt > toCap) {
            current = cap;
            int256 avgToCap = (last + cap) / 2;
            avg = (avgToCap * int256(toCap) + cap * int256(dt - toCap)) / int256(dt);
        } else {
            current = last + int256(dt) * velocity * 1e8 / int256(ONE_YEAR);
            avg = (last + current) / 2;
        }
    }

    /// Seconds until a rate `last` moving at `velocity` reaches zero.
    function secondsToZeroRate(int256 last, int256 velocity) internal pure returns (uint256) {
        int256 s = -last * int256(ONE_YEAR) / velocity / 1e8;
        return s < 0 ? 0 : uint256(s);
    }

    /// APR multipliers (1e20) of the long and short sides for an average rate: the earning side gets
    /// oiOther / oiSame (capped at 100) when enabled, the paying side 1; a side with no OI gets 0.
    function aprMultipliers(int256 avgRate, uint256 oiLong, uint256 oiShort, bool enabled)
        internal pure returns (uint256 longMult, uint256 shortMult)
    {
        if (avgRate == 0) return (1e20, 1e20);
        bool longsEarn = avgRate < 0;
        longMult = oiLong == 0 ? 0 : (longsEarn && enabled ? oiShort * 1e20 / oiLong : 1e20);
        shortMult = oiShort == 0 ? 0 : (!longsEarn && enabled ? oiLong * 1e20 / oiShort : 1e20);
        if (longMult > APR_MULTIPLIER_CAP) longMult = APR_MULTIPLIER_CAP;
        if (shortMult > APR_MULTIPLIER_CAP) shortMult = APR_MULTIPLIER_CAP;
    }
}
