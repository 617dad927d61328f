"""Charts of a scenario and of a backtest, drawn by kept libraries: matplotlib for files, plotext for terminals.

Both libraries are the optional ``charts`` extra (``pip install 'hedgefi[charts]'``) and are imported only
here, inside the functions that draw: ``hedgefi --help`` and every command that draws nothing never load
them. A missing library is a ``ChartsUnavailableError`` (one line saying what to install).

File charts: the suffix picks the format (``.svg`` or ``.png``); matplotlib's Agg backend (no display);
SVG text is kept as ``<text>`` (not glyph paths) so the file is searchable and testable. Each chart has axes,
USD tick labels, gridlines and a legend; the scenario's draws each short's liquidation point as a dashed
red line. The series are SVG groups with ids (``unhedged``, ``hedged``). Values become ``float`` only here,
at the drawing boundary.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedgefi.core.errors import ConfigError
from hedgefi.core.units import fmt, money

if TYPE_CHECKING:
    from hedgefi.hedge.backtest import BacktestResult
    from hedgefi.risk.scenario import Scenario

FORMATS = (".svg", ".png")


class ChartsUnavailableError(ConfigError):
    """A chart was asked for and matplotlib or plotext is not installed."""


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise ChartsUnavailableError(f"charts need {top}, which is not installed: pip install 'hedgefi[charts]'") \
            from None


def check_chart_path(path: Path) -> None:
    """Refuse a chart file whose suffix names no format we write (before any work is done)."""
    from hedgefi.core.errors import InputError

    if path.suffix.lower() not in FORMATS:
        raise InputError(f"chart file {path} must end in .svg or .png")


def _figure(title: str) -> tuple[Any, Any]:
    _need("matplotlib")
    from matplotlib import rcParams
    from matplotlib.figure import Figure      # a Figure without pyplot: no global state, no display backend

    rcParams["svg.fonttype"] = "none"
    rcParams["svg.hashsalt"] = "hedgefi"      # stable ids: the same chart gives the same file
    fig = Figure(figsize=(9, 5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.grid(True, color="#dddddd", linewidth=0.8)
    ax.yaxis.set_major_formatter(_need("matplotlib.ticker").FuncFormatter(_usd_tick))
    return fig, ax


def _usd_tick(v: float, _pos: int | None = None) -> str:
    sign = "-" if v < 0 else ""
    return f"{sign}${abs(v):,.0f}"


def _save(fig: Any, path: Path) -> None:
    check_chart_path(path)
    fig.savefig(path, format=path.suffix.lower()[1:], metadata={"Date": None} if path.suffix.lower() == ".svg"
                else None)


@money
def scenario_chart_file(sc: "Scenario", path: Path) -> None:
    """The scenario as an SVG or PNG: value change against the price move, unhedged and hedged."""
    fig, ax = _figure(f"{sc.asset} at ${fmt(sc.price)}: value change across price moves "
                      f"(carry over {sc.horizon_s // 86400} days: ${fmt(sc.carry_usd)})")
    xs = [float(m * 100) for m in sc.moves]
    ax.plot(xs, [float(v) for v in sc.unhedged], color="#d62728", linewidth=2, label="unhedged", gid="unhedged")
    ax.plot(xs, [float(v) for v in sc.hedged], color="#1f77b4", linewidth=2, marker="o", markersize=3,
            label="hedged", gid="hedged")
    ax.axhline(0, color="#777777", linewidth=0.8)
    lo, hi = sc.moves[0], sc.moves[-1]
    for leg, m in sc.liquidations:
        if lo <= m <= hi:
            ax.axvline(float(m * 100), color="red", linestyle="--", linewidth=1.2,
                       label=f"liquidation: {leg} ({fmt((m * 100).quantize(1))}%, "
                             f"${fmt((sc.price * (1 + m)).quantize(1))})", gid="liquidation")
    ax.set_xlabel(f"{sc.asset} price move (%)")
    ax.set_ylabel("portfolio value change (USD)")
    ax.xaxis.set_major_formatter(_need("matplotlib.ticker").FuncFormatter(lambda v, _p: f"{v:+.0f}%"))
    ax.legend(loc="best")
    _save(fig, path)


def _dates(times: tuple[int, ...]) -> list[datetime]:
    return [datetime.fromtimestamp(t, tz=timezone.utc) for t in times]


@money
def backtest_chart_file(result: "BacktestResult", path: Path, *, title: str = "") -> None:
    """The backtest as an SVG or PNG: portfolio value over time, unhedged and hedged."""
    fig, ax = _figure(title or f"Backtest: hedged ${fmt(result.final_hedged_usd.quantize(1))} vs unhedged "
                               f"${fmt(result.final_unhedged_usd.quantize(1))}")
    xs = _dates(result.times)
    ax.plot(xs, [float(v) for v in result.unhedged_usd], color="#d62728", linewidth=1.5, label="unhedged",
            gid="unhedged")
    ax.plot(xs, [float(v) for v in result.hedged_usd], color="#1f77b4", linewidth=1.5,
            label=f"hedged ({result.rebalances} rebalances, {result.liquidations_suffered} liquidations)",
            gid="hedged")
    ax.set_xlabel("date (UTC)")
    ax.set_ylabel("portfolio value (USD)")
    ax.xaxis.set_major_formatter(_need("matplotlib.dates").DateFormatter("%Y-%m-%d"))
    fig.autofmt_xdate()
    ax.legend(loc="best")
    _save(fig, path)


def _terminal(width: int, height: int) -> Any:
    plt = _need("plotext")
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    return plt


def _usd_ticks(plt: Any, values: list[float], n: int = 5) -> None:
    lo, hi = min(values), max(values)
    if hi == lo:
        hi = lo + 1
    ticks = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
    plt.yticks(ticks, [_usd_tick(t) for t in ticks])


@money
def scenario_text_chart(sc: "Scenario", width: int = 78, height: int = 20) -> str:
    """The scenario for a terminal (plotext): both series, the liquidation points as vertical lines."""
    plt = _terminal(width, height)
    xs = [float(m * 100) for m in sc.moves]
    unhedged, hedged = [float(v) for v in sc.unhedged], [float(v) for v in sc.hedged]
    plt.plot(xs, unhedged, label="unhedged", color="red", marker="braille")
    plt.plot(xs, hedged, label="hedged", color="blue", marker="braille")
    for leg, m in sc.liquidations:
        if sc.moves[0] <= m <= sc.moves[-1]:
            plt.vline(float(m * 100), "red")
    _usd_ticks(plt, unhedged + hedged)
    liq = "; ".join(f"{leg} liquidated at {fmt((m * 100).quantize(1))}%" for leg, m in sc.liquidations)
    plt.title(f"{sc.asset} value change by price move (%)" + (f" | {liq}" if liq else ""))
    return str(plt.build())


@money
def backtest_text_chart(result: "BacktestResult", width: int = 78, height: int = 20) -> str:
    """The backtest for a terminal (plotext): value over days since the start, unhedged and hedged."""
    plt = _terminal(width, height)
    xs = [(t - result.start) / 86400 for t in result.times]
    unhedged, hedged = [float(v) for v in result.unhedged_usd], [float(v) for v in result.hedged_usd]
    plt.plot(xs, unhedged, label="unhedged", color="red", marker="braille")
    plt.plot(xs, hedged, label="hedged", color="blue", marker="braille")
    _usd_ticks(plt, unhedged + hedged)
    plt.xlabel("days since " + _dates((result.start,))[0].strftime("%Y-%m-%d %H:%M UTC"))
    plt.title("portfolio value, hedged vs unhedged")
    return str(plt.build())


def plain(text: str) -> str:
    """A terminal chart without its colour codes."""
    return str(_need("plotext").uncolorize(text))


__all__ = ["ChartsUnavailableError", "scenario_chart_file", "backtest_chart_file", "scenario_text_chart",
           "backtest_text_chart", "check_chart_path", "plain", "FORMATS"]
