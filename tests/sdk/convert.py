"""Chain integers -> the SDK's plain numbers, in one place (reference §2 and §6.8, "SDK units and traps").

Every converter names the on-chain unit it takes (``_e10`` = 1e10, ``_pct_e10`` = percent x 1e10 ...) and
returns a ``Decimal`` in the unit ``@gainsnetwork/sdk`` 1.8.7 expects (its ``convert*`` functions divide
by the same powers). The builders put the decoded on-chain structs into the SDK's shapes: ``Trade``,
``TradeInfo``, ``TradeFeesData``, ``LiquidationParams``, ``Fee`` and the funding / borrowing-v2 / skew
sub-contexts. Decimal only: the bridge writes these digits into JSON as they are.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

D = Decimal


def _div(raw: int, scale: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return D(int(raw)) / D(scale)


# ------------------------------------------------------------------ scalars
def price_from_e10(raw: int) -> Decimal:                      # prices, liquidation price
    return _div(raw, 10**10)


def leverage_from_e3(raw: int) -> Decimal:                    # leverage, liq-param leverages
    return _div(raw, 10**3)


def collateral_from_raw(raw: int, decimals: int) -> Decimal:  # collateral amounts (USDC 1e6)
    return _div(raw, 10**decimals)


def tokens_from_e18(raw: int) -> Decimal:                     # positionSizeToken, v10 OI tokens, skew depth
    return _div(raw, 10**18)


def fraction_from_pct_e10(raw: int) -> Decimal:               # fee-group percents, liquidation params: ÷1e12
    return _div(raw, 10**12)


def percent_from_pct_e10(raw: int) -> Decimal:                # spreadP for the price-impact functions: ÷1e10
    return _div(raw, 10**10)


def usd_from_e3(raw: int) -> Decimal:                         # FeeGroup.minPositionSizeUsd
    return _div(raw, 10**3)


def usd_from_e8(raw: int) -> Decimal:                         # collateralPriceUsd
    return _div(raw, 10**8)


def acc_from_e20(raw: int) -> Decimal:                        # funding / borrowing-v2 accumulators
    return _div(raw, 10**20)


def funding_rate_from_e18(raw: int) -> Decimal:               # (current|last)FundingRatePerSecondP, % / s
    return _div(raw, 10**18)


def rate_cap_from_e10(raw: int) -> Decimal:                   # absoluteRatePerSecondCap, borrowingRatePerSecondP
    return _div(raw, 10**10)


def skew_coefficient_from_e26(raw: int) -> Decimal:
    return _div(raw, 10**26)


def velocity_cap_from_e7(raw: int) -> Decimal:
    return _div(raw, 10**7)


def slippage_from_e3(raw: int) -> Decimal:                    # maxSlippageP, percent x 1e3
    return _div(raw, 10**3)


# ------------------------------------------------------------------ structs
def sdk_trade(t: dict[str, Any], decimals: int) -> dict[str, Any]:
    return {
        "user": str(t["user"]), "index": int(t["index"]), "pairIndex": int(t["pairIndex"]),
        "leverage": leverage_from_e3(t["leverage"]), "long": bool(t["long"]), "isOpen": bool(t["isOpen"]),
        "collateralIndex": int(t["collateralIndex"]), "tradeType": int(t["tradeType"]),
        "collateralAmount": collateral_from_raw(t["collateralAmount"], decimals),
        "openPrice": price_from_e10(t["openPrice"]), "sl": price_from_e10(t["sl"]), "tp": price_from_e10(t["tp"]),
        "isCounterTrade": bool(t["isCounterTrade"]), "positionSizeToken": tokens_from_e18(t["positionSizeToken"]),
    }


def sdk_trade_info(i: dict[str, Any]) -> dict[str, Any]:
    return {
        "createdBlock": int(i["createdBlock"]), "tpLastUpdatedBlock": int(i["tpLastUpdatedBlock"]),
        "slLastUpdatedBlock": int(i["slLastUpdatedBlock"]), "maxSlippageP": slippage_from_e3(i["maxSlippageP"]),
        "lastOiUpdateTs": int(i["lastOiUpdateTs"]), "collateralPriceUsd": usd_from_e8(i["collateralPriceUsd"]),
        "contractsVersion": int(i["contractsVersion"]), "lastPosIncreaseBlock": int(i["lastPosIncreaseBlock"]),
    }


def sdk_trade_fees_data(f: dict[str, Any], decimals: int) -> dict[str, Any]:
    return {
        "realizedTradingFeesCollateral": collateral_from_raw(f["realizedTradingFeesCollateral"], decimals),
        "realizedPnlCollateral": collateral_from_raw(f["realizedPnlCollateral"], decimals),
        "manuallyRealizedNegativePnlCollateral": collateral_from_raw(f["manuallyRealizedNegativePnlCollateral"],
                                                                     decimals),
        "alreadyTransferredNegativePnlCollateral": collateral_from_raw(f["alreadyTransferredNegativePnlCollateral"],
                                                                       decimals),
        "virtualAvailableCollateralInDiamond": collateral_from_raw(f["virtualAvailableCollateralInDiamond"], decimals),
        "initialAccFundingFeeP": acc_from_e20(f["initialAccFundingFeeP"]),
        "initialAccBorrowingFeeP": acc_from_e20(f["initialAccBorrowingFeeP"]),
    }


def sdk_liquidation_params(p: dict[str, Any]) -> dict[str, Any]:
    """As the SDK's ``convertLiquidationParams``: a zero threshold reads as the legacy 0.9."""
    return {
        "maxLiqSpreadP": fraction_from_pct_e10(p["maxLiqSpreadP"]),
        "startLiqThresholdP": fraction_from_pct_e10(p["startLiqThresholdP"]) or D("0.9"),
        "endLiqThresholdP": fraction_from_pct_e10(p["endLiqThresholdP"]) or D("0.9"),
        "startLeverage": leverage_from_e3(p["startLeverage"]), "endLeverage": leverage_from_e3(p["endLeverage"]),
    }


