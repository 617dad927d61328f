"""hedgefi's money math ignores the caller's decimal context (pure paths; the devnet paths are in
tests/venues/test_decimal_context_devnet.py).

Every case computes once under Python's default context and once under hostile ones: six digits of
precision with a different rounding, and the same with ``Inexact`` / ``Rounded`` trapped, so a money
operation that escaped hedgefi's ``CONTEXT`` either changes a digit or raises. Results are compared by
``repr`` (the exact digits and exponent of every Decimal), not only by value.
"""

from __future__ import annotations

import decimal
from dataclasses import replace
from decimal import Decimal as D
from typing import Any, Callable

import pytest

from hedgefi.core.units import CONTEXT, fmt, from_raw, money, mul, parse_decimal, to_raw
from hedgefi.hedge.planner import Exposure, notional, plan
from hedgefi.hedge.policy import AssetPolicy, HedgePolicy
from hedgefi.risk.charts import scenario_text_chart
from hedgefi.risk.scenario import ShortLeg, compute
from hedgefi.venues.base import PendingOrderView
from hedgefi.venues.choose import choose_venue
from hedgefi.venues.gmx.orders import FeeContext, acceptable_price
from hedgefi.venues.gmx.reads import human_price
from hedgefi.venues.gtrade.constants import leverage_e3, price_e10, slippage_e3
from hedgefi.venues.gtrade.reads import borrowing_apr, short_funding_apr
from tests.unit.test_planner import quote, short

_SIGNALS = [decimal.Clamped, decimal.DivisionByZero, decimal.Inexact, decimal.InvalidOperation, decimal.Overflow,
            decimal.Rounded, decimal.Subnormal, decimal.Underflow]
HOSTILE = {
    "prec6-round-up": decimal.Context(prec=6, rounding=decimal.ROUND_UP),
    "prec6-round-down": decimal.Context(prec=6, rounding=decimal.ROUND_DOWN, Emax=99, Emin=-99),
    "prec9-traps-all": decimal.Context(prec=9, rounding=decimal.ROUND_05UP, traps=_SIGNALS),
}


def _under(ctx: decimal.Context | None, fn: Callable[[], Any]) -> str:
    with decimal.localcontext(ctx or decimal.Context()):   # None: Python's default context
        return repr(fn())


def same_everywhere(fn: Callable[[], Any]) -> str:
    """``repr(fn())`` under the default context; asserts each hostile context gives exactly the same."""
    expected = _under(None, fn)
    for name, ctx in HOSTILE.items():
        assert _under(ctx, fn) == expected, f"the global context {name} changed the result"
    return expected


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_hostile_contexts_do_change_bare_decimal_math(name: str) -> None:
    """So the comparisons below can fail: the same sum, outside hedgefi's context, comes out different."""
    def bare() -> D:
        return (D("3012.3456789") * D("0.9951234567")).quantize(D("0.00000001"))

    def guarded() -> D:
        return money(bare)()

    with decimal.localcontext(HOSTILE[name]):
        try:
            changed = repr(bare()) != repr(guarded())
        except decimal.DecimalException:
            changed = True                    # the trapping context refuses it outright
    assert changed
    with decimal.localcontext(HOSTILE[name]) as ctx:
        guarded()
        assert decimal.getcontext() is ctx and ctx.prec == HOSTILE[name].prec   # the caller's context is back


def test_units_conversions() -> None:
    big = 2**256 - 1
    out = same_everywhere(lambda: (from_raw(big, 18), from_raw(123_456_789, 6), from_raw(0, 30),
                                   to_raw(D("115792089237316195423570985008687907853269.984665640564039457"), 36),
                                   to_raw(D("1234.567891"), 6), mul(D("3012.345678901234567"), D("1.000000000000000001")),
                                   fmt(D("1.234567890123456789E+40")), parse_decimal("1,234,567.890123456789")))
    assert "Decimal('115792089237316195423570985008687907853269984665640564039457.584007913129639935')" in out


def test_planner_intents_lines_and_totals() -> None:
    exposures = [Exposure("ETH", D("123456.789012345678"), D("3012.3456789012")),
                 Exposure("BTC", D("987654.321098765432"), D("61234.567890123"))]
    markets = [quote("gmx", carry="0.0512345678901", liquidity="51234.5678901234"),
               quote("gtrade", carry="0.0434567890123", liquidity="40000.123456789"),
               quote("gmx", "BTC", carry="0.0711111111111", liquidity="9000000"),
               replace(quote("gtrade", "BTC", carry="0.0333333333333", liquidity="123456.7"),
                       price=D("61234.567890123"))]
    positions = [short("41234.567891", "gmx", price="3012.3456789"),
                 short("700000.123456", "gtrade", "BTC", price="61000.987654321"),
                 short("1234.5", "gmx", "BTC", price="61000.987654321")]
    pending = [PendingOrderView("gmx", "0x1", "MarketIncrease", "ETH", D("1111.111111"), 0)]
    policies = [HedgePolicy.from_ratio(D("0.5137")),
                HedgePolicy(None, {"ETH": AssetPolicy(D("0.9"), max_leverage=D("3.3"), max_collateral=D("7777.77")),
                                   "BTC": AssetPolicy(D("0.123"), drift_band=D("0.0101"))}, max_fees_usd=D("12.345")),
                HedgePolicy.from_ratio(D(0))]
    for policy in policies:
        def run(policy: HedgePolicy = policy) -> Any:
            hp = plan(exposures, positions, pending, markets, policy)
            return (hp, hp.as_json(), hp.est_fees_usd, [ln.hedge_ratio for ln in hp.lines])
        out = same_everywhere(run)
        assert "OrderIntent(" in out                   # each policy trades, so intents are compared too
    assert same_everywhere(lambda: [notional(p) for p in positions])


