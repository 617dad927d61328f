"""A short's equity (pure): what it is worth to the user now, in USD.

Equity is what a full close now returns (``PositionView.close_value_usd``: collateral valued at its price,
PnL after the close's price impact, every fee of the close paid, realised fees already counted) plus the
funding a GMX short has earned and can claim apart from the close. Not collateral + raw price PnL: that
leaves out the closing fee, the price impact and what gTrade has already realised against the trade.
A view from a venue that does not report a close value falls back to the collateral's value (at its
price) + PnL - pending fees.
"""

from __future__ import annotations

from decimal import Decimal

from hedgefi.core.units import money
from hedgefi.venues.base import PositionView


@money
def equity_usd(p: PositionView) -> Decimal:
    if p.close_value_usd is not None:
        return p.close_value_usd + p.claimable_funding_usd
    return p.collateral_value_usd + p.pnl_usd - p.funding_fee_usd - p.borrowing_fee_usd


__all__ = ["equity_usd"]
