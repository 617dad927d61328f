"""Price scenarios (pure): the portfolio's value, unhedged and hedged, across moves of one asset's price,
with each short's liquidation point and the carry paid over a horizon; and the chart, as text and SVG.

Model, per short at the current price P0 (tokens n, equity q = what closing it now returns, ``risk.equity``, liquidation
price L, yearly carry c on its notional): at price P = P0 (1 + m) its value change is n (P0 - P) - carry,
where carry = c x notional x horizon / 1 year; once P reaches L the short is liquidated and its change is
-q (the margin is lost). The unhedged change is the asset's exposure x m.
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


@money
def text_chart(sc: Scenario, width: int = 61, height: int = 15) -> str:
    """A terminal chart: U = unhedged, H = hedged, * = both, | = a short's liquidation point."""
    values = sc.unhedged + sc.hedged
    top, bottom = max(values), min(values)
    span = (top - bottom) or Decimal(1)
    n = len(sc.moves)
    grid = [[" "] * width for _ in range(height)]

    def row(v: Decimal) -> int:
        return int(((top - v) / span * (height - 1)).to_integral_value())

    def col(i: int) -> int:
        return round(i * (width - 1) / (n - 1))

    for _, m in sc.liquidations:
        lo, hi = sc.moves[0], sc.moves[-1]
        if lo <= m <= hi:
            c = int(((m - lo) / (hi - lo) * (width - 1)).to_integral_value())
            for r in range(height):
                grid[r][c] = "|"
    for i in range(n):
        ru, rh, c = row(sc.unhedged[i]), row(sc.hedged[i]), col(i)
        grid[ru][c] = "U"
        grid[rh][c] = "*" if rh == ru else "H"
    lines = [f"{sc.asset} price move {fmt(sc.moves[0] * 100)}% .. {fmt(sc.moves[-1] * 100)}%; value change "
             f"${fmt(bottom)} .. ${fmt(top)}  (U unhedged, H hedged, | liquidation)"]
    lines += ["  " + "".join(r) for r in grid]
    return "\n".join(lines)


@money
def svg_chart(sc: Scenario, width: int = 720, height: int = 400) -> str:
    """A standalone SVG: both series as polylines (with their data points), liquidation lines, axes."""
    pad = 50
    values = sc.unhedged + sc.hedged
    top, bottom = max(values), min(values)
    span = (top - bottom) or Decimal(1)
    lo, hi = sc.moves[0], sc.moves[-1]

    def x(m: Decimal) -> float:
        return float(pad + (m - lo) / (hi - lo) * (width - 2 * pad))

    def y(v: Decimal) -> float:
        return float(pad + (top - v) / span * (height - 2 * pad))

    def points(series: list[Decimal]) -> str:
        return " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in zip(sc.moves, series))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f'<title>{sc.asset} scenario: unhedged vs hedged value change</title>',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<line x1="{pad}" y1="{y(Decimal(0)):.1f}" x2="{width - pad}" y2="{y(Decimal(0)):.1f}" stroke="#999"/>',
             f'<text x="{pad}" y="20">{sc.asset} at ${fmt(sc.price)}: portfolio value change across price moves '
             f'(carry over {sc.horizon_s // 86400} days: ${fmt(sc.carry_usd)})</text>']
    for leg, m in sc.liquidations:
        if lo <= m <= hi:
            parts.append(f'<line class="liquidation" x1="{x(m):.1f}" y1="{pad}" x2="{x(m):.1f}" y2="{height - pad}" '
                         f'stroke="red" stroke-dasharray="4 3"/><text x="{x(m) + 3:.1f}" y="{pad + 12}" '
                         f'fill="red">liquidation: {leg}</text>')
    parts.append(f'<polyline id="unhedged" fill="none" stroke="#d62728" stroke-width="2" '
                 f'points="{points(sc.unhedged)}" data-values="{",".join(fmt(v) for v in sc.unhedged)}"/>')
    parts.append(f'<polyline id="hedged" fill="none" stroke="#1f77b4" stroke-width="2" '
                 f'points="{points(sc.hedged)}" data-values="{",".join(fmt(v) for v in sc.hedged)}"/>')
    parts.append(f'<text x="{width - pad - 160}" y="{height - 15}" fill="#d62728">unhedged</text>'
                 f'<text x="{width - pad - 80}" y="{height - 15}" fill="#1f77b4">hedged</text>')
    parts.append(f'<text x="{pad}" y="{height - 15}">{fmt(lo * 100)}%</text>'
                 f'<text x="{width - pad - 30}" y="{height - 30}">{fmt(hi * 100)}%</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


__all__ = ["ShortLeg", "Scenario", "compute", "text_chart", "svg_chart"]
