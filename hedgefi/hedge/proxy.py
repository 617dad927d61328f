"""Proxy hedges (pure): hedge an asset with no usable market on another asset's market, sized by beta.

Estimate, over the last ``beta_days`` days both histories cover: each series is resampled to whole **days**
(the last price at or before 00:00 UTC), and the **daily log returns** x = ln(P_t / P_t-1) of the asset and
y of the proxy, on the days both have, give::

    beta = cov(x, y) / var(y)        correlation = cov(x, y) / sqrt(var(x) var(y))

(population moments; ``Decimal`` ``ln`` and ``sqrt``). Daily, not hourly: feeds update on deviation and
heartbeat, so two feeds' hourly prices move at different moments and hourly returns understate how the
assets move together. At least ``MIN_RETURNS`` returns are needed.

The hedge on the proxy's market is the asset's exposure x ratio x beta. It is refused (the asset stays
unhedged, with the reason) when the correlation is below the policy's ``min_correlation``, when beta is not
positive, or when the history is too short. ``proxy = "auto"`` estimates every candidate (the assets that
have a market, which the caller passes) and keeps the highest correlation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from hedgefi.core.series import PriceSeries
from hedgefi.core.units import fmt, money
from hedgefi.hedge.policy import AssetPolicy

DAY = 86400
MIN_RETURNS = 10
Q = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class BetaEstimate:
    asset: str
    proxy: str
    beta: Decimal | None            # None: not enough history (see reason)
    correlation: Decimal | None
    window_days: int
    points: int                     # daily returns used
    start: int = 0                  # unix seconds of the first and last daily price used
    end: int = 0
    reason: str = ""

    @money
    def as_json(self) -> dict[str, Any]:
        return {"asset": self.asset, "proxy": self.proxy,
                "beta": None if self.beta is None else fmt(self.beta.quantize(Q)),
                "correlation": None if self.correlation is None else fmt(self.correlation.quantize(Q)),
                "window_days": self.window_days, "points": self.points, "start": self.start, "end": self.end,
                "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ProxyChoice:
    asset: str
    proxy: str | None               # the market's asset to short; None: unhedged
    beta: Decimal                   # 0 when unhedged
    estimate: BetaEstimate | None   # the chosen (or best rejected) estimate
    candidates: tuple[BetaEstimate, ...] = ()
    reason: str = ""                # why unhedged ("" when hedged)

    @property
    def hedged(self) -> bool:
        return self.proxy is not None

    @money
    def as_json(self) -> dict[str, Any]:
        return {"asset": self.asset, "proxy": self.proxy, "beta": fmt(self.beta.quantize(Q)), "hedged": self.hedged,
                "estimate": self.estimate.as_json() if self.estimate else None,
                "candidates": [c.as_json() for c in self.candidates], "reason": self.reason}


@money
def estimate_beta(asset: PriceSeries, proxy: PriceSeries, days: int) -> BetaEstimate:
    """Beta and correlation of ``asset``'s daily log returns on ``proxy``'s over the last ``days`` days."""
    a = dict(asset.hourly(step=DAY).points) if asset.points else {}
    p = dict(proxy.hourly(step=DAY).points) if proxy.points else {}
    common = sorted(set(a) & set(p))
    if common:
        common = [t for t in common if t >= common[-1] - days * DAY]
    # consecutive days only: a gap in either series would make a multi-day return look like one day's
    xs: list[Decimal] = []
    ys: list[Decimal] = []
    for t0, t1 in zip(common, common[1:]):
        if t1 - t0 == DAY:
            xs.append((a[t1] / a[t0]).ln())
            ys.append((p[t1] / p[t0]).ln())
    start, end = (common[0], common[-1]) if common else (0, 0)
    if len(xs) < MIN_RETURNS:
        return BetaEstimate(asset.asset, proxy.asset, None, None, days, len(xs), start, end,
                            f"{len(xs)} daily returns in common over {days} days; need {MIN_RETURNS}")
    n = Decimal(len(xs))
    mx, my = sum(xs, Decimal(0)) / n, sum(ys, Decimal(0)) / n
    cov = sum(((x - mx) * (y - my) for x, y in zip(xs, ys)), Decimal(0)) / n
    vx = sum(((x - mx) ** 2 for x in xs), Decimal(0)) / n
    vy = sum(((y - my) ** 2 for y in ys), Decimal(0)) / n
    if vx == 0 or vy == 0:
        return BetaEstimate(asset.asset, proxy.asset, None, None, days, len(xs), start, end,
                            f"{asset.asset if vx == 0 else proxy.asset} price did not move over the window")
    return BetaEstimate(asset.asset, proxy.asset, cov / vy, cov / (vx * vy).sqrt(), days, len(xs), start, end)


@money
def choose_proxy(asset: PriceSeries, candidates: Mapping[str, PriceSeries], policy: AssetPolicy) -> ProxyChoice:
    """The proxy hedge for ``asset`` under ``policy.proxy``: a named asset, or ``"auto"`` = the candidate with
    the highest correlation. ``candidates``: histories of the assets that have a usable market (by symbol)."""
    name = asset.asset
    want = policy.proxy
    if want is None:
        return ProxyChoice(name, None, Decimal(0), None, reason=f"{name}: the policy sets no proxy")
    if want == "auto":
        pool = {k: v for k, v in candidates.items() if k.upper() != name.upper()}
        if not pool:
            return ProxyChoice(name, None, Decimal(0), None, reason=f"{name}: no asset with a market to proxy it")
    else:
        if want not in candidates:
            return ProxyChoice(name, None, Decimal(0), None,
                               reason=f"{name}: proxy {want} has no usable market or no price history")
        pool = {want: candidates[want]}
    ests = tuple(estimate_beta(asset, s, policy.beta_days) for s in pool.values())
    usable = [e for e in ests if e.correlation is not None]
    if not usable:
        best = ests[0]
        return ProxyChoice(name, None, Decimal(0), best, ests, f"{name}: unhedged, {best.reason}")
    best = max(usable, key=lambda e: e.correlation or Decimal(-2))
    assert best.correlation is not None and best.beta is not None
    if best.correlation < policy.min_correlation:
        return ProxyChoice(name, None, Decimal(0), best, ests,
                           f"{name}: unhedged, correlation with {best.proxy} {fmt(best.correlation.quantize(Q))} over "
                           f"{best.window_days} days is below min_correlation {fmt(policy.min_correlation)}")
    if best.beta <= 0:
        return ProxyChoice(name, None, Decimal(0), best, ests,
                           f"{name}: unhedged, beta on {best.proxy} is {fmt(best.beta.quantize(Q))} (not positive)")
    return ProxyChoice(name, best.proxy, best.beta, best, ests)


__all__ = ["BetaEstimate", "ProxyChoice", "estimate_beta", "choose_proxy", "MIN_RETURNS"]
