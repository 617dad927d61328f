"""The hedge policy against the venue's real liquidation distance (pure: no I/O).

The policy's own check (``1 / max_leverage > min_liquidation_distance``) is optimistic: a venue liquidates
before the whole margin is gone (gTrade at a leverage-interpolated PnL threshold less its closing fee and
liquidation spread, GMX at its minimum collateral after both position fees). So before a plan opens a
short the executor asks each venue where a new short would be liquidated (``Venue.liquidation_reader``) at a
ladder of leverages from the policy's ``max_leverage`` down (``probe_leverages``), in the same round trips
as the plan's reads, and ``check_leverage`` keeps an intent's leverage when the venue's distance there is
above ``min_liquidation_distance``, caps it at the highest leverage on the ladder that is, or refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Sequence

from hedgefi.core.units import fmt, money
from hedgefi.hedge.policy import HedgePolicy
from hedgefi.venues.base import LiquidationQuote

RUNGS = 16
LEV_Q = Decimal("0.001")         # gTrade stores leverage to 0.001x


@money
def leverage_ladder(max_leverage: Decimal) -> list[Decimal]:
    """``max_leverage`` and lower leverages to cap at: steps of 0.25x (2.5% of it above 10x), down to 1x."""
    step = Decimal("0.25") if max_leverage <= 10 else (max_leverage * Decimal("0.025")).quantize(LEV_Q)
    out: list[Decimal] = []
    lev = max_leverage.quantize(LEV_Q, rounding=ROUND_FLOOR)
    while lev >= 1 and len(out) < RUNGS:
        out.append(lev)
        lev -= step
    return out


def probe_leverages(policy: HedgePolicy) -> dict[str, list[Decimal]]:
    """What to ask the venues: per asset of the plan its ladder; ``"*"`` for every other asset."""
    out = {asset: leverage_ladder(ap.max_leverage) for asset, ap in policy.assets.items()}
    if policy.default is not None:
        out["*"] = leverage_ladder(policy.default.max_leverage)
    return out


@dataclass(frozen=True, slots=True)
class LeverageCheck:
    leverage: Decimal             # the leverage to trade at (the asked one, or a cap)
    note: str = ""                # why it was capped
    refused: str = ""             # why no leverage on the ladder will do


@money
def check_leverage(venue: str, asset: str, leverage: Decimal, min_distance: Decimal,
                   quotes: Sequence[LiquidationQuote]) -> LeverageCheck:
    """Keep, cap or refuse ``leverage`` for a new short on ``venue``, by the venue's own liquidation distance.
    No quote for the venue and asset: nothing to check against (kept)."""
    mine = sorted((q for q in quotes if q.venue == venue and q.asset.upper() == asset.upper()),
                  key=lambda q: q.leverage, reverse=True)
    at = next((q for q in mine if q.leverage == leverage), None)
    if at is None:
        at = next((q for q in reversed(mine) if q.leverage >= leverage), None)   # the nearest above: stricter
    if at is None or at.distance > min_distance:
        return LeverageCheck(leverage)
    said = (f"{venue} {asset} at {fmt(leverage)}x liquidates {_pct(at.distance)} above the price "
            f"(at ${fmt(at.liquidation_price)}, the venue's own liquidation price), inside min_liquidation_distance "
            f"{_pct(min_distance)}")
    ok = next((q for q in mine if q.leverage < leverage and q.distance > min_distance), None)
    if ok is None:
        return LeverageCheck(leverage, refused=f"{said}; lower max_leverage")
    return LeverageCheck(ok.leverage, note=f"{said}: leverage capped at {fmt(ok.leverage)}x "
                                           f"(liquidation {_pct(ok.distance)} above)")


def _pct(d: Decimal) -> str:
    return f"{fmt((d * 100).quantize(Decimal('0.01')))}%"


__all__ = ["leverage_ladder", "probe_leverages", "check_leverage", "LeverageCheck"]
