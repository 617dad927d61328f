"""Scenario values against hand-computed cases, the SVG, and alert thresholds (pure)."""

from __future__ import annotations

from decimal import Decimal as D

from hedgefi.hedge.planner import Exposure
from hedgefi.risk.alerts import Thresholds, evaluate
from hedgefi.risk.scenario import ShortLeg, compute, svg_chart, text_chart
from hedgefi.venues.base import MarketQuote, PositionView

# 50% hedge of $100k of ETH at $2,000: a $50k short (25 ETH) at 2x (equity $25k), liquidation at $2,980,
# carry 10% a year, horizon 30 days.
LEG = ShortLeg("gmx ETH short", D(25), D(25000), D(2980), D("0.10"), D(50000))
CARRY = (D("0.10") * D(50000) * 30 / 365).quantize(D("0.01"))   # 410.96


def _at(sc, move: str) -> tuple[D, D]:  # type: ignore[no-untyped-def]
    i = sc.moves.index(D(move))
    return sc.unhedged[i], sc.hedged[i]


def test_hand_computed_points() -> None:
    sc = compute("ETH", D(2000), D(100000), [LEG], lo=D("-0.5"), hi=D("0.5"), steps=11, horizon_s=30 * 86400)
    assert CARRY == D("410.96") and sc.carry_usd == CARRY
    assert _at(sc, "-0.2000") == (D(-20000), D(-20000) + D(10000) - CARRY)
    assert _at(sc, "0.2000") == (D(20000), D(20000) - D(10000) - CARRY)
    assert _at(sc, "0.0000") == (D(0), -CARRY)
    assert _at(sc, "0.5000") == (D(50000), D(50000) - D(25000))   # past $2,980: liquidated, the margin is lost
    assert sc.liquidations == [("gmx ETH short", D("0.4900"))]


def test_hedged_line_is_flatter_and_svg_has_both_series() -> None:
    sc = compute("ETH", D(2000), D(100000), [LEG], lo=D("-0.5"), hi=D("0.4"), steps=19)
    spread = lambda xs: max(xs) - min(xs)  # noqa: E731
    assert spread(sc.hedged) <= spread(sc.unhedged) / 2 + 1  # a 50% hedge halves the swing
    sc = compute("ETH", D(2000), D(100000), [LEG], lo=D("-0.5"), hi=D("0.6"), steps=23)
    svg = svg_chart(sc)
    assert svg.startswith("<svg") and 'id="unhedged"' in svg and 'id="hedged"' in svg and "liquidation" in svg
    from hedgefi.core.units import fmt

    assert ",".join(fmt(v) for v in sc.hedged) in svg and ",".join(fmt(v) for v in sc.unhedged) in svg
    chart = text_chart(sc)
    assert "U" in chart and "H" in chart and "|" in chart


def _pos(dist: str, asset: str = "ETH") -> PositionView:
    return PositionView("gmx", "m", asset, "short", D(50000), D(25), "USDC", D(25000), D(2000), D(2000), D(0), D(0),
                        D(0), D(2980), D(dist))


def _quote(carry: str) -> MarketQuote:
    return MarketQuote("gmx", "m", "ETH", "crypto", D(2000), D(carry), D(0), D(1), D(1), D(1), D(50), True)


def test_alert_thresholds_crossed_and_not() -> None:
    exp = [Exposure("ETH", D(100000), D(2000))]
    assert evaluate(exp, [_pos("0.49")], [_quote("0.05")], Thresholds(liq_distance=D("0.15"))) == []
    (a,) = evaluate(exp, [_pos("0.10")], [_quote("0.05")], Thresholds(liq_distance=D("0.15")))
    assert a.kind == "liquidation" and "gmx ETH short" in a.message
    assert evaluate(exp, [_pos("0.49")], [_quote("0.05")], Thresholds(carry_apr=D("0.20"))) == []
    (a,) = evaluate(exp, [_pos("0.49")], [_quote("0.25")], Thresholds(carry_apr=D("0.20")))
    assert a.kind == "carry"
    assert evaluate(exp, [_pos("0.49")], [_quote("0")], Thresholds(drift=D("0.1"), target_ratio=D("0.5"))) == []
    (a,) = evaluate(exp, [_pos("0.49")], [_quote("0")], Thresholds(drift=D("0.1"), target_ratio=D("0.8")))
    assert a.kind == "drift" and "ETH" in a.subject
