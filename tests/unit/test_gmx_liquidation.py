"""GMX's liquidation price against hand computations from ``PositionUtils.isPositionLiquidatable`` (pure, ms).

The worked example: a 10,000 USD ETH short (4 ETH at 2,500), 2,000 USDC collateral at 1 USD, 3 USDC of
funding owed, 2 USD of borrowing, a 6 bps closing fee (6 USD), MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION 0.5 %
(50 USD), a closing impact of -15 USD and a pending impact of -0.002 ETH (-5 USD at 2,500):

    remaining(P) = 2000 + (10000 - 4 P) - 20 - 11 = 11969 - 4 P;  remaining(P) = 50  =>  P = 2979.75
"""

from __future__ import annotations

from dataclasses import replace

from hedgefi.venues.gmx.liquidation import (LiquidationInputs, LiquidationParams, inputs_from_position_info,
                                            liquidation_price_e30, remaining_collateral_usd,
                                            required_collateral_usd)

USD = 10**30
ETH_E30 = 10**12          # 1 USD per ETH, per wei, x 1e30
USDC_E30 = 10**24         # 1 USD per USDC unit (6 decimals), x 1e30

SHORT = LiquidationInputs(
    is_long=False, size_usd_e30=10_000 * USD, size_tokens_raw=4 * 10**18, collateral_raw=2_000 * 10**6,
    collateral_price_min_e30=USDC_E30, collateral_is_index=False, funding_fee_amount_raw=3 * 10**6,
    borrowing_fee_usd_raw=2 * USD, close_impact_usd_raw=-15 * USD, pending_impact_amount_raw=-2 * 10**15,
    index_price_min_e30=2_500 * ETH_E30, index_price_max_e30=2_500 * ETH_E30)
PARAMS = LiquidationParams(min_collateral_factor_for_liquidation=5 * 10**27,        # 0.5 %
                           max_position_impact_factor_for_liquidations=10**28,       # 1 %
                           closing_fee_factor=6 * 10**26,                            # 0.06 %
                           min_collateral_usd_raw=1 * USD)


def test_short_with_usdc_collateral_matches_the_hand_computation() -> None:
    p = liquidation_price_e30(SHORT, PARAMS)
    assert p == 2_979_750 * 10**9                     # 2979.75 USD per ETH
    # at that price the Solidity check's remaining collateral sits exactly on the threshold; one unit above liquidates
    assert remaining_collateral_usd(SHORT, PARAMS, p) == required_collateral_usd(SHORT, PARAMS) == 50 * USD
    assert remaining_collateral_usd(SHORT, PARAMS, p + 1) < required_collateral_usd(SHORT, PARAMS)


def test_negative_impact_is_capped_by_the_liquidation_factor() -> None:
    x = replace(SHORT, close_impact_usd_raw=-500 * USD)      # -505 counted as -100 (1 % of 10,000)
    assert liquidation_price_e30(x, PARAMS) == 2_959_750 * 10**9      # (11889 - 50) / 4


def test_positive_impact_counts_as_zero() -> None:
    x = replace(SHORT, close_impact_usd_raw=30 * USD)        # +30 - 5 = +25: not counted
    assert liquidation_price_e30(x, PARAMS) == 2_984_750 * 10**9      # (11989 - 50) / 4


def test_min_collateral_usd_binds_when_larger_than_the_factor() -> None:
    params = replace(PARAMS, min_collateral_usd_raw=80 * USD)
    assert liquidation_price_e30(SHORT, params) == 2_972_250 * 10**9  # (11969 - 80) / 4


def test_liquidation_factor_not_the_opening_factor() -> None:
    params = replace(PARAMS, min_collateral_factor_for_liquidation=10**28)   # 1 %: 100 USD
    assert liquidation_price_e30(SHORT, params) == 2_967_250 * 10**9  # (11969 - 100) / 4


def test_long_with_index_collateral_values_the_collateral_at_the_liquidation_price() -> None:
    x = LiquidationInputs(
        is_long=True, size_usd_e30=10_000 * USD, size_tokens_raw=4 * 10**18, collateral_raw=8 * 10**17,
        collateral_price_min_e30=2_500 * ETH_E30, collateral_is_index=True, funding_fee_amount_raw=10**15,
        borrowing_fee_usd_raw=2 * USD, close_impact_usd_raw=0, pending_impact_amount_raw=0,
        index_price_min_e30=2_500 * ETH_E30, index_price_max_e30=2_500 * ETH_E30)
    # 0.8 P + 4 P - 10000 - (2.5 + 2 + 6) = 50  =>  P = 10060.5 / 4.8 = 2095.9375
    assert liquidation_price_e30(x, PARAMS) == 20_959_375 * 10**8
    assert remaining_collateral_usd(x, PARAMS, 20_959_375 * 10**8 - 1) < 50 * USD


def test_claimable_funding_is_not_collateral() -> None:
    def info(claim_long: int, claim_short: int) -> dict[str, object]:
        return {"position": {"numbers": {"sizeInUsd": SHORT.size_usd_e30, "sizeInTokens": SHORT.size_tokens_raw,
                                         "collateralAmount": SHORT.collateral_raw,
                                         "pendingImpactAmount": SHORT.pending_impact_amount_raw},
                             "flags": {"isLong": False}},
                "fees": {"funding": {"fundingFeeAmount": SHORT.funding_fee_amount_raw,
                                     "claimableLongTokenAmount": claim_long, "claimableShortTokenAmount": claim_short},
                         "borrowing": {"borrowingFeeUsd": SHORT.borrowing_fee_usd_raw}},
                "executionPriceResult": {"priceImpactUsd": SHORT.close_impact_usd_raw}}

    def price(claim_long: int, claim_short: int) -> int | None:
        x = inputs_from_position_info(info(claim_long, claim_short), USDC_E30, False, 2_500 * ETH_E30, 2_500 * ETH_E30)
        return liquidation_price_e30(x, PARAMS)

    assert price(0, 0) == price(10**15, 500 * 10**6) == liquidation_price_e30(SHORT, PARAMS)


def test_no_liquidation_price_when_no_positive_price_liquidates() -> None:
    # a long whose collateral alone covers the threshold at any price: remaining(P) >= required for P >= 0
    x = replace(SHORT, is_long=True, collateral_raw=20_000 * 10**6, close_impact_usd_raw=0, pending_impact_amount_raw=0)
    assert liquidation_price_e30(x, PARAMS) is None
    assert liquidation_price_e30(replace(SHORT, size_tokens_raw=0), PARAMS) is None
