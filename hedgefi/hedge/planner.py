"""The hedge planner: pure decisions, no I/O, no clock, no web3.

``plan(exposures, positions, pending, markets, policy)`` returns a ``HedgePlan``: per asset the exposure,
the current hedge (open shorts at mark, plus pending market orders, so a re-run while an order is pending
never doubles the hedge), the target, and the order intents that bring the hedge back to the target.

Positions and markets are keyed by market (GMX: the market token; an asset has several markets), so two
shorts of one asset in two markets are two positions, and an intent names the market it trades.

Rules: no trade while ``|hedge - target| <= drift_band x target``; increases go to the cheapest venue
(lowest yearly carry for a short) with liquidity, split across venues when one lacks it (using at most
90% of a venue's available liquidity); decreases come off the most expensive venue first; a ratio of 0
closes every short of the asset; trades below a venue's minimum size are skipped with a reason; a run
whose estimated fees exceed the policy cap is refused. A pending order that timed out unanswered (gTrade)
does not count as hedge: the plan cancels it first (``cancel``, which refunds its collateral) and places
what the hedge still needs.

Given the wallet's balances, the plan also keeps each short's live liquidation distance at or above the
policy's ``min_liquidation_distance`` (``hedge.margin``): an ``add_collateral`` intent (``collateral_delta`` token
units, ``collateral_delta_usd``) from the wallet within ``max_collateral``, else a ``decrease`` that keeps the
collateral in (``keep_collateral``), or a ``close`` when no reduction is enough, each saying the hedge ratio
it leaves. Margin goes first: an increase of the same asset beside top-ups only uses what they leave, and
none is placed beside a reduction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from hedgefi.hedge.policy import AssetPolicy, HedgePolicy
from hedgefi.core.units import fmt, money
from hedgefi.venues.base import LiquidationQuote, MarketQuote, PendingOrderView, PositionView

if TYPE_CHECKING:
    from hedgefi.hedge.targets import AssetTarget

LIQUIDITY_MARGIN = Decimal("0.9")
MIN_TRADE_USD = Decimal("1")
USD_Q = Decimal("0.000001")
BETA_Q = Decimal("0.0001")     # as ``hedge.proxy`` shows it


@dataclass(frozen=True, slots=True)
class Exposure:
    asset: str
    exposure_usd: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class OrderIntent:
    venue: str
    asset: str
    action: str                   # open | increase | decrease | close | cancel (a timed-out order, refunded)
    size_delta_usd: Decimal       # notional at the current price; negative for decrease/close; 0 for cancel
    reason: str
    collateral: str = "USDC"
    leverage: Decimal = Decimal("2")
    est_fee_usd: Decimal = Decimal(0)
    order_key: str = ""           # the order a ``cancel`` intent recovers
    market: str = ""              # the venue market it trades (GMX: the market token); "" for a cancel
    collateral_delta: Decimal = Decimal(0)       # add_collateral: token units of ``collateral`` added
    collateral_delta_usd: Decimal = Decimal(0)   # ... valued at the collateral's price
    keep_collateral: bool = False                # a margin decrease: the collateral stays in the short
    liquidation_distance_after: Decimal | None = None   # margin intents: the venue's distance after

    def as_json(self) -> dict[str, Any]:
        out = {"venue": self.venue, "market": self.market or None, "asset": self.asset, "action": self.action,
               "size_delta_usd": fmt(self.size_delta_usd), "reason": self.reason,
               "collateral": self.collateral, "leverage": fmt(self.leverage), "est_fee_usd": fmt(self.est_fee_usd),
               "order_key": self.order_key or None}
        if self.action == "add_collateral" or self.keep_collateral:
            out.update({"collateral_delta": fmt(self.collateral_delta),
                        "collateral_delta_usd": fmt(self.collateral_delta_usd),
                        "liquidation_distance_after": None if self.liquidation_distance_after is None
                        else fmt(self.liquidation_distance_after)})
        return out


@dataclass(frozen=True, slots=True)
class AssetLine:
    asset: str
    exposure_usd: Decimal
    hedge_usd: Decimal            # open shorts at mark + pending market orders
    pending_usd: Decimal
    target_usd: Decimal
    in_band: bool
    note: str = ""

    @property
    @money
    def hedge_ratio(self) -> Decimal:
        return (self.hedge_usd / self.exposure_usd).quantize(Decimal("0.0001")) if self.exposure_usd else Decimal(0)

    def as_json(self) -> dict[str, Any]:
        return {"asset": self.asset, "exposure_usd": fmt(self.exposure_usd), "hedge_usd": fmt(self.hedge_usd),
                "hedge_ratio": fmt(self.hedge_ratio), "target_usd": fmt(self.target_usd),
                "pending_usd": fmt(self.pending_usd), "in_band": self.in_band, "note": self.note}


@dataclass
class HedgePlan:
    lines: list[AssetLine] = field(default_factory=list)
    intents: list[OrderIntent] = field(default_factory=list)
    carry_apr_usd_after: Decimal = Decimal(0)    # yearly carry of the resulting shorts, USD (> 0 a cost)
    refused: str | None = None
    notes: list[str] = field(default_factory=list)   # leverages capped at the venue's liquidation distance
    targets: list["AssetTarget"] = field(default_factory=list)   # trend signals and proxies behind the targets

    @property
    @money
    def est_fees_usd(self) -> Decimal:
        return sum((i.est_fee_usd for i in self.intents), Decimal(0))

    def as_json(self) -> dict[str, Any]:
        return {"assets": [ln.as_json() for ln in self.lines], "orders": [i.as_json() for i in self.intents],
                "est_fees_usd": fmt(self.est_fees_usd), "yearly_carry_usd": fmt(self.carry_apr_usd_after),
                "refused": self.refused, "notes": self.notes,
                "targets": [t.as_json() for t in self.targets]}


@money
def notional(p: PositionView) -> Decimal:
    return (p.size_tokens * p.mark_price).quantize(USD_Q)


INCREASE_TYPES = {"MarketIncrease", "MarketOpen", "MarketPartialOpen"}       # GMX, gTrade
DECREASE_TYPES = {"MarketDecrease", "MarketClose", "MarketPartialClose"}


def _pending_usd(pending: Iterable[PendingOrderView], asset: str) -> Decimal:
    total = Decimal(0)
    for o in pending:
        if o.asset.upper() != asset.upper() or o.frozen or o.expired:
            continue
        if o.type in INCREASE_TYPES:
            total += o.size_delta_usd
        elif o.type in DECREASE_TYPES:
            total -= o.size_delta_usd
    return total


def _fee(q: MarketQuote | None, size: Decimal, *, opening: bool = False) -> Decimal:
    """The position fees of a trade of ``size``: the venue's rate on the size, the size floored at the venue's
    minimum fee basis (gTrade's ``pairMinPositionSizeUsd``); an open or increase also counts the fee its
    eventual close pays on the same size."""
    if q is None:
        return Decimal(0)
    one = (max(abs(size), q.min_fee_basis_usd) * q.position_fee_rate).quantize(USD_Q)
    return 2 * one if opening else one


def check_plan_assets(policy: HedgePolicy, exposures: Sequence[Exposure], positions: Sequence[PositionView],
                      markets: Sequence[MarketQuote]) -> None:
    """Every asset a plan names must be held, shorted or tradable: else (a typo) ``UnknownNameError``
    with the closest known asset ("ETHH" -> "did you mean 'ETH'?")."""
    from hedgefi.core.errors import UnknownNameError

    known = {e.asset.upper() for e in exposures} | {p.asset.upper() for p in positions} \
        | {m.asset.upper() for m in markets}
    for name in sorted(policy.assets):
        if name.upper() not in known:
            raise UnknownNameError("asset in the plan (neither held nor tradable)", name, known)


@money
def _proxied(exposures: Sequence[Exposure], markets: Sequence[MarketQuote], policy: HedgePolicy,
             targets: Mapping[str, AssetTarget]) -> tuple[list[Exposure], dict[str, Decimal], dict[str, AssetLine],
                                                         HedgePolicy]:
    """What ``targets`` change (``hedge.targets``): each trend asset's ratio; each proxied asset's hedge,
    exposure x ratio x beta in USD, added to its proxy's target (the proxy enters the plan with no exposure of its
    own if the wallet holds none); the proxied and the unhedged assets' lines."""
    from hedgefi.hedge.targets import with_ratios

    policy = with_ratios(policy, targets)
    extra: dict[str, Decimal] = {}
    lines: dict[str, AssetLine] = {}
    held = {e.asset.upper() for e in exposures}
    out = list(exposures)
    for e in exposures:
        t = targets.get(e.asset.upper())
        if t is None or t.hedge_asset == e.asset.upper():
            continue
        if t.hedge_asset is None:
            if t.proxy is None:
                continue          # no market and no proxy asked for: the plan passes it by, as without targets
            lines[e.asset.upper()] = AssetLine(e.asset, e.exposure_usd, Decimal(0), Decimal(0), Decimal(0), True,
                                               t.reason or "unhedged")
            continue
        beta = t.beta.quantize(BETA_Q)        # the beta the plan shows is the one it uses
        usd = (e.exposure_usd * t.ratio * beta).quantize(USD_Q)
        extra[t.hedge_asset] = extra.get(t.hedge_asset, Decimal(0)) + usd
        lines[e.asset.upper()] = AssetLine(e.asset, e.exposure_usd, Decimal(0), Decimal(0), Decimal(0), True,
                                           f"hedged on {t.hedge_asset}: ${fmt(usd)} (exposure x ratio {fmt(t.ratio)} "
                                           f"x beta {fmt(beta)})")
        if t.hedge_asset not in held:
            price = next((m.price for m in markets if m.asset.upper() == t.hedge_asset and m.price > 0), None)
            if price is not None:
                out.append(Exposure(t.hedge_asset, Decimal(0), price))
                held.add(t.hedge_asset)
        if policy.for_asset(t.hedge_asset) is None:      # the proxy trades by the proxied asset's terms
            ap = policy.for_asset(e.asset)
            assert ap is not None
            policy = HedgePolicy(policy.default, {**policy.assets, t.hedge_asset: replace(ap, ratio=Decimal(0))},
                                 policy.max_fees_usd, policy.exposure_addresses)
    return out, extra, lines, policy


