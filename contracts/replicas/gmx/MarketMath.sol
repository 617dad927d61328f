// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import "../../interfaces/gmx/IDataStore.sol";
import "../../interfaces/gmx/GmxTypes.sol";
import "./Keys.sol";

/// Market state the OrderHandler writes and the Reader reports: funding per collateral token and borrowing,
/// under GMX's DataStore keys and in GMX's units (USD 1e30, factors 1e30, funding per size x 1e45).
///
/// Funding, as GMX's MarketUtils accounts it:
/// - Static mode: f = min(FUNDING_FACTOR x |L - S| / (L + S), MAX_FUNDING_FACTOR_PER_SECOND(payer)), longs pay
///   when L > S (FUNDING_EXPONENT_FACTOR is seeded 1; no adaptive mode).
/// - Per update, fundingUsd = largerSide x f x dt / divisor is split by the payers' collateral groups; the payers
///   of each group accrue FUNDING_FEE_AMOUNT_PER_SIZE(m, theirCollateral, side) in their own token (rounded up),
///   the receivers accrue CLAIMABLE_FUNDING_AMOUNT_PER_SIZE(m, token, side) in both tokens (rounded down).
///   A per-size value is tokens x FLOAT_PRECISION x FLOAT_PRECISION_SQRT per USD of size (1e30): a position's
///   amount is sizeInUsd x (latest - snapshot) / 1e45.
/// - Single-token markets (long token == short token): OI and pool per collateral are divided by 2 and both
///   halves go to the same key (GMX's "incremented twice"), so a position pays and earns the full amount.
/// - USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE: the OI that sets the skew (rate, payer) and the funding split is
///   OPEN_INTEREST_IN_TOKENS x the index mid price, as the SDK's getOpenInterestForBalance reads it (price impact,
///   the flag's other use, is zero in the replica).
/// Borrowing: BORROWING_FACTOR(m, side) is a per-second rate accruing into CUMULATIVE_BORROWING_FACTOR; with
/// SKIP_BORROWING_FEE_FOR_SMALLER_SIDE the side with less USD OI pays 0, and a side without OI pays 0.
library MarketMath {
    uint256 internal constant FLOAT = 1e30;
    uint256 internal constant FLOAT_SQRT = 1e15;
    uint256 internal constant PER_SIZE = 1e45;   // FLOAT x FLOAT_SQRT

    bytes32 internal constant FUNDING_FEE_AMOUNT_PER_SIZE = keccak256(abi.encode("FUNDING_FEE_AMOUNT_PER_SIZE"));
    bytes32 internal constant CLAIMABLE_FUNDING_AMOUNT_PER_SIZE =
        keccak256(abi.encode("CLAIMABLE_FUNDING_AMOUNT_PER_SIZE"));
    bytes32 internal constant SKIP_BORROWING_FEE_FOR_SMALLER_SIDE =
        keccak256(abi.encode("SKIP_BORROWING_FEE_FOR_SMALLER_SIDE"));
    bytes32 internal constant USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE =
        keccak256(abi.encode("USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE"));

    function fundingFeeAmountPerSizeKey(address market, address collateralToken, bool isLong)
        internal pure returns (bytes32)
    {
        return keccak256(abi.encode(FUNDING_FEE_AMOUNT_PER_SIZE, market, collateralToken, isLong));
    }

    function claimableFundingAmountPerSizeKey(address market, address collateralToken, bool isLong)
        internal pure returns (bytes32)
    {
        return keccak256(abi.encode(CLAIMABLE_FUNDING_AMOUNT_PER_SIZE, market, collateralToken, isLong));
    }

    /// The pool-level total of funding claimable in `token` (GMX's claimableFundingAmountKey(market, token)).
    function claimableFundingPoolKey(address market, address token) internal pure returns (bytes32) {
        return keccak256(abi.encode(Keys.CLAIMABLE_FUNDING_AMOUNT, market, token));
    }

    function divisor(Market.Props memory m) internal pure returns (uint256) {
        return m.longToken == m.shortToken ? 2 : 1;
    }

    // ------------------------------------------------------------------ open interest
    /// OPEN_INTEREST(m, collateral, side) / divisor, USD 1e30.
    function openInterestFor(IDataStore ds, Market.Props memory m, address collateral, bool isLong)
        internal view returns (uint256)
    {
        return ds.getUint(Keys.openInterestKey(m.marketToken, collateral, isLong)) / divisor(m);
    }

    /// GMX's getOpenInterest(market, isLong): both collateral groups, divided for single-token markets.
    function openInterest(IDataStore ds, Market.Props memory m, bool isLong) internal view returns (uint256) {
        return openInterestFor(ds, m, m.longToken, isLong) + openInterestFor(ds, m, m.shortToken, isLong);
    }

    function openInterestInTokens(IDataStore ds, Market.Props memory m, bool isLong) internal view returns (uint256) {
        uint256 d = divisor(m);
        return ds.getUint(Keys.openInterestInTokensKey(m.marketToken, m.longToken, isLong)) / d
            + ds.getUint(Keys.openInterestInTokensKey(m.marketToken, m.shortToken, isLong)) / d;
    }

    /// One collateral group's OI for the funding balance: USD, or tokens x index mid price when
    /// USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE is set.
    function balanceOpenInterestFor(IDataStore ds, Market.Props memory m, Price.Props memory index, address collateral,
                                    bool isLong) internal view returns (uint256) {
        if (!ds.getBool(USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE)) return openInterestFor(ds, m, collateral, isLong);
        uint256 tokens = ds.getUint(Keys.openInterestInTokensKey(m.marketToken, collateral, isLong)) / divisor(m);
        return tokens * ((index.min + index.max) / 2);
    }

    // ------------------------------------------------------------------ funding
    struct OpenInterests {
        MarketUtils.PositionType byCollateral;   // side x collateral group
        uint256 longOi;
        uint256 shortOi;
    }

    function balanceOpenInterests(IDataStore ds, Market.Props memory m, Price.Props memory index)
        internal view returns (OpenInterests memory oi)
    {
        oi.byCollateral.long.longToken = balanceOpenInterestFor(ds, m, index, m.longToken, true);
        oi.byCollateral.long.shortToken = balanceOpenInterestFor(ds, m, index, m.shortToken, true);
        oi.byCollateral.short.longToken = balanceOpenInterestFor(ds, m, index, m.longToken, false);
        oi.byCollateral.short.shortToken = balanceOpenInterestFor(ds, m, index, m.shortToken, false);
        oi.longOi = oi.byCollateral.long.longToken + oi.byCollateral.long.shortToken;
        oi.shortOi = oi.byCollateral.short.longToken + oi.byCollateral.short.shortToken;
    }

    function fundingRate(IDataStore ds, Market.Props memory m, uint256 longOi, uint256 shortOi)
        internal view returns (bool longsPay, uint256 f)
    {
        uint256 total = longOi + shortOi;
        longsPay = longOi > shortOi;
        if (total == 0 || longOi == shortOi) return (longsPay, 0);
        uint256 diff = longsPay ? longOi - shortOi : shortOi - longOi;
        f = ds.getUint(Keys.fundingFactorKey(m.marketToken)) * diff / total;
        uint256 cap = ds.getUint(Keys.maxFundingFactorPerSecondKey(m.marketToken, longsPay));
        if (cap != 0 && f > cap) f = cap;
    }

    /// GMX's getNextFundingAmountPerSize: the rate now and the per-size deltas since FUNDING_UPDATED_AT.
    function nextFunding(IDataStore ds, Market.Props memory m, MarketUtils.MarketPrices memory prices)
        internal view returns (MarketUtils.GetNextFundingAmountPerSizeResult memory r)
    {
        OpenInterests memory oi = balanceOpenInterests(ds, m, prices.indexTokenPrice);
        if (oi.longOi == 0 || oi.shortOi == 0) return r;
        (r.longsPayShorts, r.fundingFactorPerSecond) = fundingRate(ds, m, oi.longOi, oi.shortOi);
        r.nextSavedFundingFactorPerSecond = r.longsPayShorts
            ? int256(r.fundingFactorPerSecond) : -int256(r.fundingFactorPerSecond);
        uint256 updatedAt = ds.getUint(Keys.fundingUpdatedAtKey(m.marketToken));
        if (updatedAt == 0 || block.timestamp <= updatedAt || r.fundingFactorPerSecond == 0) return r;
        uint256 larger = r.longsPayShorts ? oi.longOi : oi.shortOi;
        uint256 fundingUsd = larger * (r.fundingFactorPerSecond * (block.timestamp - updatedAt)) / FLOAT / divisor(m);
        MarketUtils.CollateralType memory payers = r.longsPayShorts ? oi.byCollateral.long : oi.byCollateral.short;
        uint256 payingOi = r.longsPayShorts ? oi.longOi : oi.shortOi;
        uint256 receivingOi = r.longsPayShorts ? oi.shortOi : oi.longOi;
        uint256 usdForLongToken = fundingUsd * payers.longToken / payingOi;
        uint256 usdForShortToken = fundingUsd * payers.shortToken / payingOi;
        MarketUtils.CollateralType memory fee = MarketUtils.CollateralType(
            perSizeDelta(usdForLongToken, payers.longToken, prices.longTokenPrice.max, true),
            perSizeDelta(usdForShortToken, payers.shortToken, prices.shortTokenPrice.max, true));
        MarketUtils.CollateralType memory claim = MarketUtils.CollateralType(
            perSizeDelta(usdForLongToken, receivingOi, prices.longTokenPrice.max, false),
            perSizeDelta(usdForShortToken, receivingOi, prices.shortTokenPrice.max, false));
        if (r.longsPayShorts) {
            r.fundingFeeAmountPerSizeDelta.long = fee;
            r.claimableFundingAmountPerSizeDelta.short = claim;
        } else {
            r.fundingFeeAmountPerSizeDelta.short = fee;
            r.claimableFundingAmountPerSizeDelta.long = claim;
        }
    }

    /// GMX's getFundingAmountPerSizeDelta: tokens x 1e45 per USD (1e30) of size.
    function perSizeDelta(uint256 fundingUsd, uint256 oi, uint256 tokenPrice, bool roundUp)
        internal pure returns (uint256)
    {
        if (fundingUsd == 0 || oi == 0) return 0;
        uint256 usdPerSize = fundingUsd * FLOAT / oi;          // USD per USD of size, 1e30
        if (roundUp && usdPerSize * oi < fundingUsd * FLOAT) usdPerSize += 1;
        uint256 scaled = usdPerSize * FLOAT_SQRT;
        return roundUp ? (scaled + tokenPrice - 1) / tokenPrice : scaled / tokenPrice;
    }

    function _get(MarketUtils.PositionType memory t, Market.Props memory m, address token, bool isLong)
        private pure returns (uint256)
    {
        MarketUtils.CollateralType memory c = isLong ? t.long : t.short;
        if (m.longToken == m.shortToken) return c.longToken + c.shortToken;   // both halves land on one key
        return token == m.longToken ? c.longToken : c.shortToken;
    }

    /// The stored per-size values (MarketInfo.baseFunding).
    function baseFunding(IDataStore ds, Market.Props memory m) internal view returns (ReaderUtils.BaseFundingValues memory b) {
        address mk = m.marketToken;
        b.fundingFeeAmountPerSize.long = MarketUtils.CollateralType(
            ds.getUint(fundingFeeAmountPerSizeKey(mk, m.longToken, true)),
            ds.getUint(fundingFeeAmountPerSizeKey(mk, m.shortToken, true)));
        b.fundingFeeAmountPerSize.short = MarketUtils.CollateralType(
            ds.getUint(fundingFeeAmountPerSizeKey(mk, m.longToken, false)),
            ds.getUint(fundingFeeAmountPerSizeKey(mk, m.shortToken, false)));
        b.claimableFundingAmountPerSize.long = MarketUtils.CollateralType(
            ds.getUint(claimableFundingAmountPerSizeKey(mk, m.longToken, true)),
            ds.getUint(claimableFundingAmountPerSizeKey(mk, m.shortToken, true)));
        b.claimableFundingAmountPerSize.short = MarketUtils.CollateralType(
            ds.getUint(claimableFundingAmountPerSizeKey(mk, m.longToken, false)),
            ds.getUint(claimableFundingAmountPerSizeKey(mk, m.shortToken, false)));
    }

    /// Latest per-size values as of now for a position of (collateral, side): fee in its collateral token,
    /// claimables in the long and the short token.
    struct Latest {
        uint256 fundingFeeAmountPerSize;
        uint256 longTokenClaimablePerSize;
        uint256 shortTokenClaimablePerSize;
    }

    function latestFunding(IDataStore ds, Market.Props memory m, MarketUtils.MarketPrices memory prices,
                           address collateral, bool isLong) internal view returns (Latest memory l) {
        MarketUtils.GetNextFundingAmountPerSizeResult memory n = nextFunding(ds, m, prices);
        address mk = m.marketToken;
        l.fundingFeeAmountPerSize = ds.getUint(fundingFeeAmountPerSizeKey(mk, collateral, isLong))
            + _get(n.fundingFeeAmountPerSizeDelta, m, collateral, isLong);
        l.longTokenClaimablePerSize = ds.getUint(claimableFundingAmountPerSizeKey(mk, m.longToken, isLong))
            + _get(n.claimableFundingAmountPerSizeDelta, m, m.longToken, isLong);
        l.shortTokenClaimablePerSize = ds.getUint(claimableFundingAmountPerSizeKey(mk, m.shortToken, isLong))
            + _get(n.claimableFundingAmountPerSizeDelta, m, m.shortToken, isLong);
    }

    /// GMX's getFundingAmount: sizeInUsd x (latest - snapshot) / 1e45, fees rounded up, claims down.
    function fundingAmount(uint256 latest, uint256 snapshot, uint256 sizeInUsd, bool roundUp)
        internal pure returns (uint256)
    {
        if (latest <= snapshot) return 0;
        uint256 x = sizeInUsd * (latest - snapshot);
        return roundUp ? (x + PER_SIZE - 1) / PER_SIZE : x / PER_SIZE;
    }

    // ------------------------------------------------------------------ borrowing
    /// The borrowing rate per second a side pays now (MarketInfo.borrowingFactorPerSecondFor{Longs,Shorts}).
    function borrowingFactorPerSecond(IDataStore ds, Market.Props memory m, bool isLong) internal view returns (uint256) {
        uint256 own = openInterest(ds, m, isLong);
        if (own == 0) return 0;
        if (ds.getBool(SKIP_BORROWING_FEE_FOR_SMALLER_SIDE) && own < openInterest(ds, m, !isLong)) return 0;
        return ds.getUint(Keys.borrowingFactorKey(m.marketToken, isLong));
    }

    function currentCumulativeBorrowing(IDataStore ds, Market.Props memory m, bool isLong) internal view returns (uint256) {
        address market = m.marketToken;
        uint256 cum = ds.getUint(Keys.cumulativeBorrowingFactorKey(market, isLong));
        uint256 updatedAt = ds.getUint(Keys.cumulativeBorrowingFactorUpdatedAtKey(market, isLong));
        if (updatedAt == 0 || block.timestamp <= updatedAt) return cum;
        return cum + borrowingFactorPerSecond(ds, m, isLong) * (block.timestamp - updatedAt);
    }

    // ------------------------------------------------------------------ updates
    /// GMX's updateFundingState and updateCumulativeBorrowingFactor: settle to now; call before any OI change.
    function updateMarket(IDataStore ds, Market.Props memory m, MarketUtils.MarketPrices memory prices) internal {
        MarketUtils.GetNextFundingAmountPerSizeResult memory n = nextFunding(ds, m, prices);
        address mk = m.marketToken;
        for (uint256 i = 0; i < 4; i++) {
            bool isLong = i < 2;
            address token = i % 2 == 0 ? m.longToken : m.shortToken;
            MarketUtils.CollateralType memory fee = isLong ? n.fundingFeeAmountPerSizeDelta.long
                                                            : n.fundingFeeAmountPerSizeDelta.short;
            MarketUtils.CollateralType memory claim = isLong ? n.claimableFundingAmountPerSizeDelta.long
                                                              : n.claimableFundingAmountPerSizeDelta.short;
            uint256 feeDelta = i % 2 == 0 ? fee.longToken : fee.shortToken;
            uint256 claimDelta = i % 2 == 0 ? claim.longToken : claim.shortToken;
            if (feeDelta > 0) ds.incrementUint(fundingFeeAmountPerSizeKey(mk, token, isLong), feeDelta);
            if (claimDelta > 0) ds.incrementUint(claimableFundingAmountPerSizeKey(mk, token, isLong), claimDelta);
        }
        ds.setUint(Keys.fundingUpdatedAtKey(mk), block.timestamp);
        for (uint256 i = 0; i < 2; i++) {
            bool isLong = i == 0;
            ds.setUint(Keys.cumulativeBorrowingFactorKey(mk, isLong), currentCumulativeBorrowing(ds, m, isLong));
            ds.setUint(Keys.cumulativeBorrowingFactorUpdatedAtKey(mk, isLong), block.timestamp);
        }
    }

    // ------------------------------------------------------------------ a position's pending fees
    struct PendingFees {
        Latest latest;
        uint256 fundingFeeAmount;            // collateral-token units owed
        uint256 claimableLongTokenAmount;    // long-token units earned
        uint256 claimableShortTokenAmount;   // short-token units earned
        uint256 borrowingUsd;
    }

    function pendingFees(IDataStore ds, Market.Props memory m, MarketUtils.MarketPrices memory prices,
                         Position.Props memory p) internal view returns (PendingFees memory f) {
        bool isLong = p.flags.isLong;
        f.latest = latestFunding(ds, m, prices, p.addresses.collateralToken, isLong);
        if (p.numbers.sizeInUsd == 0) return f;
        uint256 size = p.numbers.sizeInUsd;
        f.fundingFeeAmount = fundingAmount(f.latest.fundingFeeAmountPerSize, p.numbers.fundingFeeAmountPerSize, size, true);
        f.claimableLongTokenAmount = fundingAmount(f.latest.longTokenClaimablePerSize,
                                                   p.numbers.longTokenClaimableFundingAmountPerSize, size, false);
        f.claimableShortTokenAmount = fundingAmount(f.latest.shortTokenClaimablePerSize,
                                                    p.numbers.shortTokenClaimableFundingAmountPerSize, size, false);
        uint256 cum = currentCumulativeBorrowing(ds, m, isLong);
        f.borrowingUsd = size * (cum - p.numbers.borrowingFactor) / FLOAT;
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
