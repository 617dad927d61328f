"""Backtest (pure): replay a ``HedgePolicy`` over hourly price histories; hedged vs unhedged value.

The model, per held asset (``holdings``: token amounts, held unchanged all along):

- **Timeline**: the whole hours all the histories involved cover (each resampled with
  ``PriceSeries.hourly``), from ``start`` (earlier points only feed the trend signal).
- **Target**: notional T = ratio x tokens x price (x beta, on the proxy's market, for a proxy hedge). A fixed
  policy's ratio is ``ratio``; a trend policy's is ``hedge.signals.trend_ratio`` on the history up to that
  hour, re-read at the first hour and then once a day at 00:00 UTC (as a daily ``hedge apply`` would).
- **The short** (tokens s, entry price E, collateral C in USD): opened or resized at the hour's price to T
  when |s x price - T| > drift_band x T (the planner's rule); an increase posts size / max_leverage as
  collateral and moves E to the size-weighted mean; a decrease realises its share of the PnL and takes its
  share of C back. Every trade pays ``position_fee_rate`` x traded notional (the venue's position fee,
  passed in), from the wallet's cash. The first opening is not counted as a rebalance.
- **Carry**: each hour the short pays ``carry_apr`` (its yearly funding + borrowing rate, passed in: the
  venues' current rates held constant, an assumption) x notional at the hour's price x hours / 8760, taken
  from its collateral (as the venues do); a negative rate is received.
- **Liquidation**: when the price loss s x (price - E) >= C x (1 - maintenance) the short is liquidated
  and its remaining equity is lost (assumption: nothing is returned); the next hour's rebalance reopens it.
  The check runs before the hour's rebalance or top-up (the venue's keeper is first).
- **Margin maintenance** (``maintain_margin``; the policy's ``min_liquidation_distance``): when the
  liquidation price L = E + C (1 - maintenance) / s is less than ``min_liquidation_distance`` above the
  price, collateral is added until L is (1 - maintenance) / max_leverage above it (a fresh short's distance),
  within ``max_collateral_usd`` (the policy's ``max_collateral`` valued by the caller); when nothing may be
  added, nothing is. A top-up counts as a **liquidation avoided** when the price later reaches the
  liquidation price the short had before it, while the short is open.
- **Values**: unhedged = sum of tokens x price; hedged = unhedged + cash + each short's equity
  (C + s (E - price)), cash starting at 0 (collateral and fees come out of it, so the hedged value starts
  at the unhedged one less the opening fees). Final values mark the shorts at equity (no closing fee).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping, Sequence

from hedgefi.core.errors import InputError
from hedgefi.core.series import HOUR, PriceSeries
from hedgefi.core.units import fmt, money
from hedgefi.hedge.policy import AssetPolicy, HedgePolicy

DAY = 86400
YEAR_H = Decimal(365 * 24)
DEFAULT_MAINTENANCE = Decimal("0.1")   # liquidated at a 90% loss of collateral (gTrade v10's threshold)
USD_Q = Decimal("0.01")
FRAC_Q = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class AssetStats:
    asset: str
    hedge_asset: str          # the market's asset the short is on (the asset itself, or its proxy)
    beta: Decimal
    carry_paid_usd: Decimal
    fees_usd: Decimal
    rebalances: int
    top_ups: int
    top_up_usd: Decimal
    liquidations_avoided: int
    liquidations_suffered: int
    final_ratio: Decimal      # the target ratio at the end

    @money
    def as_json(self) -> dict[str, Any]:
        return {"asset": self.asset, "hedge_asset": self.hedge_asset, "beta": fmt(self.beta.quantize(FRAC_Q)),
                "carry_paid_usd": fmt(self.carry_paid_usd.quantize(USD_Q)), "fees_usd": fmt(self.fees_usd.quantize(USD_Q)),
                "rebalances": self.rebalances, "top_ups": self.top_ups,
                "top_up_usd": fmt(self.top_up_usd.quantize(USD_Q)), "liquidations_avoided": self.liquidations_avoided,
                "liquidations_suffered": self.liquidations_suffered, "final_ratio": fmt(self.final_ratio)}


@dataclass(frozen=True, slots=True)
class BacktestResult:
    times: tuple[int, ...]
    hedged_usd: tuple[Decimal, ...]
    unhedged_usd: tuple[Decimal, ...]
    max_drawdown_hedged: Decimal        # fraction of the running peak
    max_drawdown_unhedged: Decimal
    carry_paid_usd: Decimal
    fees_usd: Decimal
    rebalances: int
    top_ups: int
    top_up_usd: Decimal
    liquidations_avoided: int
    liquidations_suffered: int
    assets: tuple[AssetStats, ...]
    assumptions: tuple[str, ...]

    @property
    def start(self) -> int:
        return self.times[0]

    @property
    def end(self) -> int:
        return self.times[-1]

    @property
    def final_hedged_usd(self) -> Decimal:
        return self.hedged_usd[-1]

    @property
    def final_unhedged_usd(self) -> Decimal:
        return self.unhedged_usd[-1]

    @money
    def as_json(self, *, points: bool = True) -> dict[str, Any]:
        def usd(v: Decimal) -> str:
            return fmt(v.quantize(USD_Q))

        out: dict[str, Any] = {
            "start": self.start, "end": self.end, "hours": (self.end - self.start) // HOUR,
            "final_hedged_usd": usd(self.final_hedged_usd), "final_unhedged_usd": usd(self.final_unhedged_usd),
            "start_hedged_usd": usd(self.hedged_usd[0]), "start_unhedged_usd": usd(self.unhedged_usd[0]),
            "max_drawdown_hedged": fmt(self.max_drawdown_hedged.quantize(FRAC_Q)),
            "max_drawdown_unhedged": fmt(self.max_drawdown_unhedged.quantize(FRAC_Q)),
            "carry_paid_usd": usd(self.carry_paid_usd), "fees_usd": usd(self.fees_usd),
            "rebalances": self.rebalances, "top_ups": self.top_ups, "top_up_usd": usd(self.top_up_usd),
            "liquidations_avoided": self.liquidations_avoided, "liquidations_suffered": self.liquidations_suffered,
            "assets": [a.as_json() for a in self.assets], "assumptions": list(self.assumptions)}
        if points:
            out["points"] = [{"t": t, "hedged_usd": usd(h), "unhedged_usd": usd(u)}
                             for t, h, u in zip(self.times, self.hedged_usd, self.unhedged_usd)]
        return out


@dataclass
class _Leg:
    asset: str
    hedge_asset: str
    beta: Decimal
    policy: AssetPolicy
    tokens: Decimal
    carry_apr: Decimal
    fee_rate: Decimal
    budget_usd: Decimal | None
    history: PriceSeries                  # the held asset's hourly history (for the trend signal)
    ratio: Decimal = Decimal(0)
    s: Decimal = Decimal(0)               # short size, tokens of the hedge asset
    entry: Decimal = Decimal(0)
    coll: Decimal = Decimal(0)            # collateral, USD
    cash: Decimal = Decimal(0)
    carry: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    rebalances: int = 0
    top_ups: int = 0
    top_up_usd: Decimal = Decimal(0)
    avoided: int = 0
    suffered: int = 0
    shadows: list[Decimal] = field(default_factory=list)   # liquidation prices before each top-up

    def equity(self, q: Decimal) -> Decimal:
        return self.coll + self.s * (self.entry - q)

    def liq_price(self, maintenance: Decimal) -> Decimal:
        return self.entry + self.coll * (1 - maintenance) / self.s


@money
def run_backtest(policy: HedgePolicy, histories: Mapping[str, PriceSeries], holdings: Mapping[str, Decimal], *,
                 carry_apr: Mapping[str, Decimal], position_fee_rate: Mapping[str, Decimal],
                 start: int | None = None, maintenance: Decimal = DEFAULT_MAINTENANCE, maintain_margin: bool = True,
                 max_collateral_usd: Mapping[str, Decimal] | None = None,
                 proxies: Mapping[str, tuple[str, Decimal]] | None = None) -> BacktestResult:
    """Replay ``policy`` (see the module docstring for the model).

    ``histories``: by asset symbol, every held asset's and every hedge market's; ``holdings``: tokens held by
    asset; ``carry_apr`` / ``position_fee_rate``: by the asset of the market the short is on (the proxy's for a
    proxy hedge), fractions (0.1 = 10%/yr; 0.0006 = 6 bps); ``proxies``: asset -> (market asset, beta) for
    assets hedged on another market; ``max_collateral_usd``: per held asset, the most collateral its short may
    hold (None or absent: no limit)."""
    proxies = dict(proxies or {})
    budgets = dict(max_collateral_usd or {})
    assumptions = ["carry: the venues' current funding + borrowing rates, held constant over the window",
                   "fees: the venue's position fee on every traded notional; no closing fee at the end",
                   f"liquidation when the short's price loss reaches {fmt((1 - maintenance) * 100)}% of its "
                   "collateral (after carry); its remaining equity is lost",
                   "prices: the feeds' last price at or before each whole hour; trades fill at it (no slippage)"]
    hourly = {k.upper(): v.hourly(step=HOUR) for k, v in histories.items()}
    legs: list[_Leg] = []
    held: dict[str, Decimal] = {}
    for name, tokens in holdings.items():
        a = name.upper()
        if tokens <= 0:
            continue
        if a not in hourly or not hourly[a].points:
            raise InputError(f"backtest: no price history for {a}")
        held[a] = tokens
        ap = policy.for_asset(a)
        if ap is None:
            continue
        hedge_asset, beta = proxies.get(a, (a, Decimal(1)))
        hedge_asset = hedge_asset.upper()
        if hedge_asset not in hourly or not hourly[hedge_asset].points:
            raise InputError(f"backtest: no price history for {hedge_asset}, the market {a} is hedged on")
        if hedge_asset not in carry_apr:
            assumptions.append(f"no carry rate for {hedge_asset}: 0 assumed")
        if hedge_asset not in position_fee_rate:
            assumptions.append(f"no position fee for {hedge_asset}: 0 assumed")
        legs.append(_Leg(a, hedge_asset, beta, ap, tokens, carry_apr.get(hedge_asset, Decimal(0)),
                         position_fee_rate.get(hedge_asset, Decimal(0)), budgets.get(a), hourly[a]))
    if not held:
        raise InputError("backtest: nothing held to replay")
    times = _timeline([hourly[a] for a in {*held, *(leg.hedge_asset for leg in legs)}], start)
    price_at = {a: dict(s.points) for a, s in hourly.items()}
    hedged: list[Decimal] = []
    unhedged: list[Decimal] = []
    prev = times[0]
    for i, t in enumerate(times):
        dt_h = Decimal(t - prev) / HOUR
        prev = t
        for leg in legs:
            q = price_at[leg.hedge_asset][t]
            if i > 0 and leg.s > 0:
                _carry_and_risk(leg, q, dt_h, maintenance, maintain_margin)
            if i == 0 or t % DAY == 0 or not leg.policy.is_trend:
                leg.ratio = _ratio(leg, t)
            target = leg.ratio * leg.tokens * price_at[leg.asset][t] * leg.beta
            _rebalance(leg, q, target, first=(i == 0))
        u = sum((tok * price_at[a][t] for a, tok in held.items()), Decimal(0))
        unhedged.append(u)
        hedged.append(u + sum((leg.cash + leg.equity(price_at[leg.hedge_asset][t]) for leg in legs), Decimal(0)))
    stats = tuple(AssetStats(leg.asset, leg.hedge_asset, leg.beta, leg.carry, leg.fees, leg.rebalances, leg.top_ups,
                             leg.top_up_usd, leg.avoided, leg.suffered, leg.ratio) for leg in legs)
    return BacktestResult(tuple(times), tuple(hedged), tuple(unhedged), max_drawdown(hedged), max_drawdown(unhedged),
                          sum((s.carry_paid_usd for s in stats), Decimal(0)), sum((s.fees_usd for s in stats), Decimal(0)),
                          sum(s.rebalances for s in stats), sum(s.top_ups for s in stats),
                          sum((s.top_up_usd for s in stats), Decimal(0)), sum(s.liquidations_avoided for s in stats),
                          sum(s.liquidations_suffered for s in stats), stats, tuple(assumptions))


def _timeline(series: Sequence[PriceSeries], start: int | None) -> list[int]:
    common = {t for t, _ in series[0].points}
    for s in series[1:]:
        common &= {t for t, _ in s.points}
    times = sorted(t for t in common if start is None or t >= start)
    if not times:
        raise InputError("backtest: the price histories share no hour in the window")
    return times


def _ratio(leg: _Leg, t: int) -> Decimal:
    ap = leg.policy
    if not ap.is_trend:
        return ap.ratio
    from hedgefi.hedge.signals import trend_ratio

    pts = leg.history.points
    k = bisect.bisect_right(pts, t, key=lambda p: p[0])
    return trend_ratio(PriceSeries(leg.asset, pts[:k], leg.history.source), ap).ratio


def _carry_and_risk(leg: _Leg, q: Decimal, dt_h: Decimal, maintenance: Decimal, maintain: bool) -> None:
    carry = leg.carry_apr * leg.s * q * dt_h / YEAR_H
    leg.coll -= carry
    leg.carry += carry
    reached = [lp for lp in leg.shadows if q >= lp]
    if reached:
        leg.avoided += len(reached)
        leg.shadows = [lp for lp in leg.shadows if q < lp]
    if leg.s * (q - leg.entry) >= leg.coll * (1 - maintenance):
        leg.suffered += 1
        leg.s = leg.entry = leg.coll = Decimal(0)      # the remaining equity is lost
        leg.shadows = []
        return
    lev = leg.policy.max_leverage
    if not maintain or leg.liq_price(maintenance) >= q * (1 + leg.policy.min_liquidation_distance):
        return
    want = leg.s * (q * (1 + (1 - maintenance) / lev) - leg.entry) / (1 - maintenance)
    add = want - leg.coll
    if leg.budget_usd is not None:
        add = min(add, leg.budget_usd - leg.coll)
    if add <= 0:
        return
    leg.shadows.append(leg.liq_price(maintenance))
    leg.coll += add
    leg.cash -= add
    leg.top_ups += 1
    leg.top_up_usd += add


def _rebalance(leg: _Leg, q: Decimal, target: Decimal, *, first: bool) -> None:
    held = leg.s * q
    if target <= 0:
        if leg.s == 0:
            return
    elif abs(held - target) <= leg.policy.drift_band * target:
        return
    delta = target - held
    lev = leg.policy.max_leverage
    if delta > 0:
        if leg.budget_usd is not None:
            delta = min(delta, (leg.budget_usd - leg.coll) * lev)
            if delta <= 0:
                return
        ds = delta / q
        leg.entry = (leg.s * leg.entry + ds * q) / (leg.s + ds)
        leg.s += ds
        leg.coll += delta / lev
        leg.cash -= delta / lev
    else:
        f = -delta / held
        back = f * leg.equity(q)
        leg.cash += back
        leg.coll -= f * leg.coll
        leg.s -= f * leg.s
        if leg.s == 0:
            leg.entry = leg.coll = Decimal(0)
            leg.shadows = []
    fee = leg.fee_rate * abs(delta)
    leg.cash -= fee
    leg.fees += fee
    if not first:
        leg.rebalances += 1


@money
def max_drawdown(values: Sequence[Decimal]) -> Decimal:
    """The largest fall from a running peak, as a fraction of that peak (0 for a series that never falls)."""
    peak = Decimal(0)
    worst = Decimal(0)
    for v in values:
        peak = max(peak, v)
        if peak > 0:
            worst = max(worst, (peak - v) / peak)
    return worst


__all__ = ["BacktestResult", "AssetStats", "run_backtest", "max_drawdown", "DEFAULT_MAINTENANCE"]
