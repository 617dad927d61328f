"""Per-asset hedge targets from a policy and price history (pure): the trend ratio and the proxy, in one place.

``resolve_targets(policy, assets, histories, with_market)`` says for each held asset what share of its
exposure to hedge (``ratio``: the policy's, or a trend policy's signal, ``hedge.signals``), on which market's
asset (``hedge_asset``: the asset itself when it has a usable market, else its proxy, ``hedge.proxy``, else
None: unhedged, with the reason) and by how much per dollar (``beta``: the hedge notional is
exposure x ratio x beta). ``with_ratios(policy, targets)`` is the policy with each trend asset's ``ratio``
set to the one chosen, for the planner. ``history_days(policy)`` is how much feed history they need.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Collection, Iterable, Mapping

from hedgefi.core.series import PriceSeries
from hedgefi.core.units import fmt
from hedgefi.hedge.policy import HedgePolicy
from hedgefi.hedge.proxy import ProxyChoice, choose_proxy
from hedgefi.hedge.signals import TrendSignal, trend_ratio


@dataclass(frozen=True, slots=True)
class AssetTarget:
    asset: str
    ratio: Decimal
    hedge_asset: str | None          # None: unhedged (see reason)
    beta: Decimal                    # 1 on the asset's own market
    signal: TrendSignal | None = None
    proxy: ProxyChoice | None = None
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"asset": self.asset, "ratio": fmt(self.ratio), "hedge_asset": self.hedge_asset,
                "beta": self.proxy.as_json()["beta"] if self.proxy else fmt(self.beta),
                "signal": self.signal.as_json() if self.signal else None,
                "proxy": self.proxy.as_json() if self.proxy else None, "reason": self.reason}


def history_days(policy: HedgePolicy) -> int:
    """Days of feed history the policy's trend signals and proxy betas read (0: none)."""
    every = ([policy.default] if policy.default else []) + list(policy.assets.values())
    return max([0] + [max(a.signal_days if a.is_trend else 0, a.beta_days if a.proxy else 0) for a in every])


def resolve_targets(policy: HedgePolicy, assets: Iterable[str], histories: Mapping[str, PriceSeries],
                    with_market: Collection[str]) -> dict[str, AssetTarget]:
    """Each asset's target (the module docstring); ``with_market``: the assets with a usable market now,
    ``histories``: their feeds' history by asset (what ``history_days`` asks for)."""
    markets = {m.upper() for m in with_market}
    hist = {k.upper(): v for k, v in histories.items()}
    out: dict[str, AssetTarget] = {}
    for name in assets:
        a = name.upper()
        ap = policy.for_asset(a)
        if ap is None:
            continue
        series = hist.get(a, PriceSeries(a, ()))
        signal = trend_ratio(series, ap) if ap.is_trend else None
        ratio = signal.ratio if signal is not None else ap.ratio
        if a in markets:
            out[a] = AssetTarget(a, ratio, a, Decimal(1), signal)
        elif ap.proxy is not None:
            choice = choose_proxy(series, {m: hist[m] for m in markets if m in hist}, ap)
            out[a] = AssetTarget(a, ratio, choice.proxy, choice.beta, signal, choice, choice.reason)
        else:
            out[a] = AssetTarget(a, ratio, None, Decimal(0), signal,
                                 reason=f"{a}: no usable market and no proxy in the plan; unhedged")
    return out


def with_ratios(policy: HedgePolicy, targets: Mapping[str, AssetTarget]) -> HedgePolicy:
    """``policy`` with every trend asset's ``ratio`` replaced by the one its signal chose."""
    assets = dict(policy.assets)
    for a, t in targets.items():
        ap = policy.for_asset(a)
        if ap is not None and ap.is_trend and t.signal is not None:
            assets[a] = replace(ap, ratio=t.ratio)
    return replace(policy, assets=assets)


__all__ = ["AssetTarget", "resolve_targets", "with_ratios", "history_days"]