@money
def plan(exposures: Sequence[Exposure], positions: Sequence[PositionView], pending: Sequence[PendingOrderView],
         markets: Sequence[MarketQuote], policy: HedgePolicy,
         liquidation: Sequence[LiquidationQuote] = (), wallet: Mapping[str, Decimal] | None = None,
         targets: Mapping[str, AssetTarget] | None = None) -> HedgePlan:
    """The plan; ``liquidation``: the venues' own liquidation distances for new shorts (``hedge.liquidation``),
    against which each open or increase keeps, caps or refuses its leverage; ``wallet``: the wallet's balance
    per collateral symbol (token units), which caps new collateral and funds margin top-ups (``hedge.margin``;
    None: margin maintenance off, increases uncapped by the wallet); ``targets``: each asset's trend ratio and
    proxy (``hedge.targets.resolve_targets``), when the policy has any."""
    check_plan_assets(policy, exposures, positions, markets)
    out = HedgePlan()
    left = None if wallet is None else {k.upper(): v for k, v in wallet.items()}
    extra: dict[str, Decimal] = {}
    fixed: dict[str, AssetLine] = {}
    if targets:
        exposures, extra, fixed, policy = _proxied(exposures, markets, policy, targets)
        out.targets = [t for _, t in sorted(targets.items()) if t.signal is not None or t.proxy is not None]
    for exp in sorted(exposures, key=lambda e: e.asset):
        ap = policy.for_asset(exp.asset)
        if ap is None:
            continue
        if exp.asset.upper() in fixed:
            out.lines.append(fixed[exp.asset.upper()])
            continue
        out.intents += _recover(exp.asset, pending)
        mine = [m for m in markets if m.asset.upper() == exp.asset.upper()]
        asset_markets = [m for m in mine if m.open]
        # a venue that takes no new positions may still take decreases (gTrade CLOSE_ONLY)
        reduce_markets = [m for m in mine if m.can_reduce]
        if not asset_markets and not reduce_markets:
            continue
        shorts = [p for p in positions if p.asset.upper() == exp.asset.upper() and p.side == "short"]
        pend = _pending_usd(pending, exp.asset)
        hedge = sum((notional(p) for p in shorts), Decimal(0)) + pend
        target = (exp.exposure_usd * ap.ratio).quantize(USD_Q) + extra.get(exp.asset.upper(), Decimal(0))
        band = target * ap.drift_band
        in_band = hedge == 0 if target == 0 else abs(hedge - target) <= band
        note = "in band" if in_band else ""
        if not in_band:
            delta = target - hedge
            intents: list[OrderIntent]
            if delta > 0 and not asset_markets:
                intents, note = [], "no venue takes new positions in this asset now"
            elif delta > 0:
                intents, note = _increase(exp, delta, shorts, asset_markets, ap, pend)
            else:
                intents, note = _decrease(exp, -delta, shorts, reduce_markets, ap, target == 0)
            intents, why = _check_leverage(intents, ap, liquidation)
            note = "; ".join(n for n in (note, *why) if n)
            refusals = [w for w in why if w.endswith("lower max_leverage")]
            if refusals and not out.refused:
                out.refused = refusals[0]
            out.notes += [w for w in why if w not in refusals]
            out.intents += intents
        if left is not None:
            mine_now = [i for i in out.intents if i.asset.upper() == exp.asset.upper()]
            touched = {_key(i.venue, i.market) for i in mine_now}
            from hedgefi.hedge.margin_plan import after_margin, margin_intents

            fixes, said = margin_intents(exp, shorts, pending, reduce_markets, ap, left, touched, hedge)
            kept, more = after_margin(mine_now, fixes, left)
            out.intents = [i for i in out.intents if i not in mine_now] + kept + fixes
            note = "; ".join(n for n in (note, *said, *more) if n)
        out.lines.append(AssetLine(exp.asset, exp.exposure_usd, hedge, pend, target, in_band, note))
    by_key = {_key(m.venue, m.market): m for m in markets}
    sizes: dict[tuple[str, str], Decimal] = {}
    for p in positions:
        if p.side == "short":
            sizes[_key(p.venue, p.market)] = sizes.get(_key(p.venue, p.market), Decimal(0)) + notional(p)
    for i in out.intents:
        if i.action != "cancel":
            sizes[_key(i.venue, i.market)] = sizes.get(_key(i.venue, i.market), Decimal(0)) + i.size_delta_usd
    out.carry_apr_usd_after = sum((s * by_key[k].short_carry_apr for k, s in sizes.items() if k in by_key and s > 0),
                                  Decimal(0)).quantize(Decimal("0.01"))
    if policy.max_fees_usd is not None and out.est_fees_usd > policy.max_fees_usd:
        out.refused = (f"estimated fees ${fmt(out.est_fees_usd)} exceed the cap max_fees_usd "
                       f"${fmt(policy.max_fees_usd)}")
    return out


