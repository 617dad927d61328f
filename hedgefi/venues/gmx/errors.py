"""GMX custom errors in plain words, decoded by selector from the checked-in Errors ABI."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable

from hedgefi.chain.revert import DecodedRevert, ErrorDecoder
from hedgefi.core.units import fmt, money
from hedgefi.venues.gmx.constants import FLOAT, error_abis


@money
def _usd(v: Any) -> str:
    return "$" + fmt((Decimal(int(v)) / Decimal(FLOAT)).quantize(Decimal("0.01")))


EXPLAIN: dict[str, Callable[[dict[str, Any]], str]] = {
    "OrderNotFulfillableAtAcceptablePrice": lambda a: (
        "the price moved past your slippage limit before the keeper executed (execution price "
        f"{a['price']} vs acceptable {a['acceptablePrice']}, 1e30 units); widen --max-slippage or retry"),
    "InsufficientReserve": lambda a: (
        f"not enough pool liquidity for this size (reserved {_usd(a['reservedUsd'])} > max {_usd(a['maxReservedUsd'])})"),
    "InsufficientReserveForOpenInterest": lambda a: (
        f"the open-interest reserve is full (reserved {_usd(a['reservedUsd'])} > max {_usd(a['maxReservedUsd'])})"),
    "MaxOpenInterestExceeded": lambda a: (
        f"the market's open-interest cap is reached ({_usd(a['openInterest'])} > cap {_usd(a['maxOpenInterest'])})"),
    "InvalidDecreaseOrderSize": lambda a: (
        f"the decrease ({_usd(a['sizeDeltaUsd'])}) is larger than the position ({_usd(a['positionSizeInUsd'])})"),
    "InsufficientCollateralUsd": lambda a: (
        f"not enough collateral for this size and leverage (remaining {_usd(a['remainingCollateralUsd'])})"),
    "UnableToWithdrawCollateral": lambda a: (
        f"withdrawing that much collateral would leave the position under-collateralised "
        f"(remaining {_usd(a['estimatedRemainingCollateralUsd'])})"),
    "MinPositionSize": lambda a: (
        f"the position would be below the minimum size ({_usd(a['positionSizeInUsd'])} < {_usd(a['minPositionSizeUsd'])})"),
    "InsufficientExecutionFee": lambda a: (
        f"execution fee too low ({a['executionFee']} wei < minimum {a['minExecutionFee']} wei at the current gas price)"),
    "Unauthorized": lambda a: (
        f"{a['msgSender']} lacks the GMX role {a['role']}"
        + (" (the ExchangeRouter was rotated: update hedgefi's GMX address table)" if a["role"] == "ROUTER_PLUGIN" else "")),
    "RequestNotYetCancellable": lambda a: (
        f"a market order can be cancelled only {a['requestExpirationAge']} s after creation "
        f"(it is {a['requestAge']} s old)"),
    "EmptyPosition": lambda a: "there is no such position",
    "EmptyOrder": lambda a: "there is no such order (already executed or cancelled)",
    "EmptyMarket": lambda a: "that market does not exist on this GMX deployment",
    "DisabledMarket": lambda a: f"market {a['market']} is disabled",
    "InsufficientWntAmountForExecutionFee": lambda a: (
        f"the ETH sent ({a['wntAmount']} wei) does not cover the execution fee ({a['executionFee']} wei)"),
    "InvalidOrderPrices": lambda a: "the trigger price is not reached yet",
    "InsufficientFundsToPayForCosts": lambda a: f"the collateral cannot pay the position's costs ({a['step']})",
    "PositionShouldNotBeLiquidated": lambda a: (
        f"the position is not liquidatable: its remaining collateral {_usd(a['remainingCollateralUsd'])} is above "
        f"the minimum {_usd(max(int(a['minCollateralUsd']), int(a['minCollateralUsdForLeverage'])))}"),
    "LiquidatablePosition": lambda a: (
        f"the position would be liquidatable ({a['reason']}: remaining collateral "
        f"{_usd(a['remainingCollateralUsd'])}, minimum {_usd(max(int(a['minCollateralUsd']), int(a['minCollateralUsdForLeverage'])))})"),
}


@money
def _price(price_e30: Any, index_decimals: int) -> str:
    """A GMX price (1e30 USD per smallest unit of the index token) as USD per whole token."""
    return "$" + fmt((Decimal(int(price_e30)) * Decimal(10) ** index_decimals / Decimal(FLOAT)).quantize(Decimal("0.01")))


def cancel_reason(decoded: DecodedRevert, index_decimals: int | None) -> str:
    """A keeper cancel reason in plain words, prices in USD per token when the index token's decimals are known."""
    if decoded.name == "OrderNotFulfillableAtAcceptablePrice" and index_decimals is not None:
        a = decoded.args
        return (f"the price moved past your slippage limit before the keeper executed (execution price "
                f"{_price(a['price'], index_decimals)} vs acceptable {_price(a['acceptablePrice'], index_decimals)}); "
                "widen --max-slippage or retry")
    return decoded.message


@lru_cache(maxsize=1)
def decoder() -> ErrorDecoder:
    return ErrorDecoder(error_abis(), EXPLAIN)


__all__ = ["decoder", "cancel_reason", "EXPLAIN"]
