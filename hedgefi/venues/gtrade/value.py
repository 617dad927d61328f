"""What a gTrade v10 trade is worth: its uPnL, the closing fee and what closing now returns (reference §6.7, §6.8).

Pure integer math in the diamond's own units (collateral base units, 1e10 prices and percents, 1e3
leverage), in the order v10's ``TradingCommonUtils`` computes it, so the adapter only converts the results
to USD at the collateral's price (``getCollateralPriceUsd``, 1e8):

* PnL percent (1e10 %): ``(open - price) / open x 100 x leverage`` for a short, floored at -100 %; a trade at or
  past its liquidation threshold (``getLiqPnlThresholdP``, interpolated by leverage) counts as -100 %.
* closing fee: ``pairTotalPositionSizeFeeP`` of the position size, the size floored at the pair's
  ``pairMinPositionSizeUsd`` converted to collateral at its price (fee tiers are not applied: the replica has
  none, and liquidation ignores them too).
* uPnL = raw PnL (oracle price) - pending holding fees + realised PnL - realised trading fees
  (``getTradeFeesData``): what gTrade shows for an open trade.
* close value = collateral + PnL at the closing execution price (fixed spread reversed for a close, plus the
  skew impact where the diamond reports it; cumulative-volume impact is not counted) - holding fees - closing
  fee + realised PnL - realised trading fees, floored at 0.
"""

from __future__ import annotations

from dataclasses import dataclass

P_10 = 10**10
PNL_FLOOR_E10 = -100 * P_10
LEVERAGE_SCALE = 1000


@dataclass(frozen=True, slots=True)
class TradeValue:
    """A trade's figures, in collateral base units (signed where they can be negative)."""

    raw_pnl: int                  # at the oracle price, no fees
    net_pnl: int                  # gTrade's uPnL
    closing_fee: int
    close_value: int              # what a full close now returns, >= 0
    holding_fees: int             # pending funding + borrowing (negative: the trade earns)
    realized_pnl: int             # TradeFeesData.realizedPnlCollateral (holding fees realised at resizes, resize PnL)
    realized_trading_fees: int    # TradeFeesData.realizedTradingFeesCollateral (opening fees, ...)
    close_price_e10: int          # the execution price a close would get


def pnl_percent_e10(open_e10: int, price_e10: int, long: bool, leverage_e3: int) -> int:
    """v10 ``getPnlPercent``: 1e10 percent, floored at -100 %."""
    if open_e10 == 0:
        return PNL_FLOOR_E10
    diff = price_e10 - open_e10 if long else open_e10 - price_e10
    # Solidity's signed division truncates towards zero at each step
    p = abs(diff) * 100 * P_10 // open_e10 * leverage_e3 // LEVERAGE_SCALE
    return max(p if diff >= 0 else -p, PNL_FLOOR_E10)


def liq_threshold_e10(params: dict[str, int], leverage_e3: int) -> int:
    """``getLiqPnlThresholdP`` in 1e10 percent (90 % = 90e10): 90 % unless all of the trade's liquidation
    parameters are set, then interpolated between ``startLiqThresholdP`` and ``endLiqThresholdP`` by leverage."""
    keys = ("maxLiqSpreadP", "startLiqThresholdP", "endLiqThresholdP", "startLeverage", "endLeverage")
    if any(int(params.get(k, 0)) == 0 for k in keys):
        return 90 * P_10
    start, end = int(params["startLiqThresholdP"]), int(params["endLiqThresholdP"])
    lo, hi = int(params["startLeverage"]), int(params["endLeverage"])
    if leverage_e3 < lo:
        return start
    if leverage_e3 > hi or start == end:
        return end
    return start - (leverage_e3 - lo) * (start - end) // (hi - lo)


def min_position_size_collateral(min_size_usd_e18: int, collateral_price_e8: int, precision_delta: int) -> int:
    """The pair's minimum position size (``pairMinPositionSizeUsd``, 1e18 USD) in collateral base units."""
    if collateral_price_e8 <= 0 or precision_delta <= 0:
        return 0
    return min_size_usd_e18 * 10**8 // collateral_price_e8 // precision_delta


def trade_fee(size_collateral: int, fee_p_e10: int, min_size_collateral: int) -> int:
    """Opening or closing fee of a position of ``size_collateral``: ``fee_p`` of the size, floored at the pair's
    minimum position size (v10 ``getTotalTradeFeesCollateral`` without fee tiers)."""
    return max(size_collateral, min_size_collateral) * fee_p_e10 // P_10 // 100


def price_after_impact(price_e10: int, impact_p_e10: int) -> int:
    """v10 ``getPriceAfterImpact``: ``price + price x impact / 100`` (impact in 1e10 percent, signed)."""
    move = price_e10 * abs(impact_p_e10) // P_10 // 100
    return price_e10 + move if impact_p_e10 >= 0 else price_e10 - move


def closing_spread_p_e10(pair_spread_p_e10: int, long: bool) -> int:
    """The fixed spread of a close: half the pair's spread, against the trader (a short buys back: up)."""
    half = pair_spread_p_e10 // 2
    return -half if long else half


def trade_value(*, collateral: int, leverage_e3: int, open_e10: int, price_e10: int, long: bool,
                holding_fees: int, realized_pnl: int, realized_trading_fees: int, fee_p_e10: int,
                min_size_collateral: int, pair_spread_p_e10: int, liq_params: dict[str, int],
                close_impact_p_e10: int = 0) -> TradeValue:
    """All of a trade's figures at ``price_e10`` (the oracle price); ``close_impact_p_e10``: the price impact a
    close meets beyond the fixed spread (v10's skew impact, ``getTradeSkewPriceImpactP``), 1e10 %, signed."""
    size = collateral * leverage_e3 // LEVERAGE_SCALE
    raw_p = pnl_percent_e10(open_e10, price_e10, long, leverage_e3)
    close_price = price_after_impact(price_e10, closing_spread_p_e10(pair_spread_p_e10, long) + close_impact_p_e10)
    impact_p = pnl_percent_e10(open_e10, close_price, long, leverage_e3)
    if raw_p <= -liq_threshold_e10(liq_params, leverage_e3):
        raw_p = impact_p = PNL_FLOOR_E10              # at or past the liquidation threshold
    raw_pnl = _scale(collateral, raw_p)
    realized = realized_pnl - realized_trading_fees
    closing = trade_fee(size, fee_p_e10, min_size_collateral)
    net = raw_pnl - holding_fees + realized
    value = collateral + _scale(collateral, impact_p) - holding_fees - closing + realized
    return TradeValue(raw_pnl, net, closing, max(0, value), holding_fees, realized_pnl, realized_trading_fees,
                      close_price)


def _scale(collateral: int, pnl_p_e10: int) -> int:
    """``collateral x pnl% / 100`` rounded towards zero, as Solidity's signed division does."""
    v = collateral * abs(pnl_p_e10) // (100 * P_10)
    return v if pnl_p_e10 >= 0 else -v


__all__ = ["TradeValue", "trade_value", "trade_fee", "pnl_percent_e10", "liq_threshold_e10",
           "min_position_size_collateral", "price_after_impact", "closing_spread_p_e10"]
