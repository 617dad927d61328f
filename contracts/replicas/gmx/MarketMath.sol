// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IDataStore.sol";
import "../../interfaces/gmx/GmxTypes.sol";
import "./Keys.sol";

/// Market state the OrderHandler writes and the Reader reports, computed from DataStore keys.
///
/// Simplifications allowed by the reference (§17.2), keeping GMX's keys and units (USD 1e30, factors 1e30):
/// - Funding is static-mode: f = min(FUNDING_FACTOR x |L - S| / (L + S), MAX_FUNDING_FACTOR_PER_SECOND(payer)),
///   longs pay when L > S; the receiving side earns f x payingOI / receivingOI. It accrues per second into
///   per-size USD accumulators (replica bookkeeping keys).
/// - Borrowing: BORROWING_FACTOR(m, side) is a per-second rate accruing into CUMULATIVE_BORROWING_FACTOR.
library MarketMath {
    uint256 internal constant FLOAT = 1e30;

    struct Funding {
        bool longsPayShorts;
        uint256 factorPerSecond;
        uint256 costLong;    // accumulated USD cost per 1 USD of size (1e30), longs
        uint256 costShort;
        uint256 claimLong;   // accumulated USD income per 1 USD of size (1e30), longs
        uint256 claimShort;
    }

    function openInterest(IDataStore ds, Market.Props memory m, bool isLong) internal view returns (uint256) {
        uint256 a = ds.getUint(Keys.openInterestKey(m.marketToken, m.longToken, isLong));
        if (m.longToken == m.shortToken) return a;
        return a + ds.getUint(Keys.openInterestKey(m.marketToken, m.shortToken, isLong));
    }

    function openInterestInTokens(IDataStore ds, Market.Props memory m, bool isLong) internal view returns (uint256) {
        uint256 a = ds.getUint(Keys.openInterestInTokensKey(m.marketToken, m.longToken, isLong));
        if (m.longToken == m.shortToken) return a;
        return a + ds.getUint(Keys.openInterestInTokensKey(m.marketToken, m.shortToken, isLong));
    }

    function fundingRate(IDataStore ds, Market.Props memory m) internal view returns (bool longsPay, uint256 f) {
        uint256 longOi = openInterest(ds, m, true);
        uint256 shortOi = openInterest(ds, m, false);
        uint256 total = longOi + shortOi;
        if (total == 0 || longOi == shortOi) return (longOi > shortOi, 0);
        longsPay = longOi > shortOi;
        uint256 diff = longsPay ? longOi - shortOi : shortOi - longOi;
        f = ds.getUint(Keys.fundingFactorKey(m.marketToken)) * diff / total;
        uint256 cap = ds.getUint(Keys.maxFundingFactorPerSecondKey(m.marketToken, longsPay));
        if (cap != 0 && f > cap) f = cap;
    }

    /// Funding accumulators as of now (stored values plus what accrued since FUNDING_UPDATED_AT).
    function currentFunding(IDataStore ds, Market.Props memory m) internal view returns (Funding memory fu) {
        address mk = m.marketToken;
        fu.costLong = ds.getUint(Keys.fundingCostPerSizeKey(mk, true));
        fu.costShort = ds.getUint(Keys.fundingCostPerSizeKey(mk, false));
        fu.claimLong = ds.getUint(Keys.fundingClaimPerSizeKey(mk, true));
        fu.claimShort = ds.getUint(Keys.fundingClaimPerSizeKey(mk, false));
        (fu.longsPayShorts, fu.factorPerSecond) = fundingRate(ds, m);
        uint256 updatedAt = ds.getUint(Keys.fundingUpdatedAtKey(mk));
        if (updatedAt == 0 || block.timestamp <= updatedAt || fu.factorPerSecond == 0) return fu;
        uint256 dt = block.timestamp - updatedAt;
        uint256 paid = fu.factorPerSecond * dt;
        uint256 longOi = openInterest(ds, m, true);
        uint256 shortOi = openInterest(ds, m, false);
        if (fu.longsPayShorts) {
            fu.costLong += paid;
            if (shortOi > 0) fu.claimShort += paid * longOi / shortOi;
        } else {
            fu.costShort += paid;
            if (longOi > 0) fu.claimLong += paid * shortOi / longOi;
        }
    }

    function currentCumulativeBorrowing(IDataStore ds, address market, bool isLong) internal view returns (uint256) {
        uint256 cum = ds.getUint(Keys.cumulativeBorrowingFactorKey(market, isLong));
        uint256 updatedAt = ds.getUint(Keys.cumulativeBorrowingFactorUpdatedAtKey(market, isLong));
        if (updatedAt == 0 || block.timestamp <= updatedAt) return cum;
        return cum + ds.getUint(Keys.borrowingFactorKey(market, isLong)) * (block.timestamp - updatedAt);
    }

    /// Settles funding and borrowing accumulators to now; call before any open-interest change.
    function updateMarket(IDataStore ds, Market.Props memory m) internal {
        Funding memory fu = currentFunding(ds, m);
        address mk = m.marketToken;
        ds.setUint(Keys.fundingCostPerSizeKey(mk, true), fu.costLong);
        ds.setUint(Keys.fundingCostPerSizeKey(mk, false), fu.costShort);
        ds.setUint(Keys.fundingClaimPerSizeKey(mk, true), fu.claimLong);
        ds.setUint(Keys.fundingClaimPerSizeKey(mk, false), fu.claimShort);
        ds.setUint(Keys.fundingUpdatedAtKey(mk), block.timestamp);
        for (uint256 i = 0; i < 2; i++) {
            bool isLong = i == 0;
            ds.setUint(Keys.cumulativeBorrowingFactorKey(mk, isLong), currentCumulativeBorrowing(ds, mk, isLong));
            ds.setUint(Keys.cumulativeBorrowingFactorUpdatedAtKey(mk, isLong), block.timestamp);
        }
    }

    /// Pending funding cost, funding income and borrowing fee of a position, in USD (1e30).
    function pendingFees(IDataStore ds, Market.Props memory m, Position.Props memory p)
        internal view returns (uint256 fundingCostUsd, uint256 fundingClaimUsd, uint256 borrowingUsd)
    {
        if (p.numbers.sizeInUsd == 0) return (0, 0, 0);
        Funding memory fu = currentFunding(ds, m);
        bool isLong = p.flags.isLong;
        uint256 costNow = isLong ? fu.costLong : fu.costShort;
        uint256 claimNow = isLong ? fu.claimLong : fu.claimShort;
        uint256 claimSnap = p.addresses.collateralToken == m.longToken
            ? p.numbers.longTokenClaimableFundingAmountPerSize
            : p.numbers.shortTokenClaimableFundingAmountPerSize;
        fundingCostUsd = p.numbers.sizeInUsd * (costNow - p.numbers.fundingFeeAmountPerSize) / FLOAT;
        fundingClaimUsd = p.numbers.sizeInUsd * (claimNow - claimSnap) / FLOAT;
        uint256 cum = currentCumulativeBorrowing(ds, m.marketToken, isLong);
        borrowingUsd = p.numbers.sizeInUsd * (cum - p.numbers.borrowingFactor) / FLOAT;
    }

    /// PnL of (part of) a position at a price, in USD (1e30): shorts gain as the price falls.
    function pnlUsd(Position.Props memory p, uint256 price, uint256 sizeDeltaUsd) internal pure returns (int256) {
        if (p.numbers.sizeInUsd == 0) return 0;
        uint256 tokens = sizeDeltaUsd == p.numbers.sizeInUsd
            ? p.numbers.sizeInTokens
            : p.numbers.sizeInTokens * sizeDeltaUsd / p.numbers.sizeInUsd;
        int256 value = int256(tokens * price);
        return p.flags.isLong ? value - int256(sizeDeltaUsd) : int256(sizeDeltaUsd) - value;
    }

    function usdToTokensUp(uint256 usd, uint256 price) internal pure returns (uint256) {
        return usd == 0 ? 0 : (usd + price - 1) / price;
    }
}
