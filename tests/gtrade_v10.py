"""gTrade v10 formulas written out for the tests, from the official SDK (`@gainsnetwork/sdk` 1.8.7,
`trade/fees/fundingFees`, `trade/liquidation`, `trade/fees/trading`) and the diamond's published units
(reference §2): velocity funding projected to a timestamp, per-trade holding fees, the opening/closing fee
with its minimum-size floor, and the liquidation price. Decimal arithmetic at 60 digits (the SDK uses
floats); every input is read from the chain, nothing is copied from the replica's code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from hedgefi.venues.gtrade.constants import codec

ONE_YEAR = 365 * 24 * 3600
APR_MULTIPLIER_CAP = Decimal(100)


def call(conn: Any, to: str, fn: str, *args: Any) -> Any:
    """One eth_call of the diamond's ``fn`` at the latest block, decoded with the mainnet ABI."""
    c = codec()
    out = conn.request("eth_call", [{"to": to, "data": "0x" + c.encode(fn, *args).hex()}, "latest"])
    return c.decode_output(fn, bytes.fromhex(out[2:]))


def block_timestamp(conn: Any) -> int:
    return int(conn.request("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


@dataclass(frozen=True)
class PairFunding:
    """A pair's FundingFeeParams and PairFundingFeeData (raw units) and its v10 token OI (1e18)."""
    skew_coefficient_per_year: int
    velocity_cap: int
    rate_cap: int
    theta_usd: int
    apr_multiplier: bool
    acc_long: int
    acc_short: int
    last_rate: int
    last_ts: int
    oi_long_token: int
    oi_short_token: int


def fetch_pair_funding(conn: Any, diamond: str, ci: int, pair: int) -> PairFunding:
    (p,) = call(conn, diamond, "getPairFundingFeeParams", [ci], [pair])
    (d,) = call(conn, diamond, "getPairFundingFeeData", [ci], [pair])
    oi = call(conn, diamond, "getPairOiAfterV10Token", ci, pair)
    return PairFunding(int(p["skewCoefficientPerYear"]), int(p["absoluteVelocityPerYearCap"]),
                       int(p["absoluteRatePerSecondCap"]), int(p["thetaThresholdUsd"]), bool(p["aprMultiplierEnabled"]),
                       int(d["accFundingFeeLongP"]), int(d["accFundingFeeShortP"]), int(d["lastFundingRatePerSecondP"]),
                       int(d["lastFundingUpdateTs"]), int(oi["oiLongToken"]), int(oi["oiShortToken"]))


def _multipliers(avg: Decimal, oi_long: Decimal, oi_short: Decimal, enabled: bool) -> tuple[Decimal, Decimal]:
    if avg == 0:
        return Decimal(1), Decimal(1)
    longs_earn = avg < 0
    lm = Decimal(1) if oi_long else Decimal(0)
    sm = Decimal(1) if oi_short else Decimal(0)
    if enabled and longs_earn and oi_long:
        lm = min(oi_short / oi_long, APR_MULTIPLIER_CAP)
    if enabled and not longs_earn and oi_short:
        sm = min(oi_long / oi_short, APR_MULTIPLIER_CAP)
    return lm, sm


def project_funding(f: PairFunding, price_e10: int, now: int, collateral_price_e8: int = 10**8
                    ) -> tuple[Decimal, Decimal, Decimal]:
    """(accFundingFeeLongP 1e20, accFundingFeeShortP 1e20, current rate 1e18 %/s) at ``now`` (SDK
    getPairPendingAccFundingFees): velocity from the net token exposure, the rate moving linearly and
    clamped at the cap, accrual at the average rate, split at zero when the sign changes with the APR
    multiplier on."""
    with localcontext() as ctx:
        ctx.prec = 60
        price = Decimal(price_e10) / 10**10
        net_tokens = (Decimal(f.oi_long_token) - Decimal(f.oi_short_token)) / 10**18
        net_usd = net_tokens * price * collateral_price_e8 / 10**8
        coef, cap_v = Decimal(f.skew_coefficient_per_year) / 10**26, Decimal(f.velocity_cap) / 10**7
        velocity = Decimal(0)
        if net_tokens != 0 and coef != 0 and cap_v != 0 and abs(net_usd) >= f.theta_usd:
            # the diamond keeps the velocity on a 1e-10 grid (int40, 1e10): truncate as it does
            v = (abs(net_tokens) * coef * 10**10).to_integral_value(rounding="ROUND_DOWN") / 10**10
            velocity = min(v, cap_v) * (1 if net_tokens > 0 else -1)
        last, rate_cap = Decimal(f.last_rate) / 10**18, Decimal(f.rate_cap) / 10**10
        dt = Decimal(now - f.last_ts)
        if rate_cap == 0:
            avg = current = Decimal(0)
        elif velocity == 0 or dt == 0:
            avg = current = last
        else:
            cap = rate_cap * (1 if velocity > 0 else -1)
            to_cap = (cap - last) * ONE_YEAR / velocity if cap != last else Decimal(0)
            if cap == last:
                avg = current = cap
            elif dt > to_cap:
                current = cap
                avg = ((last + cap) / 2 * to_cap + cap * (dt - to_cap)) / dt
            else:
                current = last + dt * velocity / ONE_YEAR
                avg = (last + current) / 2
        acc_l, acc_s = Decimal(f.acc_long) / 10**20, Decimal(f.acc_short) / 10**20
        oi_l, oi_s = Decimal(f.oi_long_token), Decimal(f.oi_short_token)
        if f.apr_multiplier and ((current > 0 > last) or (current < 0 < last)):
            # whole seconds, as the diamond splits the interval (the SDK's float split differs by < 1 s of rate)
            to_zero = (-last * ONE_YEAR / velocity).to_integral_value(rounding="ROUND_DOWN")
            for a, span in ((last / 2, to_zero), (current / 2, dt - to_zero)):
                lm, sm = _multipliers(a, oi_l, oi_s, True)
                acc_l += a * span * price * lm
                acc_s -= a * span * price * sm
        else:
            lm, sm = _multipliers(avg, oi_l, oi_s, f.apr_multiplier)
            acc_l += avg * dt * price * lm
            acc_s -= avg * dt * price * sm
        return acc_l * 10**20, acc_s * 10**20, current * 10**18


def skew_impact_pct(net_skew_token: Decimal, size_token: Decimal, depth_token: Decimal, long: bool, open_: bool) -> Decimal:
    """SDK calculateSkewPriceImpactP (percent): (net skew + signed size / 2) / depth / 2, positive for a trade
    that adds to the long side (opening long, closing short); tokens in any one unit."""
    if depth_token == 0:
        return Decimal(0)
    signed = size_token if long == open_ else -size_token
    return (net_skew_token + signed / 2) / depth_token / 2


def opening_price(oracle_e10: int, spread_e10: int, size_raw: int, precision_delta: int, oi_long_token: int,
                  oi_short_token: int, depth_token: int, long: bool) -> tuple[Decimal, Decimal]:
    """SDK getTradeOpeningPriceImpact without depth bands: (price after impact 1e10, size in tokens 1e18)."""
    with localcontext() as ctx:
        ctx.prec = 60
        fixed = Decimal(spread_e10) / 10**10 / 2 * (1 if long else -1)
        after_spread = Decimal(oracle_e10) * (1 + fixed / 100)
        tokens = Decimal(size_raw) * precision_delta * 10**10 / after_spread
        skew = skew_impact_pct(Decimal(oi_long_token - oi_short_token), tokens, Decimal(depth_token), long, True)
        return Decimal(oracle_e10) * (1 + (fixed + skew) / 100), tokens


def closing_price(oracle_e10: int, spread_e10: int, size_token: int, oi_long_token: int, oi_short_token: int,
                  depth_token: int, long: bool) -> Decimal:
    """SDK getTradeClosingPriceImpact without depth bands (price after impact, 1e10)."""
    with localcontext() as ctx:
        ctx.prec = 60
        fixed = Decimal(spread_e10) / 10**10 / 2 * (-1 if long else 1)
        skew = skew_impact_pct(Decimal(oi_long_token - oi_short_token), Decimal(size_token), Decimal(depth_token),
                               long, False)
        return Decimal(oracle_e10) * (1 + (fixed + skew) / 100)


def trade_fee_raw(size_raw: int, fee_p_e10: int, min_position_usd_e18: int, collateral_price_e8: int,
                  precision_delta: int) -> Decimal:
    """Opening/closing fee in collateral units: the basis floored at the pair's minimum position size."""
    with localcontext() as ctx:
        ctx.prec = 60
        min_size = Decimal(min_position_usd_e18) / 10**18 / (Decimal(collateral_price_e8) / 10**8) \
            * 10**18 / precision_delta
        return max(Decimal(size_raw), min_size) * fee_p_e10 / 10**10 / 100


def liq_threshold(params: dict[str, Any], leverage_e3: int) -> Decimal:
    """SDK getLiqPnlThresholdP, as a fraction."""
    keys = ("maxLiqSpreadP", "startLiqThresholdP", "endLiqThresholdP", "startLeverage", "endLeverage")
    if any(int(params[k]) == 0 for k in keys):
        return Decimal("0.9")
    lev = Decimal(leverage_e3) / 1000
    s_lev, e_lev = Decimal(params["startLeverage"]) / 1000, Decimal(params["endLeverage"]) / 1000
    s_thr, e_thr = Decimal(params["startLiqThresholdP"]) / 10**12, Decimal(params["endLiqThresholdP"]) / 10**12
    if lev < s_lev:
        return s_thr
    if lev > e_lev or s_thr == e_thr:
        return e_thr
    return s_thr - (lev - s_lev) * (s_thr - e_thr) / (e_lev - s_lev)


def liquidation_price(open_e10: int, long: bool, collateral_raw: int, leverage_e3: int, fees_raw: Decimal,
                      params: dict[str, Any], pair_spread_e10: int) -> Decimal:
    """SDK getLiquidationPrice from its parts (1e10 price): ``fees_raw`` = closing fee + (holding fees -
    realised PnL + realised trading fees) x multiplier + additional fee, in collateral units."""
    with localcontext() as ctx:
        ctx.prec = 60
        lev = Decimal(leverage_e3) / 1000
        coll = Decimal(collateral_raw)
        distance = Decimal(open_e10) * (coll * liq_threshold(params, leverage_e3) - fees_raw) / coll / lev
        max_liq = Decimal(params["maxLiqSpreadP"]) / 10**12
        if max_liq > 0:
            spread = Decimal(pair_spread_e10) / 10**12 / 2
            distance -= Decimal(open_e10) * min(spread, max_liq)
        return max(Decimal(open_e10) - distance, Decimal(0)) if long else max(Decimal(open_e10) + distance, Decimal(0))