def _check_leverage(intents: list[OrderIntent], ap: AssetPolicy, quotes: Sequence[LiquidationQuote]
                    ) -> tuple[list[OrderIntent], list[str]]:
    """Opens and increases at a leverage the venue's liquidation distance allows (capped, or a refusal said)."""
    from dataclasses import replace

    from hedgefi.hedge.liquidation import check_leverage

    out, said = [], []
    for i in intents:
        if i.action in ("open", "increase"):
            c = check_leverage(i.venue, i.asset, i.leverage, ap.min_liquidation_distance, quotes)
            if c.refused or c.note:
                said.append(c.refused or c.note)
            if c.note:
                i = replace(i, leverage=c.leverage, reason=f"{i.reason}; {c.note}")
        out.append(i)
    return out, said


def _recover(asset: str, pending: Iterable[PendingOrderView]) -> list[OrderIntent]:
    """Cancel-after-timeout intents for the asset's orders that no oracle answered in time."""
    return [OrderIntent(o.venue, o.asset, "cancel", Decimal(0),
                        f"recover {o.type} order {o.key} (${fmt(o.size_delta_usd)}): it timed out unanswered; "
                        "cancelling refunds its collateral", order_key=o.key)
            for o in pending if o.asset.upper() == asset.upper() and o.expired]


