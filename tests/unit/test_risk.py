"""Scenario values against hand-computed cases, the SVG, and alert thresholds (pure)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest

from hedgefi.hedge.planner import Exposure
from hedgefi.risk.alerts import Thresholds, evaluate
from hedgefi.risk.scenario import ShortLeg, compute, svg_chart, text_chart
from hedgefi.venues.base import MarketQuote, PositionView

SVG = "{http://www.w3.org/2000/svg}"

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


def test_hedged_line_is_flatter() -> None:
    sc = compute("ETH", D(2000), D(100000), [LEG], lo=D("-0.5"), hi=D("0.4"), steps=19)
    spread = lambda xs: max(xs) - min(xs)  # noqa: E731
    assert spread(sc.hedged) <= spread(sc.unhedged) / 2 + 1  # a 50% hedge halves the swing
    chart = text_chart(sc)
    assert "U" in chart and "H" in chart and "|" in chart


def _svg_points(root: ET.Element, line_id: str) -> list[float]:
    """The polyline's points, flattened: x0, y0, x1, y1, ..."""
    (line,) = [e for e in root.iter(SVG + "polyline") if e.get("id") == line_id]
    return [float(c) for p in line.get("points", "").split() for c in p.split(",")]


def _flat(points: list[tuple[float, float]]) -> list[float]:
    return [c for p in points for c in p]


def test_svg_draws_the_hand_computed_scenario_where_it_belongs() -> None:
    """The picture, parsed: for the scenario above from -50% to +50% in 10% steps, the plot area is the
    720x400 canvas inset by 50 (x 50..670 for the moves, y 50..350 for $+50,000..$-50,000, the extremes
    of the two series), so 10% of price is 62 px and $10,000 is 30 px."""
    sc = compute("ETH", D(2000), D(100000), [LEG], lo=D("-0.5"), hi=D("0.5"), steps=11, horizon_s=30 * 86400)
    root = ET.fromstring(svg_chart(sc))
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("720", "400", "0 0 720 400")
    xs = [50 + 62 * k for k in range(11)]
    unhedged = [(x, 350 - 30 * k) for k, x in enumerate(xs)]                     # $-50,000 + $10,000 k
    # hedged: half the move less $410.96 carry, i.e. $-25,410.96 + $5,000 k, until the short is
    # liquidated at +49%; at +50% only the lost margin counts: $+25,000
    hedged = [(x, round(50 + (50000 - (-25000 - 410.96 + 5000 * k)) * 0.003, 1)) for k, x in enumerate(xs[:10])]
    hedged.append((670, 125))
    assert _svg_points(root, "unhedged") == pytest.approx(_flat(unhedged), abs=0.051)
    assert _svg_points(root, "hedged") == pytest.approx(_flat(hedged), abs=0.051)
    zero = [e for e in root.iter(SVG + "line") if e.get("class") != "liquidation"]
    assert [(float(e.get("y1", "")), float(e.get("y2", ""))) for e in zero] == [(200, 200)]    # $0
    (liq,) = [e for e in root.iter(SVG + "line") if e.get("class") == "liquidation"]
    assert float(liq.get("x1", "")) == float(liq.get("x2", "")) == pytest.approx(50 + 0.99 * 620, abs=0.051)
    assert any("liquidation: gmx ETH short" in (t.text or "") for t in root.iter(SVG + "text"))


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
