"""A live gTrade v10 trade's liquidation price after a margin change (``venues.base.MarginModel``), pure.

The diamond's ``getTradeLiquidationPrice`` for an open trade (reference §6.7), in its integer units and
Solidity's truncating division:

    fees      = closing fee on collateral x leverage (the pair's fee rate, the size floored at its minimum)
                + additional fee + (pending funding + borrowing - (realised PnL - realised trading fees))
    distance  = open x (collateral x threshold(leverage) - fees) / collateral / leverage - open x liq spread
    liq price = open + distance (a short), open - distance (a long)

* ``add_collateral``: ``updateLeverage(index, L')`` at constant size pulls ``collateral x L / L' - collateral``
  (the replica and v10 ``UpdateLeverageLifecycles``); L' is the highest 0.001x leverage that pulls at least
  the amount asked, never below the pair's minimum.
* ``reduce``: ``decreasePositionSize`` by leverage only (collateral stays): the new leverage is L x keep; the
  slice's closing fee is realised against the trade and, for a slice in loss, its raw PnL at the closing
  price (half the spread against the trader) stays realised in the trade (``DecreasePositionSizeValues``).

``matches`` is the guard: the model at no change must give the diamond's own answer, else the reads drop it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hedgefi.core.units import CONTEXT
from hedgefi.venues.base import MarginChange
from hedgefi.venues.gtrade import value

P_10 = 10**10
MIN_LEVERAGE_E3 = 100           # the diamond's floor, 0.1x


def _tdiv(a: int, b: int) -> int:
    """Solidity's signed division: truncates towards zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


@dataclass(frozen=True, slots=True)
class GtradeMargin:
    open_e10: int
    long: bool
    collateral_raw: int
    leverage_e3: int
    holding_net_raw: int          # pending funding + borrowing - (realised PnL - realised trading fees)
    fee_p_e10: int
    min_size_collateral_raw: int
    liq_params: dict[str, int]
    pair_spread_p_e10: int
    precision_delta: int
    price_e10: int
    collateral_decimals: int
    min_leverage_e3: int = MIN_LEVERAGE_E3

    def liq_e10(self, collateral: int, leverage_e3: int, additional_fee: int = 0) -> int:
        if collateral <= 0 or leverage_e3 <= 0:
            return 0
        fees = value.trade_fee(collateral * leverage_e3 // 1000, self.fee_p_e10, self.min_size_collateral_raw) \
            + additional_fee + self.holding_net_raw
        lp = self.liq_params
        spread = 0
        if lp.get("maxLiqSpreadP", 0) > 0:
            spread = min(self.pair_spread_p_e10 // 2, lp["maxLiqSpreadP"])
        pd = self.precision_delta
        threshold = value.liq_threshold_e10(lp, leverage_e3)
        liq_negative = collateral * threshold * pd * 1000 // (100 * P_10)
        distance = _tdiv(_tdiv(_tdiv(self.open_e10 * (liq_negative - fees * pd * 1000), collateral), leverage_e3), pd)
        distance -= self.open_e10 * spread // (100 * P_10)
        p = self.open_e10 - distance if self.long else self.open_e10 + distance
        return max(p, 0)

    def _human(self, liq: int) -> Decimal | None:
        return CONTEXT.divide(Decimal(liq), Decimal(P_10)) if liq > 0 else None

    def matches(self, onchain_liq_e10: int) -> bool:
        return self.liq_e10(self.collateral_raw, self.leverage_e3) == onchain_liq_e10

    def add_collateral(self, amount_raw: int) -> MarginChange:
        if amount_raw <= 0:
            return MarginChange(0, self._human(self.liq_e10(self.collateral_raw, self.leverage_e3)),
                                Decimal(self.leverage_e3) / 1000)
        lev = max(self.collateral_raw * self.leverage_e3 // (self.collateral_raw + amount_raw), self.min_leverage_e3, 1)
        lev = min(lev, self.leverage_e3 - 1)
        coll = self.collateral_raw * self.leverage_e3 // lev
        return MarginChange(coll - self.collateral_raw, self._human(self.liq_e10(coll, lev)), Decimal(lev) / 1000)

    def reduce(self, keep: Decimal) -> MarginChange:
        lev = int((Decimal(self.leverage_e3) * keep).to_integral_value(rounding="ROUND_FLOOR"))
        lev = max(lev, self.min_leverage_e3)
        if lev >= self.leverage_e3:
            return MarginChange(0, self._human(self.liq_e10(self.collateral_raw, self.leverage_e3)),
                                Decimal(self.leverage_e3) / 1000)
        c, old = self.collateral_raw, self.leverage_e3
        delta_size = c * (old - lev) // 1000
        existing = c * old // 1000
        close_price = value.price_after_impact(self.price_e10, value.closing_spread_p_e10(self.pair_spread_p_e10,
                                                                                          self.long))
        pnl_p = value.pnl_percent_e10(self.open_e10, close_price, self.long, old)
        raw_slice = _tdiv(_tdiv(_tdiv(pnl_p * c * delta_size, existing), P_10), 100)
        trade_value = c + _tdiv(c * pnl_p, 100 * P_10) - self.holding_net_raw
        net_slice = _tdiv((max(trade_value, 0) - c) * delta_size, existing)
        closing = value.trade_fee(delta_size, self.fee_p_e10, self.min_size_collateral_raw)
        sent = net_slice - closing
        to_realize = raw_slice - max(sent, 0)
        return MarginChange(0, self._human(self.liq_e10(c, lev, closing - to_realize)), Decimal(lev) / 1000)


__all__ = ["GtradeMargin"]
