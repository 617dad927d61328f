"""``--venue auto``: the cheapest venue to hold a short that has the liquidity for it (pure, no I/O).

Cost is the yearly carry of a short (funding + borrowing; a negative carry is an income). A venue is a
candidate when its market for the asset is open and its short liquidity, less a 10% margin for OI moving
before execution, covers the size. The answer says why the others were passed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from hedgefi.core.errors import InputError, UnknownNameError
from hedgefi.core.units import fmt, money
from hedgefi.venues.base import MarketQuote

LIQUIDITY_MARGIN = Decimal("0.9")


@dataclass(frozen=True, slots=True)
class VenueChoice:
    venue: str
    quote: MarketQuote
    reason: str


def _pct(x: Decimal) -> str:
    return f"{fmt((x * 100).quantize(Decimal('0.01')))}%"


@money
def choose_venue(quotes: Sequence[MarketQuote], asset: str, size_usd: Decimal) -> VenueChoice:
    mine = [q for q in quotes if q.asset.upper() == asset.upper()]
    if not mine:
        raise UnknownNameError("asset", asset, sorted({q.asset for q in quotes}))
    passed: list[str] = []
    ok: list[MarketQuote] = []
    for q in sorted(mine, key=lambda q: (q.short_carry_apr, q.venue)):
        room = q.available_short_liquidity_usd * LIQUIDITY_MARGIN
        if not q.open:
            passed.append(f"{q.venue}'s market is closed" + (f" ({q.hours})" if q.hours else "")
                          + f"; `--venue {q.venue} --force` sends anyway and the order times out")
        elif room < size_usd:
            passed.append(f"{q.venue} has only ${room.quantize(Decimal('1')):,} of usable short liquidity")
        else:
            ok.append(q)
    if not ok:
        raise InputError(f"no venue can take a ${fmt(size_usd)} {asset.upper()} short now: " + "; ".join(passed))
    best = ok[0]
    why = f"{best.venue} has the cheapest carry for a short that fits ({_pct(best.short_carry_apr)} a year"
    others = [f"{q.venue} {_pct(q.short_carry_apr)}" for q in ok[1:]]
    why += (", vs " + ", ".join(others) if others else "") + ")"
    if passed:
        why += "; " + "; ".join(passed)
    return VenueChoice(best.venue, best, why)


__all__ = ["choose_venue", "VenueChoice", "LIQUIDITY_MARGIN"]
