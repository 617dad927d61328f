"""Trend signals (pure): the hedge ratio a ``policy = "trend"`` asset holds, from its price history.

A signal turns an hourly ``PriceSeries`` into a **score** in [-1, 1]: +1 a clear uptrend, -1 a clear
downtrend. The ratio follows the score linearly between the policy's bounds::

    ratio = max_ratio - (max_ratio - min_ratio) x (score + 1) / 2

so a downtrend (score -1) hedges at ``max_ratio`` (the spot is falling: hedge more), an uptrend (+1) at
``min_ratio`` (let the spot run), a flat market (0) half way between.

Built-in signals, N = ``signal_days``, on the series resampled to whole hours:

- ``ma``: the last price P against the mean M of the last N x 24 hourly prices (P included);
  d = P / M - 1, score = clamp(d / 5%, -1, 1): 5% above the average or more is a full uptrend.
- ``momentum``: the N-day return r = P / P(N days earlier) - 1 (N x 24 + 1 hourly prices);
  score = clamp(r / 10%, -1, 1).
- ``"mypkg.mod:fn"``: a user hook, imported on use. It is called as ``fn(series, policy)`` with the
  hourly ``PriceSeries`` (oldest first, every point up to now) and the asset's ``AssetPolicy``, and returns
  the **score** (a ``Decimal``, ``int`` or finite ``float`` in [-1, 1]); the ratio rule above applies to it.
  A hook that cannot be imported, is not callable, raises, or returns anything else is an ``InputError``
  naming the hook.

With too little history (fewer points than the signal needs) the result falls back to ``max_ratio``, the
conservative choice, and says why (``fallback`` and ``reason``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from hedgefi.core.errors import InputError
from hedgefi.core.series import HOUR, PriceSeries
from hedgefi.core.units import fmt, money
from hedgefi.hedge.policy import AssetPolicy

MA_BAND = Decimal("0.05")          # price this far above / below its MA = a full up / down trend
MOMENTUM_BAND = Decimal("0.10")    # N-day return this large = a full up / down trend
RATIO_Q = Decimal("0.0001")
DAY_HOURS = 24


@dataclass(frozen=True, slots=True)
class TrendSignal:
    asset: str
    signal: str                     # "ma", "momentum" or the hook's "module:function"
    days: int                       # N
    points: int                     # hourly prices the signal used
    as_of: int                      # unix seconds of the last price used (0: no history)
    price: Decimal | None           # the last price
    reference: Decimal | None       # ma: the N-day moving average; momentum: the price N days earlier
    value: Decimal | None           # ma: price / MA - 1; momentum: the N-day return
    score: Decimal | None           # in [-1, 1]; None on a fallback
    ratio: Decimal                  # the hedge ratio chosen, in [min_ratio, max_ratio]
    min_ratio: Decimal
    max_ratio: Decimal
    fallback: bool = False
    reason: str = ""

    @money
    def as_json(self) -> dict[str, Any]:
        def opt(v: Decimal | None) -> str | None:
            return None if v is None else fmt(v)

        return {"asset": self.asset, "signal": self.signal, "days": self.days, "points": self.points,
                "as_of": self.as_of, "price": opt(self.price), "reference": opt(self.reference),
                "value": opt(self.value), "score": opt(self.score), "ratio": fmt(self.ratio),
                "min_ratio": fmt(self.min_ratio), "max_ratio": fmt(self.max_ratio), "fallback": self.fallback,
                "reason": self.reason}


def _clamp(x: Decimal) -> Decimal:
    return max(Decimal(-1), min(Decimal(1), x))


@money
def ratio_for_score(score: Decimal, min_ratio: Decimal, max_ratio: Decimal) -> Decimal:
    """The documented rule: score -1 -> max_ratio, +1 -> min_ratio, linear in between (to 4 decimals)."""
    r = max_ratio - (max_ratio - min_ratio) * (_clamp(score) + 1) / 2
    return min(max_ratio, max(min_ratio, r.quantize(RATIO_Q)))


@money
def trend_ratio(series: PriceSeries, policy: AssetPolicy) -> TrendSignal:
    """The ratio a trend policy holds now, with the signal's inputs. ``series`` may be raw feed rounds or
    already hourly; it is resampled to whole hours, and a round newer than the last whole hour ends it (the
    price now)."""
    if not policy.is_trend or policy.min_ratio is None or policy.max_ratio is None:
        raise InputError(f"{series.asset}: trend_ratio needs a policy = \"trend\" with min_ratio and max_ratio")
    lo, hi = policy.min_ratio, policy.max_ratio
    hourly = series.hourly(step=HOUR)
    if series.points and hourly.points and series.points[-1][0] > hourly.points[-1][0]:
        # the newest round came after the last whole hour: it is the price now, so it ends the series
        hourly = PriceSeries(series.asset, (*hourly.points, series.points[-1]), series.source)
    pts = hourly.points
    n = policy.signal_days * DAY_HOURS

    def result(points: int, price: Decimal | None, reference: Decimal | None, value: Decimal | None,
               score: Decimal | None, reason: str = "") -> TrendSignal:
        ratio = hi if score is None else ratio_for_score(score, lo, hi)
        return TrendSignal(series.asset, policy.signal, policy.signal_days, points, hourly.end, price, reference,
                           value, score, ratio, lo, hi, score is None, reason)

    def fallback(reason: str) -> TrendSignal:
        return result(len(pts), pts[-1][1] if pts else None, None, None, None,
                      f"{reason}; hedging at max_ratio {fmt(hi)}")

    if policy.signal == "ma":
        if len(pts) < n:
            return fallback(f"{len(pts)} hourly prices, the {policy.signal_days}-day MA needs {n}")
        window = [p for _, p in pts[-n:]]
        ma = sum(window, Decimal(0)) / n
        d = window[-1] / ma - 1
        return result(n, window[-1], ma, d, _clamp(d / MA_BAND))
    if policy.signal == "momentum":
        if len(pts) < n + 1:
            return fallback(f"{len(pts)} hourly prices, {policy.signal_days}-day momentum needs {n + 1}")
        price, then = pts[-1][1], pts[-1 - n][1]
        r = price / then - 1
        return result(n + 1, price, then, r, _clamp(r / MOMENTUM_BAND))
    if not pts:
        return fallback("no price history")
    return result(len(pts), pts[-1][1], None, None, hook_score(policy.signal, hourly, policy))


def load_hook(spec: str) -> Callable[..., Any]:
    """Import ``"package.module:function"``; an ``InputError`` saying what is missing otherwise."""
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"signal hook {spec}: cannot import {module_name} ({exc})") from exc
    fn = getattr(module, attr, None)
    if fn is None:
        raise InputError(f"signal hook {spec}: {module_name} has no {attr}")
    if not callable(fn):
        raise InputError(f"signal hook {spec}: {attr} is not a function")
    return fn  # type: ignore[no-any-return]


@money
def hook_score(spec: str, series: PriceSeries, policy: AssetPolicy) -> Decimal:
    """Call a user signal and check its answer: a finite number in [-1, 1]."""
    fn = load_hook(spec)
    try:
        got = fn(series, policy)
    except Exception as exc:  # the user's code: report it as their input's error, with its cause
        raise InputError(f"signal hook {spec} raised {type(exc).__name__}: {exc}") from exc
    if isinstance(got, bool) or not isinstance(got, (Decimal, int, float)):
        raise InputError(f"signal hook {spec} must return a number in [-1, 1] (a Decimal), got {type(got).__name__}")
    score = Decimal(str(got)) if isinstance(got, float) else Decimal(got)
    if not score.is_finite() or not Decimal(-1) <= score <= Decimal(1):
        raise InputError(f"signal hook {spec} must return a score in [-1, 1], got {got!r}")
    return score


__all__ = ["TrendSignal", "trend_ratio", "ratio_for_score", "hook_score", "load_hook", "MA_BAND", "MOMENTUM_BAND"]
