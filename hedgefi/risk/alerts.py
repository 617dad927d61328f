"""Alert rules over one state snapshot (pure): liquidation distance, carry cost, hedge-ratio drift, and a
short the venue has liquidated (``risk.liquidations``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Sequence

from hedgefi.hedge.planner import Exposure, notional
from hedgefi.core.units import fmt, money
from hedgefi.venues.base import MarketQuote, PositionView

if TYPE_CHECKING:
    from hedgefi.risk.liquidations import LiquidatedPosition


@dataclass(frozen=True, slots=True)
class Thresholds:
    liq_distance: Decimal | None = None    # alert when a short is closer than this to liquidation (0.15 = 15%)
    carry_apr: Decimal | None = None       # alert when a held short's yearly carry cost exceeds this
    drift: Decimal | None = None           # alert when |ratio - target| / target exceeds this
    target_ratio: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str          # liquidation | carry | drift | liquidated
    subject: str       # "gmx ETH short", "ETH"
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "message": self.message}


@money
def pct(d: Decimal) -> str:
    return f"{(d * 100).quantize(Decimal('0.1'))}%"


@money
def evaluate(exposures: Sequence[Exposure], positions: Sequence[PositionView], markets: Sequence[MarketQuote],
             t: Thresholds) -> list[Alert]:
    alerts: list[Alert] = []
    for p in positions:
        subject = f"{p.venue} {p.asset} {p.side}"
        if t.liq_distance is not None and p.liquidation_distance is not None and p.liquidation_distance < t.liq_distance:
            alerts.append(Alert("liquidation", subject,
                                f"{subject} is {pct(p.liquidation_distance)} from liquidation at "
                                f"${fmt(p.liquidation_price or 0)} (alert below {pct(t.liq_distance)})"))
        if t.carry_apr is not None:
            q = next((m for m in markets if m.venue == p.venue and m.asset == p.asset), None)
            if q is not None and p.side == "short" and q.short_carry_apr > t.carry_apr:
                alerts.append(Alert("carry", subject, f"{subject} costs {pct(q.short_carry_apr)} a year in funding "
                                                      f"and borrowing (alert above {pct(t.carry_apr)})"))
    if t.drift is not None and t.target_ratio:
        for e in exposures:
            hedge = sum((notional(p) for p in positions if p.asset == e.asset and p.side == "short"), Decimal(0))
            if hedge == 0 and not any(m.asset == e.asset for m in markets):
                continue
            ratio = hedge / e.exposure_usd if e.exposure_usd else Decimal(0)
            drift = abs(ratio - t.target_ratio) / t.target_ratio
            if drift > t.drift:
                alerts.append(Alert("drift", e.asset, f"{e.asset} hedge ratio {ratio.quantize(Decimal('0.001'))} is "
                                                      f"{pct(drift)} off the target {t.target_ratio} "
                                                      f"(alert above {pct(t.drift)})"))
    return alerts


def liquidated_alerts(liquidated: Sequence["LiquidatedPosition"]) -> list[Alert]:
    """One alert per liquidated short: whatever the thresholds, the hedge it was is gone."""
    return [Alert("liquidated", x.subject, x.message()) for x in liquidated]


__all__ = ["Thresholds", "Alert", "evaluate", "liquidated_alerts"]
