"""gTrade v10 facts as data: units (reference §2), enums (§3), event topics (§5.2) and the checked-in ABI."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum
from functools import lru_cache

from hedgefi.chain.abicodec import ContractCodec
from hedgefi.core.units import money
from hedgefi.venues.base import VenueCapabilities

PRICE_DECIMALS = 10            # prices, TP/SL, expected price, oracle answers: 1e10
LEVERAGE_SCALE = 1000          # leverage 1e3 (10x = 10000)
SLIPPAGE_SCALE = 1000          # percent x 1e3 (1% = 1000)
PERCENT_E10 = 10**10           # PnL %, spread %, fee %: 1e10 percent
USD_E18 = 10**18               # pairMinFeeUsd / pairMinPositionSizeUsd
COLLATERAL_PRICE_DECIMALS = 8  # getCollateralPriceUsd
FUNDING_RATE_SCALE = 10**18    # currentFundingRatePerSecondP: 1e18 percent per second
BORROWING_RATE_SCALE = 10**10  # borrowingRatePerSecondP: 1e10 percent per second
SECONDS_PER_YEAR = 31_536_000
DEFAULT_CLOSING_SLIPPAGE_E3 = 1000   # TradeInfo.maxSlippageP == 0 means 1%

CAPABILITIES = VenueCapabilities(
    name="gtrade",
    display_name="gTrade v10",
    collateral_tokens=("USDC",),
    order_model="oracle-two-step",
    asset_classes=("crypto", "forex", "commodities", "indices", "stocks"),
    supports_stop_loss=True,
    max_leverage_hint=Decimal("250"),
)

# group index -> asset class (SDK getAssetClassFromGroupIndex, reference §8)
GROUP_CLASS: dict[int, str] = {0: "crypto", 10: "crypto", 11: "crypto", 1: "forex", 8: "forex", 9: "forex",
                               2: "stocks", 3: "stocks", 4: "stocks", 5: "indices", 6: "commodities",
                               7: "commodities"}


class PendingOrderType(IntEnum):
    MARKET_OPEN = 0
    MARKET_CLOSE = 1
    LIMIT_OPEN = 2
    STOP_OPEN = 3
    TP_CLOSE = 4
    SL_CLOSE = 5
    LIQ_CLOSE = 6
    UPDATE_LEVERAGE = 7
    MARKET_PARTIAL_OPEN = 8
    MARKET_PARTIAL_CLOSE = 9


CANCEL_REASONS: dict[int, str] = {
    1: "trading is paused",
    2: "the market is closed",
    3: "the oracle price moved past your slippage limit (widen --max-slippage or retry)",
    4: "the fill price is already beyond the take-profit",
    5: "the fill price is already beyond the stop-loss",
    6: "exposure limits: the pair's open-interest or skew cap would be exceeded",
    7: "price impact too high for this size and leverage",
    8: "leverage above the pair's maximum",
    9: "the trade no longer exists",
    10: "degenerate resize (the size would not change, or the collateral delta is below the minimum fee)",
    11: "trigger price not hit",
    12: "the price is beyond the liquidation price",
    13: "counter-trade cancelled",
}

# emitted by the diamond from its Chainlink client library; not in the merged ABI (reference §5.2)
CHAINLINK_REQUESTED_TOPIC = "0xb5e6e01e79f91267dc17b4e6314d5d4d03593d2ceee0fbb452b750bd70ea5af9"


@lru_cache(maxsize=None)
def codec() -> ContractCodec:
    from hedgefi.core.resources import abi as load_abi

    return ContractCodec(load_abi("gtrade", "GNSMultiCollatDiamond"))


@money
def price_e10(price: Decimal) -> int:
    """A human USD price to gTrade's 1e10 integer (rounded down to the unit)."""
    return int((price * 10**PRICE_DECIMALS).to_integral_value(rounding="ROUND_DOWN"))


@money
def leverage_e3(leverage: Decimal) -> int:
    return int((leverage * LEVERAGE_SCALE).to_integral_value(rounding="ROUND_DOWN"))


@money
def slippage_e3(fraction: Decimal) -> int:
    """A slippage fraction (0.005 = 0.5%) to gTrade's percent x 1e3 (0.5% = 500); at least 1."""
    return max(1, int((fraction * 100 * SLIPPAGE_SCALE).to_integral_value(rounding="ROUND_DOWN")))


__all__ = ["PRICE_DECIMALS", "LEVERAGE_SCALE", "SLIPPAGE_SCALE", "PERCENT_E10", "USD_E18", "CAPABILITIES",
           "GROUP_CLASS", "PendingOrderType", "CANCEL_REASONS", "CHAINLINK_REQUESTED_TOPIC", "codec", "price_e10",
           "leverage_e3", "slippage_e3", "SECONDS_PER_YEAR", "FUNDING_RATE_SCALE", "BORROWING_RATE_SCALE",
           "COLLATERAL_PRICE_DECIMALS", "DEFAULT_CLOSING_SLIPPAGE_E3"]
