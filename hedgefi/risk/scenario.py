"""Price scenarios (pure): the portfolio's value, unhedged and hedged, across moves of one asset's price,
with each short's liquidation point and the carry paid over a horizon.

Model, per short at the current price P0 (tokens n, equity q = what closing it now returns, ``risk.equity``, liquidation
price L, yearly carry c on its notional): at price P = P0 (1 + m) its value change is n (P0 - P) - carry,
where carry = c x notional x horizon / 1 year; once P reaches L the short is liquidated and its change is
-q (the margin is lost). The unhedged change is the asset's exposure x m. The charts are drawn by
``risk.charts`` (matplotlib and plotext).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Sequence

from hedgefi.core.units import fmt, money

YEAR_S = Decimal(365 * 86400)


@dataclass(frozen=True, slots=True)
class ShortLeg:
    label: str
    size_tokens: Decimal
    equity_usd: Decimal
    liquidation_price: Decimal | None
    carry_apr: Decimal
    notional_usd: Decimal


@dataclass
class Scenario:
    asset: str
    price: Decimal
    exposure_usd: Decimal
    horizon_s: int
    moves: list[Decimal] = field(default_factory=list)
    unhedged: list[Decimal] = field(default_factory=list)     # value change, USD
    hedged: list[Decimal] = field(default_factory=list)
    liquidations: list[tuple[str, Decimal]] = field(default_factory=list)   # (leg, move at which it liquidates)
    carry_usd: Decimal = Decimal(0)

    @money
    def as_json(self) -> dict[str, Any]:
        return {"asset": self.asset, "price": fmt(self.price), "exposure_usd": fmt(self.exposure_usd),
                "horizon_days": self.horizon_s // 86400, "carry_usd": fmt(self.carry_usd),
                "points": [{"move": fmt(m), "price": fmt((self.price * (1 + m)).quantize(Decimal("0.01"))),
                            "unhedged_usd": fmt(u), "hedged_usd": fmt(h)}
                           for m, u, h in zip(self.moves, self.unhedged, self.hedged)],
                "liquidations": [{"position": leg, "move": fmt(m)} for leg, m in self.liquidations]}


@money
def compute(asset: str, price: Decimal, exposure_usd: Decimal, legs: Sequence[ShortLeg], *, lo: Decimal = Decimal("-0.5"),
            hi: Decimal = Decimal("0.5"), steps: int = 41, horizon_s: int = 30 * 86400) -> Scenario:
    sc = Scenario(asset, price, exposure_usd, horizon_s)
    carry = {leg.label: (leg.carry_apr * leg.notional_usd * horizon_s / YEAR_S).quantize(Decimal("0.01"))
             for leg in legs}
    sc.carry_usd = sum(carry.values(), Decimal(0))
    for leg in legs:
        if leg.liquidation_price is not None:
            sc.liquidations.append((leg.label, (leg.liquidation_price / price - 1).quantize(Decimal("0.0001"))))
    for i in range(steps):
        m = (lo + (hi - lo) * i / (steps - 1)).quantize(Decimal("0.0001"))
        p = price * (1 + m)
        unhedged = (exposure_usd * m).quantize(Decimal("0.01"))
        change = Decimal(0)
        for leg in legs:
            if leg.liquidation_price is not None and p >= leg.liquidation_price:
                change -= leg.equity_usd
            else:
                change += leg.size_tokens * (price - p) - carry[leg.label]
        sc.moves.append(m)
        sc.unhedged.append(unhedged)
        sc.hedged.append((unhedged + change).quantize(Decimal("0.01")))
    return sc


__all__ = ["ShortLeg", "Scenario", "compute"]