def sdk_fee(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "totalPositionSizeFeeP": fraction_from_pct_e10(f["totalPositionSizeFeeP"]),
        "totalLiqCollateralFeeP": fraction_from_pct_e10(f["totalLiqCollateralFeeP"]),
        "oraclePositionSizeFeeP": fraction_from_pct_e10(f["oraclePositionSizeFeeP"]),
        "minPositionSizeUsd": usd_from_e3(f["minPositionSizeUsd"]),
    }


def sdk_global_trade_fee_params(g: dict[str, Any] | None) -> dict[str, Any]:
    keys = ("referralFeeP", "govFeeP", "triggerOrderFeeP", "gnsOtcFeeP", "gTokenFeeP")
    return {k: fraction_from_pct_e10(int(g[k])) if g else D(0) for k in keys}


def sdk_funding_params(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "skewCoefficientPerYear": skew_coefficient_from_e26(p["skewCoefficientPerYear"]),
        "absoluteVelocityPerYearCap": velocity_cap_from_e7(p["absoluteVelocityPerYearCap"]),
        "absoluteRatePerSecondCap": rate_cap_from_e10(p["absoluteRatePerSecondCap"]),
        "thetaThresholdUsd": D(int(p["thetaThresholdUsd"])),
        "fundingFeesEnabled": bool(p["fundingFeesEnabled"]), "aprMultiplierEnabled": bool(p["aprMultiplierEnabled"]),
    }


def sdk_funding_data(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "accFundingFeeLongP": acc_from_e20(d["accFundingFeeLongP"]),
        "accFundingFeeShortP": acc_from_e20(d["accFundingFeeShortP"]),
        "lastFundingRatePerSecondP": funding_rate_from_e18(d["lastFundingRatePerSecondP"]),
        "lastFundingUpdateTs": int(d["lastFundingUpdateTs"]),
    }


def sdk_pair_oi_token(o: dict[str, Any]) -> dict[str, Any]:
    return {"oiLongToken": tokens_from_e18(o["oiLongToken"]), "oiShortToken": tokens_from_e18(o["oiShortToken"])}


def sdk_funding_context(params: dict[str, Any], data: dict[str, Any], oi_token: dict[str, Any],
                        timestamp: int) -> dict[str, Any]:
    """``GetPairFundingFeeContext``: params, data, the pair's v10 token OI and its net exposure (long - short)."""
    oi = sdk_pair_oi_token(oi_token)
    return {"currentTimestamp": timestamp, "params": sdk_funding_params(params), "data": sdk_funding_data(data),
            "pairOi": oi, "netExposureToken": oi["oiLongToken"] - oi["oiShortToken"]}


def sdk_borrowing_context(params: dict[str, Any], data: dict[str, Any], timestamp: int) -> dict[str, Any]:
    """``GetPairBorrowingFeeV2Context``."""
    return {"currentTimestamp": timestamp,
            "params": {"borrowingRatePerSecondP": rate_cap_from_e10(params["borrowingRatePerSecondP"])},
            "data": {"accBorrowingFeeP": acc_from_e20(data["accBorrowingFeeP"]),
                     "lastBorrowingUpdateTs": int(data["lastBorrowingUpdateTs"])}}


def sdk_skew_context(skew_depth_e18: int, oi_token: dict[str, Any]) -> dict[str, Any]:
    return {"skewDepth": tokens_from_e18(skew_depth_e18), "pairOiToken": sdk_pair_oi_token(oi_token)}


def sdk_trading_context(fee: dict[str, Any], global_fees: dict[str, Any] | None) -> dict[str, Any]:
    """``TradingFeesSubContext`` with no fee tier (multiplier 1) and no counter-trade settings."""
    return {"fee": sdk_fee(fee), "globalTradeFeeParams": sdk_global_trade_fee_params(global_fees),
            "traderFeeMultiplier": 1}


__all__ = [n for n in dir() if n.startswith(("sdk_", "price_", "leverage_", "collateral_", "tokens_", "fraction_",
                                            "percent_", "usd_", "acc_", "funding_", "rate_", "skew_", "velocity_",
                                            "slippage_"))]
