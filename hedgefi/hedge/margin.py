"""Margin maintenance (pure: no I/O): keep a live short's liquidation distance at the policy's minimum.

A short's liquidation distance is ``|liquidation price - mark| / mark`` (``PositionView.liquidation_distance``,
from the venue's own formula). When it falls below ``min_liquidation_distance`` the short is restored to the
minimum plus ``BUFFER`` (two points of distance, so a re-run right after does not trade again on noise):

1. by adding collateral at the same size, the smallest amount (in the collateral's base units) whose
   distance after is the target, found by bisection on the venue's formula (``PositionView.margin``, a
   ``venues.base.MarginModel``: GMX's ``isPositionLiquidatable``, gTrade's ``getTradeLiquidationPrice``), when
   the collateral available for it (the wallet's balance, within ``max_collateral``) suffices;
2. else by reducing the short, collateral left in, to the largest fraction of its size (0.01% steps) whose
   distance after is the target: the hedge ratio drops, and the plan says to what. A reduction at constant
   leverage leaves the liquidation price where it is, so gTrade reduces by leverage alone; when even its
   pair's minimum leverage does not reach the target, the short is closed (the plan says so).

A short whose venue gives no model (``margin`` None) is left with a note; so is one with an order pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping, Sequence

from hedgefi.core.units import CONTEXT, fmt, money
from hedgefi.venues.base import MarginChange, MarginModel, PositionView

BUFFER = Decimal("0.02")
KEEP_STEPS = 10_000            # reduce in 0.01% steps of the size
DIST_Q = Decimal("0.000001")


@money
def distance_of(p: PositionView, liquidation_price: Decimal | None) -> Decimal | None:
    """The distance to ``liquidation_price`` from the position's mark (None: nothing liquidates it)."""
    if liquidation_price is None or not p.mark_price:
        return None
    return CONTEXT.divide(abs(liquidation_price - p.mark_price), p.mark_price)


def _reaches(p: PositionView, change: MarginChange, target: Decimal) -> bool:
    d = distance_of(p, change.liquidation_price)
    return d is None or d >= target


def needs_margin(p: PositionView, min_distance: Decimal) -> bool:
    """Whether the short's live distance is below the minimum."""
    return p.side == "short" and p.liquidation_distance is not None and p.liquidation_distance < min_distance


def top_up(p: PositionView, model: MarginModel, target: Decimal, available_raw: int) -> MarginChange | None:
    """The smallest collateral addition (<= ``available_raw``) whose distance after reaches ``target``."""
    if available_raw <= 0:
        return None
    if not _reaches(p, model.add_collateral(available_raw), target):
        return None
    lo, hi = 0, available_raw            # invariant: hi reaches, lo does not (or is 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _reaches(p, model.add_collateral(mid), target):
            hi = mid
        else:
            lo = mid
    change = model.add_collateral(hi)
    return change if change.collateral_delta_raw <= available_raw else None


def reduce_to(p: PositionView, model: MarginModel, target: Decimal) -> tuple[Decimal, MarginChange] | None:
    """The largest fraction of the size to keep (0.01% steps) whose distance after reaches ``target``, with
    the change; None when even the smallest step does not (the short should be closed)."""
    def at(k: int) -> MarginChange:
        return model.reduce(Decimal(k) / KEEP_STEPS)

    if not _reaches(p, at(1), target):
        return None
    lo, hi = 1, KEEP_STEPS               # invariant: lo reaches, hi does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _reaches(p, at(mid), target):
            lo = mid
        else:
            hi = mid
    return Decimal(lo) / KEEP_STEPS, at(lo)


@dataclass(frozen=True, slots=True)
class MarginFix:
    """What margin maintenance does for one short."""

    position: PositionView
    action: str                       # "add_collateral" | "reduce" | "close" (no reduction is enough)
    distance_before: Decimal
    distance_after: Decimal | None
    change: MarginChange
    keep: Decimal = Decimal(1)        # "reduce": the fraction of the size kept

    @property
    @money
    def collateral_delta(self) -> Decimal:
        model = self.position.margin
        decimals = model.collateral_decimals if model is not None else 0
        return CONTEXT.divide(Decimal(self.change.collateral_delta_raw), Decimal(10) ** decimals)


@money
def fix(p: PositionView, min_distance: Decimal, available_raw: int) -> MarginFix | str:
    """The fix for a short below ``min_distance``, or why there is none."""
    model = p.margin
    before = p.liquidation_distance or Decimal(0)
    if model is None:
        return f"{p.venue} {p.asset} short is {before:.2%} from liquidation but its venue gave no margin model"
    target = min_distance + BUFFER
    change = top_up(p, model, target, available_raw)
    if change is not None:
        return MarginFix(p, "add_collateral", before, _q(distance_of(p, change.liquidation_price)), change)
    reduced = reduce_to(p, model, target)
    if reduced is None:         # gTrade: the leverage cannot go below the pair's minimum
        return MarginFix(p, "close", before, None, MarginChange(0, None), Decimal(0))
    keep, change = reduced
    return MarginFix(p, "reduce", before, _q(distance_of(p, change.liquidation_price)), change, keep)


@money
def room_raw(p: PositionView, wallet: Mapping[str, Decimal], shorts: Sequence[PositionView],
             max_collateral: Decimal | None) -> int:
    """The collateral a top-up of ``p`` may use, in base units: the wallet's balance of its token, within what
    ``max_collateral`` leaves after the asset's shorts in that token."""
    token = p.collateral_token.upper()
    room = wallet.get(token, Decimal(0))
    if max_collateral is not None:
        room = min(room, max_collateral - sum((s.collateral_amount for s in shorts
                                               if s.collateral_token.upper() == token), Decimal(0)))
    decimals = p.margin.collateral_decimals if p.margin is not None else 0
    return int((max(room, Decimal(0)) * Decimal(10) ** decimals).to_integral_value(rounding="ROUND_FLOOR"))


@money
def preview_json(p: PositionView, min_distance: Decimal, available_raw: int) -> dict[str, Any] | None:
    """What ``hedge apply`` would do to this short's margin, for ``watch --json`` (key ``margin_top_up``):
    None when its distance is at or above ``min_distance``; else ``action`` (add_collateral | reduce | close |
    none), ``collateral_delta`` (token units) and ``collateral_token``, ``keep`` (fraction of the size kept),
    ``liquidation_distance_after``, ``min_liquidation_distance``, and ``note`` when nothing can be done."""
    if not needs_margin(p, min_distance):
        return None
    f = fix(p, min_distance, available_raw)
    base: dict[str, Any] = {"min_liquidation_distance": fmt(min_distance), "collateral_token": p.collateral_token}
    if isinstance(f, str):
        return {**base, "action": "none", "collateral_delta": "0", "keep": "1", "liquidation_distance_after": None,
                "note": f}
    return {**base, "action": f.action, "collateral_delta": fmt(f.collateral_delta), "keep": fmt(f.keep),
            "liquidation_distance_after": None if f.distance_after is None else fmt(f.distance_after)}


def _q(d: Decimal | None) -> Decimal | None:
    return None if d is None else d.quantize(DIST_Q)


__all__ = ["BUFFER", "MarginFix", "distance_of", "needs_margin", "top_up", "reduce_to", "fix", "room_raw",
           "preview_json"]
