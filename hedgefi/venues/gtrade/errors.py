"""gTrade v10 custom errors in plain words, decoded by selector from the checked-in diamond ABI (§4.4)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from hedgefi.chain.revert import ErrorDecoder

EXPLAIN: dict[str, Callable[[dict[str, Any]], str]] = {
    "WrongLeverage": lambda a: "the leverage is outside the pair's allowed range",
    "InsufficientCollateral": lambda a: "the collateral is below the pair's minimum (5x the minimum fee)",
    "PriceImpactTooHigh": lambda a: "spread and price impact times leverage would exceed 40% of the collateral",
    "Paused": lambda a: "gTrade trading is paused (or close-only) right now",
    "NoTrade": lambda a: "there is no such open trade",
    "ConflictingPendingOrder": lambda a: "this trade already has a market order waiting for the oracles; wait for it",
    "PendingTrigger": lambda a: "a TP/SL trigger on this trade is being executed",
    "WaitTimeout": lambda a: "the order has not reached its timeout yet; it can be cancelled only after the timeout",
    "NoOrder": lambda a: "there is no such pending order (already executed or cancelled)",
    "WrongOrderType": lambda a: "that order type cannot be cancelled after a timeout",
    "InvalidIncreasePositionSizeInput": lambda a: "an increase needs a leverage, an expected price and a slippage",
    "InvalidDecreasePositionSizeInput": lambda a: "a decrease takes exactly one non-zero delta (collateral or leverage)",
    "NotAuthorized": lambda a: "not allowed (a pre-v10 trade cannot be increased: close and reopen it)",
    "MaxSlippageZero": lambda a: "the slippage must be above 0",
    "TradeOpenPriceZero": lambda a: "the expected price (openPrice) must be non-zero",
    "TradePairNotListed": lambda a: "that pair is not listed",
    "TradePositionSizeZero": lambda a: "the position size is zero",
    "TradeTpInvalid": lambda a: "the take-profit is on the wrong side of the price",
    "TradeSlInvalid": lambda a: "the stop-loss is on the wrong side of the price",
    "InvalidCollateralIndex": lambda a: "that collateral index is not listed",
    "CollateralNotActive": lambda a: "that collateral is not active",
    "ZeroValue": lambda a: "a required value is zero",
    "DoesntExist": lambda a: "the order is too old for an oracle answer",
    "SourceNotOracleOfRequest": lambda a: "only the oracle a request was sent to may answer it",
    "WrongTradeType": lambda a: "only market trades are supported",
}


@lru_cache(maxsize=1)
def decoder() -> ErrorDecoder:
    from hedgefi.core.resources import abi as load_abi

    return ErrorDecoder((load_abi("gtrade", "GNSMultiCollatDiamond"),), EXPLAIN)


__all__ = ["decoder", "EXPLAIN"]
