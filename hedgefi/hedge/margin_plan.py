"""The planner's margin step (pure): ``hedge.margin``'s fixes for an asset's shorts as order intents, and
the asset's rebalance intents once margin has gone first. ``planner.plan`` calls it when given the wallet.

* ``margin_intents``: per short under ``min_liquidation_distance`` (not already traded by the rebalance, no
  order pending on it, its market taking orders): an ``add_collateral`` from the wallet within
  ``max_collateral`` (none on a market taking decreases only), else a ``decrease`` keeping the collateral in,
  else a ``close``; a reduction says the hedge ratio it leaves. The wallet is charged as it goes.
* ``after_margin``: no increase beside a reduction (it would undo it); beside top-ups an increase uses only
  what they leave.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Sequence

from hedgefi.core.units import CONTEXT, fmt
from hedgefi.hedge import margin
from hedgefi.hedge.planner import MIN_TRADE_USD, USD_Q, Exposure, OrderIntent, _fee, _key, notional
from hedgefi.hedge.policy import AssetPolicy
from hedgefi.venues.base import MarketQuote, PendingOrderView, PositionView


def margin_intents(exp: Exposure, shorts: Sequence[PositionView], pending: Sequence[PendingOrderView],
                   markets: Sequence[MarketQuote], ap: AssetPolicy, wallet: dict[str, Decimal],
                   touched: set[tuple[str, str]], hedge: Decimal) -> tuple[list[OrderIntent], list[str]]:
    """Margin maintenance for the asset's shorts (``hedge.margin``): a top-up from ``wallet`` (spent as it
    goes), within ``max_collateral``, else a reduction that says the hedge ratio it leaves."""
    out: list[OrderIntent] = []
    said: list[str] = []
    by_market = {_key(m.venue, m.market): m for m in markets}
    spent: dict[str, Decimal] = {}        # by the asset's earlier top-ups, against max_collateral
    for p in sorted(shorts, key=lambda p: (p.venue, p.market.lower())):
        if not margin.needs_margin(p, ap.min_liquidation_distance):
            continue
        k = _key(p.venue, p.market)
        where = f"{p.venue} {p.asset} short"
        if k in touched:
            said.append(f"{where}: margin left to the order above")
            continue
        if any(o.venue == p.venue and o.market.lower() == p.market.lower() and not o.expired for o in pending):
            said.append(f"{where} is {p.liquidation_distance:.2%} from liquidation; an order is pending on it, "
                        "so margin waits for it")
            continue
        if k not in by_market:
            said.append(f"{where}: its market takes no orders now")
            continue
        token = p.collateral_token.upper()
        cap = None if ap.max_collateral is None else ap.max_collateral - spent.get(token, Decimal(0))
        # a market taking decreases only (gTrade close-only) takes no top-up either: straight to a reduction
        room = margin.room_raw(p, wallet, shorts, cap) if by_market[k].open else 0
        f = margin.fix(p, ap.min_liquidation_distance, room)
        if isinstance(f, str):
            said.append(f)
            continue
        price = CONTEXT.divide(p.collateral_value_usd, p.collateral_amount) if p.collateral_amount else Decimal(0)
        after = "?" if f.distance_after is None else f"{f.distance_after:.2%}"
        if f.action == "add_collateral":
            amount = f.collateral_delta
            wallet[token] = wallet.get(token, Decimal(0)) - amount
            spent[token] = spent.get(token, Decimal(0)) + amount
            out.append(OrderIntent(
                p.venue, p.asset, "add_collateral", Decimal(0),
                f"margin: {where} is {f.distance_before:.2%} from liquidation, under min_liquidation_distance "
                f"{ap.min_liquidation_distance:.2%}: add {fmt(amount)} {p.collateral_token} (${fmt((amount * price).quantize(USD_Q))}) "
                f"to bring it to {after}" + (f" (leverage {fmt(f.change.leverage)}x)" if f.change.leverage else ""),
                p.collateral_token, f.change.leverage or ap.max_leverage, Decimal(0), market=p.market,
                collateral_delta=amount, collateral_delta_usd=(amount * price).quantize(USD_Q),
                liquidation_distance_after=f.distance_after))
        elif f.action == "close":
            n = notional(p)
            hedge -= n
            ratio = (hedge / exp.exposure_usd).quantize(Decimal("0.0001")) if exp.exposure_usd else Decimal(0)
            out.append(OrderIntent(
                p.venue, p.asset, "close", -n,
                f"margin: {where} is {f.distance_before:.2%} from liquidation, no {p.collateral_token} is left to add "
                f"and no reduction down to its venue's minimum leverage restores {ap.min_liquidation_distance + margin.BUFFER:.2%}: "
                f"close it; the {exp.asset} hedge ratio is now {fmt(ratio)}",
                p.collateral_token, ap.max_leverage, _fee(by_market[k], n), market=p.market))
            said.append(f"margin closes the {p.venue} {exp.asset} short: hedge ratio {fmt(ratio)}")
        else:
            n = notional(p)
            cut = (n * (1 - f.keep)).quantize(USD_Q)
            hedge -= cut
            ratio = (hedge / exp.exposure_usd).quantize(Decimal("0.0001")) if exp.exposure_usd else Decimal(0)
            why = (f"margin: {where} is {f.distance_before:.2%} from liquidation and no {p.collateral_token} is left "
                   f"to add (wallet or max_collateral): reduce it by ${fmt(cut)} to bring it to {after}; "
                   f"the {exp.asset} hedge ratio is now {fmt(ratio)}")
            out.append(replace(OrderIntent(p.venue, p.asset, "decrease", -cut, why, p.collateral_token,
                                           f.change.leverage or ap.max_leverage, _fee(by_market[k], cut),
                                           market=p.market, keep_collateral=True),
                               liquidation_distance_after=f.distance_after))
            said.append(f"margin reduces the {exp.asset} hedge to ratio {fmt(ratio)}")
    return out, said


def after_margin(intents: list[OrderIntent], fixes: list[OrderIntent], wallet: dict[str, Decimal]
                 ) -> tuple[list[OrderIntent], list[str]]:
    """The asset's rebalance intents once margin has gone first: no increase beside a margin reduction (it would
    undo it); beside top-ups, increases only from the collateral the top-ups leave in the wallet (scaled down,
    said). With no margin intent they stay as planned (``executor.check_limits`` refuses what the wallet cannot
    fund). The wallet is charged for the increases kept."""
    if not fixes:
        kept, said = intents, []
    elif any(f.action != "add_collateral" for f in fixes):
        kept = [i for i in intents if i.action not in ("open", "increase")]
        said = ["margin first: no increase while it reduces the shorts"] if len(kept) < len(intents) else []
    else:
        kept, said = [], []
        for i in intents:
            if i.action not in ("open", "increase"):
                kept.append(i)
                continue
            room = max(wallet.get(i.collateral.upper(), Decimal(0)), Decimal(0))
            need = i.size_delta_usd / i.leverage
            if need > room:
                size = (room * i.leverage).quantize(USD_Q)
                said.append(f"margin first: {i.venue} {i.action} cut to ${fmt(size)}, what the top-ups leave")
                if size < MIN_TRADE_USD:
                    continue
                i = OrderIntent(i.venue, i.asset, i.action, size, i.reason, i.collateral, i.leverage,
                                (i.est_fee_usd * size / i.size_delta_usd).quantize(USD_Q), market=i.market)
            kept.append(i)
    for i in kept:
        if i.action in ("open", "increase"):
            wallet[i.collateral.upper()] = wallet.get(i.collateral.upper(), Decimal(0)) - i.size_delta_usd / i.leverage
    return kept, said


__all__ = ["margin_intents", "after_margin"]
