"""Will GMX close the whole position instead of the partial decrease asked for? (DecreasePositionUtils)

For a decrease smaller than the position, GMX estimates what would be left, at the close price:

    realised  = PnL(whole size) x sizeDelta / size
    estimated = collateral x collateral min price + min(realised, 0)
    closes when estimated + (PnL - realised) < MIN_COLLATERAL_USD, or size - sizeDelta < MIN_POSITION_SIZE_USD

and then executes the order as a full close (``OrderSizeDeltaAutoUpdated``). hedgefi withdraws no collateral
on a decrease, so GMX's zeroing of a withdrawal that would leave the rest under-collateralised never applies.
The plan says so before anything is sent; the replica applies the same rule (``PositionRules.adjustDecrease``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from hedgefi.core.units import CONTEXT, fmt, from_raw, money

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection
    from hedgefi.venues.base import PositionView
    from hedgefi.venues.gmx.deployment import GmxDeployment


def _e30(amount: Decimal) -> int:
    return int(CONTEXT.multiply(amount, Decimal(10) ** 30).to_integral_value(context=CONTEXT))


def fetch_minimums(conn: "Connection", d: "GmxDeployment") -> tuple[int, int]:
    """(MIN_POSITION_SIZE_USD, MIN_COLLATERAL_USD), 1e30 USD, in one batched read."""
    from hedgefi.chain.abi import decode, encode_call
    from hedgefi.chain.multicall import Call, fetch_aggregate3
    from hedgefi.venues.gmx import keys

    r = fetch_aggregate3(conn, [Call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [keys.name_key(n)]))
                                for n in ("MIN_POSITION_SIZE_USD", "MIN_COLLATERAL_USD")])
    size, coll = (int(decode(["uint256"], x.data)[0]) if x.ok else 0 for x in r)
    return size, coll


@money
def closes_whole_position(p: "PositionView", size_delta_e30: int, min_size_e30: int, min_collateral_e30: int
                          ) -> str | None:
    """Why GMX would turn this partial decrease of ``p`` into a full close, or None when it would not."""
    size = p.size_usd_e30
    if size_delta_e30 >= size or size <= 0:
        return None
    rest = size - size_delta_e30
    if rest < min_size_e30:
        return (f"GMX closes the whole short: the ${fmt(from_raw(rest, 30).quantize(Decimal('0.01')))} left would be "
                f"below its minimum position size of ${fmt(from_raw(min_size_e30, 30))} (MIN_POSITION_SIZE_USD)")
    pnl = _e30(p.pnl_usd)
    realised = pnl * size_delta_e30 // size if pnl >= 0 else -((-pnl) * size_delta_e30 // size)
    estimated = _e30(p.collateral_value_usd) + min(realised, 0) + (pnl - realised)
    if estimated < min_collateral_e30:
        return (f"GMX closes the whole short: the collateral left with PnL, "
                f"${fmt(from_raw(estimated, 30).quantize(Decimal('0.01')))}, would be below its minimum of "
                f"${fmt(from_raw(min_collateral_e30, 30))} (MIN_COLLATERAL_USD)")
    return None


__all__ = ["fetch_minimums", "closes_whole_position"]