def _key(venue: str, market: str) -> tuple[str, str]:
    return venue, market.lower()


def _candidates(markets: Sequence[MarketQuote], ap: AssetPolicy) -> list[MarketQuote]:
    """The markets the policy allows (its venues, its market when it names one) that take its collateral
    (a GMX market takes its long or short token), cheapest short carry first."""
    if "auto" in ap.venues:
        chosen = list(markets)
    else:
        chosen = [m for m in markets if m.venue in ap.venues]
    if ap.market is not None:
        chosen = [m for m in chosen if m.market.lower() == ap.market.lower()]
    chosen = [m for m in chosen if not m.collateral_symbols or ap.collateral.upper() in m.collateral_symbols]
    return sorted(chosen, key=lambda m: (m.short_carry_apr, m.venue, m.market.lower()))


def _increase(exp: Exposure, delta: Decimal, shorts: Sequence[PositionView], markets: Sequence[MarketQuote],
              ap: AssetPolicy, pend: Decimal) -> tuple[list[OrderIntent], str]:
    intents: list[OrderIntent] = []
    remaining = delta.quantize(USD_Q)
    have = {_key(p.venue, p.market) for p in shorts if p.collateral_token.upper() == ap.collateral.upper()}
    notes = []
    budget: Decimal | None = None
    if ap.max_collateral is not None:
        # token units of ap.collateral: what the shorts already hold in that token counts
        # (the USD cap below still takes one token as $1: the planner is not given the collateral's price)
        budget = ap.max_collateral - sum((p.collateral_amount for p in shorts
                                          if p.collateral_token.upper() == ap.collateral.upper()), Decimal(0))
    for m in _candidates(markets, ap):
        if remaining <= 0:
            break
        room = (m.available_short_liquidity_usd * LIQUIDITY_MARGIN).quantize(USD_Q)
        take = min(remaining, room)
        leverage = min(ap.max_leverage, m.max_leverage) if m.max_leverage > 0 else ap.max_leverage
        if budget is not None:
            cap = (max(budget, Decimal(0)) * leverage).quantize(USD_Q)
            if cap < take:
                notes.append(f"capped by max_collateral {fmt(ap.max_collateral or 0)} {ap.collateral}")
                take = cap
        min_size = m.min_size_usd
        where = f"{m.venue} {m.market_name}" if m.market_name else m.venue
        if take < max(min_size, MIN_TRADE_USD):
            notes.append(f"{where}: ${fmt(take)} is below its minimum or liquidity")
            continue
        why = (f"hedge {exp.asset} at {fmt(ap.ratio)}: short carry {fmt((m.short_carry_apr * 100).quantize(Decimal('0.01')))}%/yr"
               f" on {where}" + (" (cheapest with liquidity)" if "auto" in ap.venues else ""))
        if pend:
            why += f"; counts ${fmt(pend)} already pending"
        intents.append(OrderIntent(m.venue, exp.asset, "increase" if _key(m.venue, m.market) in have else "open",
                                   take, why, ap.collateral, leverage, _fee(m, take, opening=True), market=m.market))
        remaining -= take
        if budget is not None:
            budget -= take / leverage
    if remaining > 0:
        notes.append(f"${fmt(remaining)} could not be placed: not enough liquidity on the allowed venues")
    return intents, "; ".join(notes)