def test_policy_validation() -> None:
    same_everywhere(lambda: HedgePolicy.from_ratio(D("0.3333333333333333333")))
    from hedgefi.core.errors import InputError
    from hedgefi.hedge.policy import _asset_policy

    def refused() -> str:
        with pytest.raises(InputError) as exc:
            _asset_policy({"ratio": "0.5", "max_leverage": "3.000001", "min_liquidation_distance": "0.34"}, "x")
        return exc.value.message
    assert "33.3%" in same_everywhere(refused)


def test_gmx_acceptable_price_and_execution_fee() -> None:
    prices_e30 = [3_012_345_678_901_234, 61_234_567_890_123_456_789_012_345, 10**40 + 12_345_678_901]
    fees = FeeContext(1_000_000, 2_345_678, 600_000, 40_000, 10**30 + 7 * 10**28, 0, 0, 0, 123_456_789)
    out = same_everywhere(lambda: (
        [acceptable_price(p, D("0.0073"), is_long=lg, is_increase=inc)
         for p in prices_e30 for lg in (False, True) for inc in (False, True)],
        [human_price(p, dec) for p in prices_e30 for dec in (6, 8, 18)],
        fees.execution_fee(True), fees.execution_fee(False, D("1.234567891"))))
    # a short increase on 1e40 + x accepts no less than floor(price x 0.9927): every digit kept
    assert str((10**40 + 12_345_678_901) * 9927 // 10000) in out


def test_gtrade_scaling_and_rates() -> None:
    same_everywhere(lambda: (price_e10(D("3012.34567891234")), price_e10(D("61234567.8901234567")),
                             leverage_e3(D("3.7123456")), slippage_e3(D("0.00731234567")),
                             short_funding_apr(123_456_789_012, 5 * 10**24 + 3, 7 * 10**23 + 11, True),
                             short_funding_apr(98_765_432_101, 10**24, 3 * 10**24, False),
                             borrowing_apr(1_234_567)))


def test_venue_choice_and_risk_scenario() -> None:
    markets = [quote("gmx", carry="0.0512345678901", liquidity="51234.5678901234"),
               quote("gtrade", carry="0.0434567890123", liquidity="40000.123456789")]
    same_everywhere(lambda: choose_venue(markets, "ETH", D("20000.123456")))
    legs = [ShortLeg("gmx ETH", D("13.68901234567"), D("20123.456789"), D("4512.3456789"), D("0.0512345678"),
                     D("41234.567891"))]

    def scenario() -> Any:
        sc = compute("ETH", D("3012.3456789012"), D("123456.789012345678"), legs, steps=17)
        return sc, sc.as_json(), scenario_text_chart(sc)
    same_everywhere(scenario)


def test_money_context_is_hedgefis_own_and_private() -> None:
    """The decorator works on a copy: flags raised inside never leak into CONTEXT or the caller."""
    CONTEXT.clear_flags()
    with decimal.localcontext(decimal.Context(prec=6)) as caller:
        assert money(lambda: D(1) / D(3))() == D("0." + "3" * CONTEXT.prec)
        assert not caller.flags[decimal.Inexact]
    assert not CONTEXT.flags[decimal.Inexact]


def test_engine_signals_proxy_and_backtest() -> None:
    from hedgefi.core.series import PriceSeries
    from hedgefi.hedge.backtest import run_backtest
    from hedgefi.hedge.policy import AssetPolicy, HedgePolicy
    from hedgefi.hedge.proxy import choose_proxy
    from hedgefi.hedge.signals import trend_ratio

    walk = [D("3012.3456789012") * (1 + D(i % 7 - 3) / 97 + D(i) / 3001) for i in range(24 * 14)]
    eth = PriceSeries("ETH", tuple((86400 * 20000 + 3600 * i, p) for i, p in enumerate(walk)))
    arb = PriceSeries("ARB", tuple((t, p / 2917 + D(i % 5) / 1013) for i, (t, p) in enumerate(eth.points)))
    trend = AssetPolicy(D("0.8"), policy="trend", min_ratio=D("0.1234567"), max_ratio=D("0.8765432"),
                        signal_days=2, proxy="ETH", min_correlation=D(0), beta_days=12)

    def engine() -> Any:
        sig = trend_ratio(eth, trend)
        px = choose_proxy(arb, {"ETH": eth}, trend)
        bt = run_backtest(HedgePolicy(trend, {}), {"ETH": eth, "ARB": arb}, {"ETH": D("3.1234567"), "ARB": D(1000)},
                          carry_apr={"ETH": D("0.0812345")}, position_fee_rate={"ETH": D("0.00061")},
                          proxies={"ARB": ("ETH", D("0.9123"))}, start=eth.start + 3 * 86400)
        assert px.estimate is not None and px.estimate.points >= 10 and not sig.fallback
        return sig, sig.as_json(), px.as_json(), bt.as_json()
    same_everywhere(engine)
