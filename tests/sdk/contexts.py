"""The SDK's argument shapes for one trade or planned trade, assembled from ``tests.sdk.chain`` reads.

Each builder takes the raw decoded state (``pair_state`` / ``trade_state``) and returns the JSON the
matching ``@gainsnetwork/sdk`` 1.8.7 function takes (its ``.d.ts`` names the fields); all unit conversion
goes through ``tests.sdk.convert``. The fields each function reads are listed in the builders' docstrings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.sdk import convert as cv

EMPTY_FEES_DATA = {"realizedTradingFeesCollateral": 0, "realizedPnlCollateral": 0,
                   "manuallyRealizedNegativePnlCollateral": 0, "alreadyTransferredNegativePnlCollateral": 0,
                   "virtualAvailableCollateralInDiamond": 0, "initialAccFundingFeeP": 0, "initialAccBorrowingFeeP": 0}
EMPTY_TRADE_INFO = {"createdBlock": 0, "tpLastUpdatedBlock": 0, "slLastUpdatedBlock": 0, "maxSlippageP": 0,
                    "lastOiUpdateTs": 0, "collateralPriceUsd": 0, "contractsVersion": 2, "lastPosIncreaseBlock": 0}
V10 = 2        # ContractsVersion.V10


def decimals(ps: dict[str, Any]) -> int:
    return len(str(int(ps["collateral"]["precision"]))) - 1


def collateral_price_usd(ps: dict[str, Any]) -> Decimal:
    return cv.usd_from_e8(ps["collateral_price_e8"])


def trade(ts: dict[str, Any], ps: dict[str, Any]) -> dict[str, Any]:
    return cv.sdk_trade(ts["trade"], decimals(ps))


def planned_trade(ps: dict[str, Any], pair: int, ci: int, collateral_raw: int, leverage_e3: int,
                  open_price_e10: int) -> dict[str, Any]:
    raw = {"user": "0x0000000000000000000000000000000000000000", "index": 0, "pairIndex": pair,
           "leverage": leverage_e3, "long": False, "isOpen": False, "collateralIndex": ci, "tradeType": 0,
           "collateralAmount": collateral_raw, "openPrice": open_price_e10, "sl": 0, "tp": 0,
           "isCounterTrade": False, "positionSizeToken": 0}
    return cv.sdk_trade(raw, decimals(ps))


def fee_context(ps: dict[str, Any]) -> dict[str, Any]:
    """``getTotalTradeFeesCollateral`` (6th arg): fee {totalPositionSizeFeeP, minPositionSizeUsd},
    collateralPriceUsd, globalTradeFeeParams, traderFeeMultiplier (counterTradeSettings: none)."""
    t = cv.sdk_trading_context(ps["fee"], ps["global_fees"])
    return {**t, "collateralPriceUsd": collateral_price_usd(ps)}


def funding_context(ps: dict[str, Any], timestamp: int) -> dict[str, Any]:
    return cv.sdk_funding_context(ps["funding_params"], ps["funding_data"], ps["oi_token"], timestamp)


def borrowing_context(ps: dict[str, Any], timestamp: int) -> dict[str, Any]:
    return cv.sdk_borrowing_context(ps["borrowing_params"], ps["borrowing_data"], timestamp)


def holding_context(ps: dict[str, Any], timestamp: int, contracts_version: int) -> dict[str, Any]:
    """``getTradePendingHoldingFeesCollateral`` (5th arg): contractsVersion, currentTimestamp, collateralPriceUsd,
    funding {params, data, pairOi, netExposureToken}, borrowingV2 {params, data} (borrowingV1: none, v10 trades)."""
    return {"contractsVersion": contracts_version, "currentTimestamp": timestamp,
            "collateralPriceUsd": collateral_price_usd(ps), "funding": funding_context(ps, timestamp),
            "borrowingV2": borrowing_context(ps, timestamp)}


def liquidation_context(ps: dict[str, Any], ts: dict[str, Any] | None, price_e10: int, timestamp: int, block: int,
                        *, liq_params: dict[str, Any] | None = None, additional_fee: Decimal = Decimal(0),
                        new_open_price_e10: int | None = None) -> dict[str, Any]:
    """``getLiquidationPrice`` / ``getLiquidationPriceAfterPositionUpdate`` (``GetLiquidationPriceContext``):
    core {currentTimestamp, collateralPriceUsd, contractsVersion, spreadP as a FRACTION}, funding, borrowingV2,
    trading {fee, globalTradeFeeParams}, tradeData {tradeInfo, tradeFeesData, liquidationParams},
    liquidationSpecific {currentPairPrice, additionalFeeCollateral, partialCloseMultiplier, beforeOpened,
    isCounterTrade, newOpenPrice}. ``ts`` None: a planned trade (``beforeOpened``)."""
    version = int(ts["info"]["contractsVersion"]) if ts else V10
    params = liq_params if liq_params is not None else (ts["liq_params"] if ts else ps["liq_params"])
    specific: dict[str, Any] = {
        "currentPairPrice": cv.price_from_e10(price_e10), "additionalFeeCollateral": additional_fee,
        "partialCloseMultiplier": 1, "beforeOpened": ts is None,
        "isCounterTrade": bool(ts["trade"]["isCounterTrade"]) if ts else False}
    if new_open_price_e10 is not None:
        specific["newOpenPrice"] = cv.price_from_e10(new_open_price_e10)
    return {
        "core": {"currentBlock": block, "currentTimestamp": timestamp, "collateralPriceUsd": collateral_price_usd(ps),
                 "contractsVersion": version, "spreadP": cv.fraction_from_pct_e10(ps["spreadP"])},
        "funding": funding_context(ps, timestamp), "borrowingV2": borrowing_context(ps, timestamp),
        "trading": cv.sdk_trading_context(ps["fee"], ps["global_fees"]),
        "tradeData": {"tradeInfo": cv.sdk_trade_info(ts["info"]) if ts else EMPTY_TRADE_INFO,
                      "tradeFeesData": cv.sdk_trade_fees_data(ts["fees_data"], decimals(ps)) if ts
                      else EMPTY_FEES_DATA,
                      "liquidationParams": cv.sdk_liquidation_params(params)},
        "liquidationSpecific": specific,
    }


def pnl_context(ps: dict[str, Any], ts: dict[str, Any], timestamp: int, block: int) -> dict[str, Any]:
    """``getComprehensivePnl`` (5th arg, ``GetComprehensivePnlContext``): core {currentBlock, currentTimestamp,
    collateralPriceUsd, contractsVersion}, funding, borrowingV2, trading, tradeData {tradeFeesData,
    liquidationParams}."""
    return {
        "core": {"currentBlock": block, "currentTimestamp": timestamp, "collateralPriceUsd": collateral_price_usd(ps),
                 "contractsVersion": int(ts["info"]["contractsVersion"])},
        "funding": funding_context(ps, timestamp), "borrowingV2": borrowing_context(ps, timestamp),
        "trading": cv.sdk_trading_context(ps["fee"], ps["global_fees"]),
        "tradeData": {"tradeFeesData": cv.sdk_trade_fees_data(ts["fees_data"], decimals(ps)),
                      "liquidationParams": cv.sdk_liquidation_params(ts["liq_params"])},
    }


def skew_context(ps: dict[str, Any]) -> dict[str, Any]:
    return cv.sdk_skew_context(ps["skew_depth_e18"] or 0, ps["oi_token"])


def opening_impact(ps: dict[str, Any], pair: int, ci: int, collateral_raw: int, leverage_e3: int,
                   oracle_price_e10: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """``getTradeOpeningPriceImpact`` (input, context) for a short: input {collateralIndex, pairIndex, long,
    collateralAmount, leverage, openPrice (the oracle price), pairSpreadP in PERCENT, fee, contractsVersion},
    context {collateralPriceUsd, cumulVolContext (no depth bands on the replica: empty), skewContext
    {skewDepth, pairOiToken}}."""
    dec = decimals(ps)
    inp = {"collateralIndex": ci, "pairIndex": pair, "long": False,
           "collateralAmount": cv.collateral_from_raw(collateral_raw, dec),
           "leverage": cv.leverage_from_e3(leverage_e3),
           "openPrice": cv.price_from_e10(oracle_price_e10), "pairSpreadP": cv.percent_from_pct_e10(ps["spreadP"]),
           "fee": cv.sdk_fee(ps["fee"]), "contractsVersion": V10, "isCounterTrade": False}
    ctx = {"collateralPriceUsd": collateral_price_usd(ps), "cumulVolContext": {}, "skewContext": skew_context(ps)}
    return inp, ctx


def closing_impact(ps: dict[str, Any], ts: dict[str, Any], price_e10: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """``getTradeClosingPriceImpact`` (input, context) for a full close at ``price_e10``: input {trade, oraclePrice,
    positionSizeCollateral, currentPairPrice, useCumulativeVolPriceImpact, collateralIndex, pairIndex,
    pairSpreadP in PERCENT, contractsVersion}, context {collateralPriceUsd, cumulVolContext, skewContext,
    tradeInfo}."""
    t = trade(ts, ps)
    price = cv.price_from_e10(price_e10)
    inp = {"trade": t, "oraclePrice": price, "positionSizeCollateral": t["collateralAmount"] * t["leverage"],
           "currentPairPrice": price, "useCumulativeVolPriceImpact": True, "collateralIndex": t["collateralIndex"],
           "pairIndex": t["pairIndex"], "pairSpreadP": cv.percent_from_pct_e10(ps["spreadP"]),
           "contractsVersion": int(ts["info"]["contractsVersion"])}
    ctx = {"collateralPriceUsd": collateral_price_usd(ps), "cumulVolContext": {}, "skewContext": skew_context(ps),
           "tradeInfo": cv.sdk_trade_info(ts["info"])}
    return inp, ctx


def oi_context(ps: dict[str, Any], pair: int, price_e10: int) -> dict[str, Any]:
    """``getPairTotalOisDynamicCollateral`` (2nd arg): pairOis[pair] {beforeV10Collateral, token, collateral},
    currentPairPrice (collateral per token: the pair price, USD collateral)."""
    dec = decimals(ps)
    tok = cv.sdk_pair_oi_token(ps["oi_token"])
    oc = ps["oi_collateral"]
    return {"currentPairPrice": cv.price_from_e10(price_e10), "pairOis": {str(pair): {
        "beforeV10Collateral": {"long": cv.collateral_from_raw(ps["oi_before_v10"]["long"], dec),
                                "short": cv.collateral_from_raw(ps["oi_before_v10"]["short"], dec)},
        "token": {"long": tok["oiLongToken"], "short": tok["oiShortToken"]},
        "collateral": {"long": cv.collateral_from_raw(oc["oiLongCollateral"], dec),
                       "short": cv.collateral_from_raw(oc["oiShortCollateral"], dec)}}}}


__all__ = ["decimals", "collateral_price_usd", "trade", "planned_trade", "fee_context", "holding_context",
           "liquidation_context", "pnl_context", "opening_impact", "closing_impact", "oi_context", "funding_context",
           "borrowing_context", "EMPTY_FEES_DATA", "EMPTY_TRADE_INFO", "V10"]
