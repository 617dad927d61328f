"""The backtest's arithmetic on a tiny history worked by hand (one asset, five hours), and its trend path.

Common to the hand cases: 10 ETH held; hourly prices 1000, 1100, 1300, 1450, 1160; fixed ratio 0.5,
max_leverage 2, min_liquidation_distance 0.2; maintenance 0.2 (liquidated at an 80% loss of collateral);
position fee 0.1%; carry 8.76%/yr, i.e. 0.00001 of the notional per hour (8.76% / 8760 h).

t0 1000: target 0.5 x 10 x 1000 = 5000 -> short 5 ETH at 1000, collateral 5000 / 2 = 2500, fee 5.
         cash = -2500 - 5 = -2505; hedged = 10000 - 2505 + 2500 = 9995.
t1 1100: carry 0.00001 x 5 x 1100 = 0.055 -> collateral 2499.945; loss 500 < 0.8 x 2499.945.
         liquidation price 1000 + 2499.945 x 0.8 / 5 = 1399.9912 >= 1100 x 1.2 = 1320: no top-up.
         the target 5500 = 5 x 1100: no trade. hedged = 11000 - 2505 + (2499.945 - 500) = 10494.945.
t2 1300: carry 0.065 -> collateral 2499.88; liquidation price 1000 + 1999.904 / 5 = 1399.9808 < 1560.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from hedgefi.core.series import HOUR, PriceSeries
from hedgefi.core.units import money_context
from hedgefi.hedge.backtest import BacktestResult, max_drawdown, run_backtest
from hedgefi.hedge.policy import AssetPolicy, HedgePolicy

T0 = 1_700_000_000 // HOUR * HOUR
D = Decimal


def _run(prices: list[str], *, maintain: bool = True, budget: str | None = None,
         policy: AssetPolicy | None = None) -> BacktestResult:
    eth = PriceSeries("ETH", tuple((T0 + i * HOUR, D(p)) for i, p in enumerate(prices)))
    ap = policy or AssetPolicy(D("0.5"), max_leverage=D(2), min_liquidation_distance=D("0.2"))
    return run_backtest(HedgePolicy(None, {"ETH": ap}), {"ETH": eth}, {"ETH": D(10)},
                        carry_apr={"ETH": D("0.0876")}, position_fee_rate={"ETH": D("0.001")},
                        maintenance=D("0.2"), maintain_margin=maintain,
                        max_collateral_usd={"ETH": D(budget)} if budget else None)


PRICES = ["1000", "1100", "1300", "1450", "1160"]


def test_margin_maintenance_by_hand() -> None:
    """t2 1300: distance too small -> top up to a fresh short's distance, L = 1300 x (1 + 0.8 / 2) = 1820:
             collateral 5 x (1820 - 1000) / 0.8 = 5125, top-up 5125 - 2499.88 = 2625.12; cash -5130.12;
             hedged = 13000 - 5130.12 + (5125 - 1500) = 11494.88.
    t3 1450: carry 0.0725 -> 5124.9275; 1450 passed the old liquidation price 1399.9808: one avoided;
             loss 2250 < 0.8 x 5124.9275 = 4099.942; L = 1000 + 4099.942 / 5 = 1819.9884 >= 1740.
             hedged = 14500 - 5130.12 + (5124.9275 - 2250) = 12244.8075.
    t4 1160: carry 0.058 -> 5124.8695; hedged = 11600 - 5130.12 + (5124.8695 - 800) = 10794.7495.
    carry 0.055 + 0.065 + 0.0725 + 0.058 = 0.2505; fees 5; no rebalance (a pure price move keeps the ratio)."""
    r = _run(PRICES)
    assert r.unhedged_usd == (D(10000), D(11000), D(13000), D(14500), D(11600))
    assert r.hedged_usd == (D(9995), D("10494.945"), D("11494.88"), D("12244.8075"), D("10794.7495"))
    assert (r.carry_paid_usd, r.fees_usd, r.rebalances) == (D("0.2505"), D(5), 0)
    assert (r.top_ups, r.top_up_usd, r.liquidations_avoided, r.liquidations_suffered) == (1, D("2625.12"), 1, 0)
    # hedged = unhedged - fees - carry + the short's PnL 5 x (1000 - 1160)
    assert r.final_hedged_usd == r.final_unhedged_usd - 5 - D("0.2505") - 800
    with money_context():
        assert r.max_drawdown_unhedged == D(2900) / D(14500) == D("0.2")
        assert r.max_drawdown_hedged == (D("12244.8075") - D("10794.7495")) / D("12244.8075")
    j = r.as_json()
    assert (j["final_hedged_usd"], j["max_drawdown_unhedged"], j["carry_paid_usd"]) == ("10794.75", "0.2", "0.25")
    assert len(j["points"]) == 5 and j["points"][2] == {"t": T0 + 2 * HOUR, "hedged_usd": "11494.88",
                                                         "unhedged_usd": "13000"}


def test_liquidation_suffered_by_hand() -> None:
    """No maintenance. t2: collateral 2499.88, hedged 13000 - 2505 + 999.88 = 11494.88 (as above: a top-up
    only moves cash). t3 1450: carry 0.0725 -> 2499.8075; loss 2250 >= 0.8 x 2499.8075 = 1999.846:
    liquidated, the 249.8075 left is lost. The rebalance reopens: 7250 / 1450 = 5 ETH at 1450, collateral
    3625, fee 7.25: cash -2505 - 3625 - 7.25 = -6137.25; hedged = 14500 - 6137.25 + 3625 = 11987.75
    (257.0575 below the maintained run: the 249.8075 lost plus the 7.25 fee).
    t4 1160: carry 0.058 -> 3624.942; hedged = 11600 - 6137.25 + 3624.942 + 5 x 290 = 10537.692."""
    r = _run(PRICES, maintain=False)
    assert r.hedged_usd == (D(9995), D("10494.945"), D("11494.88"), D("11987.75"), D("10537.692"))
    assert (r.carry_paid_usd, r.fees_usd, r.rebalances) == (D("0.2505"), D("12.25"), 1)
    assert (r.top_ups, r.liquidations_avoided, r.liquidations_suffered) == (0, 0, 1)
    with money_context():
        assert r.max_drawdown_hedged == (D("11987.75") - D("10537.692")) / D("11987.75")
    assert _run(PRICES).hedged_usd[3] - r.hedged_usd[3] == D("249.8075") + D("7.25")


def test_collateral_budget_limits_top_ups_by_hand() -> None:
    """max collateral 3000: t2 tops up 3000 - 2499.88 = 500.12 (L = 1000 + 3000 x 0.8 / 5 = 1480, still
    < 1560); t3 carry 0.0725 -> 2999.9275, the old L 1399.9808 is passed (avoided: 2250 < 0.8 x 2999.9275
    = 2399.942), L 1479.9884 < 1740 -> the 0.0725 of room left is added; t4: L 1479.99072 >= 1392."""
    r = _run(PRICES, budget="3000")
    assert (r.top_ups, r.top_up_usd, r.liquidations_avoided, r.liquidations_suffered) == (2, D("500.1925"), 1, 0)


def _trend_run(steps: list[int]) -> BacktestResult:
    prices = [D(1000)]
    for step in steps:
        prices.append(prices[-1] + step)
    eth = PriceSeries("ETH", tuple((T0 + i * HOUR, p) for i, p in enumerate(prices)))
    ap = AssetPolicy(D("0.8"), policy="trend", min_ratio=D("0.2"), max_ratio=D("0.8"), signal="momentum",
                     signal_days=1)
    return run_backtest(HedgePolicy(None, {"ETH": ap}), {"ETH": eth}, {"ETH": D(1)},
                        carry_apr={}, position_fee_rate={"ETH": D("0.001")}, start=T0 + 2 * 86400)


def test_trend_policy_leans_with_the_trend() -> None:
    # 24 h returns beyond +-10% are full trends: a steady rise holds min_ratio, a rise then a fall ends at max
    up, turn = _trend_run([10] * 96), _trend_run([10] * 72 + [-10] * 48)
    assert up.assets[0].final_ratio == D("0.2") and turn.assets[0].final_ratio == D("0.8")
    assert up.start == T0 + 2 * 86400 and any("no carry rate for ETH" in a for a in up.assumptions)
    assert up.rebalances == 0 and up.carry_paid_usd == 0    # a price move alone keeps the ratio
    assert turn.rebalances >= 1 and turn.fees_usd > up.fees_usd   # the turn raised the hedge: traded


def test_max_drawdown() -> None:
    assert max_drawdown([D(1), D(2), D(1), D(3), D("1.5")]) == D("0.5") and max_drawdown([D(1), D(2)]) == 0


def test_no_history_is_a_clear_error() -> None:
    from hedgefi.core.errors import InputError

    with pytest.raises(InputError, match="no price history for BTC"):
        run_backtest(HedgePolicy.from_ratio(D("0.5")), {}, {"BTC": D(1)}, carry_apr={}, position_fee_rate={})


def test_proxy_hedge_by_hand() -> None:
    """1000 ARB (no market) hedged on ETH x beta 2 at ratio 0.5, fee 0.1%, no carry.
    t0 ARB 1, ETH 2000: target 0.5 x 1000 x 1 x 2 = 1000 on ETH -> short 0.5 ETH, fee 1; hedged 1000 - 1 = 999.
    t1 ARB 1.2, ETH 2200: short PnL 0.5 x (2000 - 2200) = -100; target 0.5 x 1200 x 2 = 1200, held 0.5 x 2200 =
    1100, off by 100 > 5% x 1200: add 100 (fee 0.1): hedged = 1200 - 1 - 100 - 0.1 = 1098.9."""
    arb = PriceSeries("ARB", ((T0, D(1)), (T0 + HOUR, D("1.2"))))
    eth = PriceSeries("ETH", ((T0, D(2000)), (T0 + HOUR, D(2200))))
    r = run_backtest(HedgePolicy(None, {"ARB": AssetPolicy(D("0.5"))}), {"ARB": arb, "ETH": eth}, {"ARB": D(1000)},
                     carry_apr={"ETH": D(0)}, position_fee_rate={"ETH": D("0.001")}, proxies={"ARB": ("ETH", D(2))})
    assert r.unhedged_usd == (D(1000), D(1200)) and r.hedged_usd == (D(999), D("1098.9"))
    assert (r.rebalances, r.fees_usd, r.assets[0].hedge_asset, r.assets[0].beta) == (1, D("1.1"), "ETH", D(2))