def _decrease(exp: Exposure, amount: Decimal, shorts: Sequence[PositionView], markets: Sequence[MarketQuote],
              ap: AssetPolicy, close_all: bool) -> tuple[list[OrderIntent], str]:
    by_market = {_key(m.venue, m.market): m for m in markets}
    intents = []
    remaining = amount.quantize(USD_Q)
    # a market not taking orders now keeps its short
    held = [p for p in shorts if _key(p.venue, p.market) in by_market]
    for p in sorted(held, key=lambda p: (by_market[_key(p.venue, p.market)].short_carry_apr, p.market.lower()),
                    reverse=True):
        if remaining <= 0:
            break
        n = notional(p)
        q = by_market[_key(p.venue, p.market)]
        if close_all or remaining >= n:
            intents.append(OrderIntent(p.venue, exp.asset, "close", -n,
                                       "ratio 0: close the short" if close_all else "over target: close this short",
                                       p.collateral_token, ap.max_leverage, _fee(q, n), market=p.market))
            remaining -= n
        else:
            intents.append(OrderIntent(p.venue, exp.asset, "decrease", -remaining,
                                       f"over target by ${fmt(remaining)}: reduce the most expensive short first",
                                       p.collateral_token, ap.max_leverage, _fee(q, remaining), market=p.market))
            remaining = Decimal(0)
    if remaining <= 0:
        note = ""
    elif len(held) < len(shorts):
        note = f"${fmt(remaining)} over target sits on a venue not taking orders now"
    else:
        note = f"${fmt(remaining)} of the excess is in pending orders, not in positions"
    return intents, note


__all__ = ["Exposure", "OrderIntent", "AssetLine", "HedgePlan", "plan", "notional"]
