"""Where a planned gTrade short would be liquidated: the diamond's own ``getTradeLiquidationPrice`` (reference §6.7).

For a trade not yet opened v10 takes ``beforeOpened = true`` and the pair's current liquidation parameters
(``getPairLiquidationParams``): the threshold interpolated by leverage, the liquidation spread and the
closing fee are the diamond's. The reader adds what the trade will carry from its first block: its open
price after the opening spread, and the opening fee that v10 realises against the trade
(``additionalFeeCollateral``), and, where the diamond declares ``getTradeSkewPriceImpactP``, the skew impact
of the open. The size probed ($10,000, or 100x the pair's minimum) is far above the minimum, so the fee basis
floor never binds; only the skew impact depends on the size (by half the trade over the pair's skew depth).

Two stages: the gTrade snapshot (prices, collateral) with each probed pair's parameters, then one
``getTradeLiquidationPrice`` per (pair, leverage), so it rides in the same HTTP requests as a plan's reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Mapping, Sequence

from hedgefi.chain.multicall import Call
from hedgefi.chain.readplan import Reader
from hedgefi.core.units import CONTEXT, from_raw, money
from hedgefi.venues.base import LiquidationQuote
from hedgefi.venues.gtrade import value
from hedgefi.venues.gtrade.constants import PRICE_DECIMALS, USD_E18, codec, leverage_e3
from hedgefi.venues.gtrade.deployment import GtradeDeployment
from hedgefi.venues.gtrade.reads import LIQ_FIELDS, snapshot_reader

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

PROBE_USD = 10_000               # the probed size, unless 100x the pair's minimum is more
SKEW_IMPACT = "getTradeSkewPriceImpactP"
ZERO_ADDRESS = "0x" + "00" * 20
DIST_Q = Decimal("0.000001")


def leverages_for(asset: str, leverages: Mapping[str, Sequence[Decimal]]) -> Sequence[Decimal]:
    return leverages.get(asset.upper(), leverages.get("*", ()))


def liquidation_reader(conn: "Connection", d: GtradeDeployment, leverages: Mapping[str, Sequence[Decimal]]
                       ) -> Reader[list[LiquidationQuote]]:
    """Liquidation price and distance of a new short per (asset, leverage) asked (``"*"``: every pair)."""
    c, dia = codec(), d.diamond
    pairs = [(a, i) for a, i in d.pairs if leverages_for(a, leverages)]
    extra = [Call(dia, c.encode("getCollaterals"))]
    for _, i in pairs:
        extra += [Call(dia, c.encode("getPairLiquidationParams", i)), Call(dia, c.encode("pairs", i)),
                  Call(dia, c.encode("pairTotalPositionSizeFeeP", i)), Call(dia, c.encode("pairMinPositionSizeUsd", i))]
    snap, r = yield from snapshot_reader(conn, d, extra)
    if not pairs or not r[0].ok:
        return []
    collats = c.decode_output("getCollaterals", r[0].data)
    ci = snap.collateral_index
    precision = int(collats[ci - 1]["precision"]) if 0 < ci <= len(collats) else 10**6
    delta = int(collats[ci - 1]["precisionDelta"]) if 0 < ci <= len(collats) else 10**12
    skew = SKEW_IMPACT in c.functions
    calls: list[Call] = []
    probes: list[_Probe] = []
    for n, (asset, i) in enumerate(pairs):
        rr = r[1 + 4 * n: 5 + 4 * n]
        price = snap.prices_e10.get(asset)
        if price is None or not all(x.ok for x in rr):
            continue
        lp = c.decode_output("getPairLiquidationParams", rr[0].data)
        params = {k: int(lp[k]) for k in LIQ_FIELDS}
        spread_p = -value.closing_spread_p_e10(int(c.decode_output("pairs", rr[1].data)["spreadP"]), False)
        fee_p = int(c.decode_output("pairTotalPositionSizeFeeP", rr[2].data))
        min_usd = int(c.decode_output("pairMinPositionSizeUsd", rr[3].data)) // USD_E18
        open_e10 = value.price_after_impact(price, spread_p)          # a short opens half the spread below
        size_usd = max(PROBE_USD, 100 * min_usd)
        skew_at = -1
        if skew:        # the skew impact the open meets: the diamond's own, for the probed size in tokens
            skew_at = len(calls)
            tokens = size_usd * precision * delta * 10**PRICE_DECIMALS // open_e10
            calls.append(Call(dia, c.encode(SKEW_IMPACT, ci, i, False, tokens, True)))
        for lev in leverages_for(asset, leverages):
            lev_e3 = leverage_e3(lev)
            if lev_e3 <= 0:
                continue
            coll = size_usd * precision * 1000 // lev_e3
            opening_fee = value.trade_fee(coll * lev_e3 // 1000, fee_p, 0)
            probes.append(_Probe(asset, lev, price, open_e10, spread_p, skew_at, len(calls)))
            calls.append(Call(dia, c.encode("getTradeLiquidationPrice", {
                "collateralIndex": ci, "trader": ZERO_ADDRESS, "pairIndex": i, "index": 0, "openPrice": open_e10,
                "long": False, "collateral": coll, "leverage": lev_e3, "additionalFeeCollateral": opening_fee,
                "liquidationParams": params, "currentPairPrice": price, "isCounterTrade": False,
                "partialCloseMultiplier": 10**18, "beforeOpened": True})))
    if not probes:
        return []
    answers = yield calls
    out: list[tuple[str, Decimal, int, int]] = []
    for p in probes:
        a = answers[p.liq_at]
        liq = int(c.decode_output("getTradeLiquidationPrice", a.data)) if a.ok else 0
        if p.skew_at >= 0 and liq and answers[p.skew_at].ok:
            # a planned short's liquidation price is a fixed fraction of its open price (v10 prices the distance
            # off it): asked at the open price after the spread, moved to the one after the skew impact as well
            impact = int(c.decode_output(SKEW_IMPACT, answers[p.skew_at].data))
            liq = liq * value.price_after_impact(p.price, p.spread_p + impact) // p.open_e10
        out.append((p.asset, p.leverage, p.price, liq))
    return _quotes(out)


@dataclass(frozen=True, slots=True)
class _Probe:
    asset: str
    leverage: Decimal
    price: int
    open_e10: int           # the open price the liquidation price was asked at (after the spread)
    spread_p: int           # the signed fixed spread of the open, 1e10 %
    skew_at: int            # index of the skew impact call, -1: none
    liq_at: int             # index of the liquidation price call


@money
def _quotes(probes: list[tuple[str, Decimal, int, int]]) -> list[LiquidationQuote]:
    out = []
    for asset, lev, price, liq in probes:
        if liq <= 0:
            continue
        distance = CONTEXT.divide(Decimal(liq - price), Decimal(price)).quantize(DIST_Q)
        out.append(LiquidationQuote("gtrade", asset, lev, from_raw(liq, PRICE_DECIMALS), distance))
    return out


__all__ = ["liquidation_reader", "leverages_for"]
