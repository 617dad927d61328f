"""GMX's rule for a partial decrease that would leave less than the minimum (DecreasePositionUtils), pure."""

from __future__ import annotations

from decimal import Decimal

from hedgefi.venues.base import PositionView
from hedgefi.venues.gmx.decrease_rule import closes_whole_position

E30 = 10**30
MIN_SIZE, MIN_COLL = 10 * E30, 1 * E30


def _short(size_usd: str, collateral_usd: str, pnl_usd: str) -> PositionView:
    size = Decimal(size_usd)
    return PositionView("gmx", "0xm", "ETH", "short", size, Decimal(1), "USDC", Decimal(collateral_usd), Decimal(3000),
                        Decimal(3000), Decimal(pnl_usd), Decimal(0), Decimal(0), None, None, key="0xk",
                        size_usd_e30=int(size) * E30, collateral_value_usd=Decimal(collateral_usd))


def test_the_rest_below_the_minimum_size_closes_the_position() -> None:
    p = _short("100", "50", "0")
    assert closes_whole_position(p, 80 * E30, MIN_SIZE, MIN_COLL) is None            # $20 left
    assert closes_whole_position(p, 90 * E30, MIN_SIZE, MIN_COLL) is None            # exactly $10 left
    why = closes_whole_position(p, 91 * E30, MIN_SIZE, MIN_COLL)
    assert why is not None and "$9" in why and "MIN_POSITION_SIZE_USD" in why
    assert closes_whole_position(p, 100 * E30, MIN_SIZE, MIN_COLL) is None           # already a full close


def test_collateral_left_with_pnl_below_the_minimum_closes_the_position() -> None:
    # collateral $60, PnL -$100 on $1000: selling half realises -$50; $10 + the rest's -$50 < $1 -> closes
    p = _short("1000", "60", "-100")
    why = closes_whole_position(p, 500 * E30, MIN_SIZE, MIN_COLL)
    assert why is not None and "MIN_COLLATERAL_USD" in why
    # a profit is not collateral taken away: the same position in profit stays open
    assert closes_whole_position(_short("1000", "60", "100"), 500 * E30, MIN_SIZE, MIN_COLL) is None
