"""Scenario values against hand-computed cases, the charts (matplotlib SVG/PNG, plotext), and alert thresholds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal as D
from pathlib import Path

import pytest

from hedgefi.hedge.planner import Exposure
from hedgefi.risk.alerts import Thresholds, evaluate
from hedgefi.risk.charts import plain, scenario_chart_file, scenario_text_chart
from hedgefi.risk.scenario import ShortLeg, compute
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
    chart = plain(scenario_text_chart(sc, 78, 20))
    assert "unhedged" in chart and "hedged" in chart and "liquidated at 49%" in chart
    assert len(re.findall(r"-?\$[0-9,]+┤", chart)) == 5 and len(chart.splitlines()) == 20   # five USD ticks


def _path(root: ET.Element, gid: str) -> list[tuple[float, float]]:
    """The vertices of the line drawn in the SVG group with this id (matplotlib writes ``M x y L x y ...``)."""
    (group,) = [e for e in root.iter(SVG + "g") if e.get("id") == gid]
    d = next(e for e in group.iter(SVG + "path")).get("d", "")
    nums = [float(v) for v in re.findall(r"-?[0-9.]+", d)]
    return list(zip(nums[0::2], nums[1::2]))


def test_svg_draws_the_hand_computed_scenario_where_it_belongs(tmp_path: Path) -> None:
    """The picture, parsed: the unhedged line's ends (-50% at $-50,000, +50% at $+50,000) give the chart's
    pixel scales; through them every point of both lines sits at its hand-computed value, and the liquidation
    line at +49%. The axis labels are USD, the legend names the lines."""
    sc = compute("ETH", D(2000), D(100000), [LEG], lo=D("-0.5"), hi=D("0.5"), steps=11, horizon_s=30 * 86400)
    out = tmp_path / "sc.svg"
    scenario_chart_file(sc, out)
    root = ET.fromstring(out.read_text())
    unhedged, hedged = _path(root, "unhedged"), _path(root, "hedged")
    (x0, y0), (x1, y1) = unhedged[0], unhedged[-1]
    move = lambda x: -50 + (x - x0) / (x1 - x0) * 100            # noqa: E731  (percent)
    usd = lambda y: -50000 + (y - y0) / (y1 - y0) * 100000        # noqa: E731
    assert [move(x) for x, _ in unhedged] == pytest.approx([-50 + 10 * k for k in range(11)], abs=0.01)
    assert [usd(y) for _, y in unhedged] == pytest.approx([-50000 + 10000 * k for k in range(11)], abs=1)
    # hedged: half the move less $410.96 carry until the short is liquidated at +49%; at +50% the lost margin
    want = [-25000 - 410.96 + 5000 * k for k in range(10)] + [25000]
    assert [usd(y) for _, y in hedged] == pytest.approx(want, abs=1)
    liq = _path(root, "liquidation")
    assert [move(x) for x, _ in liq] == pytest.approx([49, 49], abs=0.01)
    texts = [t.text or "" for t in root.iter(SVG + "text")]
    assert {"$0", "$20,000", "-$20,000"} <= set(texts) and "+20%" in texts
    assert {"unhedged", "hedged", "liquidation: gmx ETH short (49%, $2980)"} <= set(texts)
    png = tmp_path / "sc.png"
    scenario_chart_file(sc, png)
    import matplotlib.image

    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and matplotlib.image.imread(png).shape[:2] == (500, 900)


def test_chart_file_suffix_is_checked(tmp_path: Path) -> None:
    from hedgefi.core.errors import InputError

    sc = compute("ETH", D(2000), D(100000), [LEG], steps=5)
    with pytest.raises(InputError, match="must end in .svg or .png"):
        scenario_chart_file(sc, tmp_path / "sc.jpg")


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
