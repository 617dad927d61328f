"""Margin maintenance, pure: the top-up inverts each venue's own liquidation formula (GMX's
``isPositionLiquidatable`` solved for the collateral by hand here; gTrade's ``getTradeLiquidationPrice``), to
one unit of collateral; a reduction keeps the most size that holds the target; the planner turns them into
intents within the wallet and ``max_collateral``."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedgefi.hedge import margin
from hedgefi.hedge.planner import Exposure, plan
from hedgefi.hedge.policy import AssetPolicy, HedgePolicy
from hedgefi.venues.base import MarketQuote, PositionView
from hedgefi.venues.gmx.liquidation import (GmxMargin, LiquidationInputs, LiquidationParams, liquidation_costs_usd,
                                            required_collateral_usd)
from hedgefi.venues.gtrade.margin import GtradeMargin

E30 = 10**30
ETH_UNIT_E30 = 10**12          # $1 per ETH as GMX stores it: per 1e-18 ETH, x 1e30
USDC_UNIT_E30 = 10**24         # $1 per USDC: per 1e-6 USDC, x 1e30


def gmx_position(entry: int = 3000, mark: int = 4200, size_usd: int = 4000, coll_usdc: int = 2000) -> PositionView:
    tokens_raw = size_usd * 10**18 // entry
    x = LiquidationInputs(is_long=False, size_usd_e30=size_usd * E30, size_tokens_raw=tokens_raw,
                          collateral_raw=coll_usdc * 10**6, collateral_price_min_e30=USDC_UNIT_E30 * 9999 // 10000,
                          collateral_is_index=False, funding_fee_amount_raw=1_234_567, borrowing_fee_usd_raw=3 * E30,
                          close_impact_usd_raw=-2 * E30, pending_impact_amount_raw=-10**14,
                          index_price_min_e30=mark * ETH_UNIT_E30, index_price_max_e30=mark * ETH_UNIT_E30)
    params = LiquidationParams(min_collateral_factor_for_liquidation=E30 // 200,
                               max_position_impact_factor_for_liquidations=E30 // 100,
                               closing_fee_factor=E30 * 5 // 10000, min_collateral_usd_raw=E30)
    model = GmxMargin(x, params, 18, 6)
    liq = model.add_collateral(0).liquidation_price
    assert liq is not None
    return _view("gmx", entry, mark, size_usd, coll_usdc, tokens_raw, liq, model)


def gtrade_position(open_: int = 3000, mark: int = 4200, coll_usdc: int = 2000, lev_e3: int = 2000) -> PositionView:
    model = GtradeMargin(open_e10=open_ * 10**10, long=False, collateral_raw=coll_usdc * 10**6, leverage_e3=lev_e3,
                         holding_net_raw=4_500_000, fee_p_e10=6 * 10**8, min_size_collateral_raw=1500 * 10**6,
                         liq_params={"maxLiqSpreadP": 5 * 10**8, "startLiqThresholdP": 90 * 10**10,
                                     "endLiqThresholdP": 80 * 10**10, "startLeverage": 10_000,
                                     "endLeverage": 100_000},
                         pair_spread_p_e10=4 * 10**8, precision_delta=10**12, price_e10=mark * 10**10,
                         collateral_decimals=6, min_leverage_e3=1100)
    liq = model.add_collateral(0).liquidation_price
    assert liq is not None
    size = coll_usdc * lev_e3 // 1000
    return _view("gtrade", open_, mark, size, coll_usdc, size * 10**18 // open_, liq, model)


def _view(venue: str, entry: int, mark: int, size_usd: int, coll: int, tokens_raw: int, liq: D,
          model: object) -> PositionView:
    return PositionView(venue, f"{venue}-ETH", "ETH", "short", D(size_usd), D(tokens_raw) / 10**18, "USDC", D(coll),
                        D(entry), D(mark), D(0), D(0), D(0), liq, abs(liq - mark) / mark,
                        collateral_value_usd=D(coll), margin=model)  # type: ignore[arg-type]


def _distance(p: PositionView, change: object) -> D:
    d = margin.distance_of(p, change.liquidation_price)  # type: ignore[attr-defined]
    assert d is not None
    return d


@pytest.mark.parametrize("target", [D("0.15"), D("0.22"), D("0.4")])
def test_gmx_top_up_inverts_its_liquidation_formula_to_one_unit(target: D) -> None:
    p = gmx_position()
    model = p.margin
    assert isinstance(model, GmxMargin) and p.liquidation_distance is not None and p.liquidation_distance < target
    change = margin.top_up(p, model, target, 10**13)
    assert change is not None
    a = change.collateral_delta_raw
    assert _distance(p, change) >= target > _distance(p, model.add_collateral(a - 1))
    # by hand: a short is liquidated at P where coll x cp + size - tokens x P + impact - costs = required; solve
    # for the collateral that puts P at mark x (1 + target)
    x, prm = model.inputs, model.params
    price_e30 = (D(p.mark_price) * (1 + target) * ETH_UNIT_E30)
    impact = max(x.close_impact_usd_raw + x.pending_impact_amount_raw * x.index_price_max_e30,
                 -x.size_usd_e30 * prm.max_position_impact_factor_for_liquidations // E30)
    need = (required_collateral_usd(x, prm) + liquidation_costs_usd(x, prm) - impact - x.size_usd_e30
            + D(x.size_tokens_raw) * price_e30) / x.collateral_price_min_e30
    assert abs(D(x.collateral_raw + a) - need) <= 1, (x.collateral_raw + a, need)


@pytest.mark.parametrize("target", [D("0.15"), D("0.2"), D("0.22")])
def test_gtrade_top_up_is_the_least_leverage_step_that_reaches_the_target(target: D) -> None:
    p = gtrade_position()
    model = p.margin
    assert isinstance(model, GtradeMargin)
    change = margin.top_up(p, model, target, 10**12)
    assert change is not None and change.leverage is not None
    assert _distance(p, change) >= target
    # updateLeverage at constant size: the diamond pulls collateral x L / L' - collateral
    lev = int(change.leverage * 1000)
    assert change.collateral_delta_raw == model.collateral_raw * model.leverage_e3 // lev - model.collateral_raw
    # one leverage step higher (less collateral) would not reach it
    liq = model.liq_e10(model.collateral_raw * model.leverage_e3 // (lev + 1), lev + 1)
    assert (D(liq) / 10**10 - p.mark_price) / p.mark_price < target


def test_gtrade_top_up_gives_up_below_the_pairs_minimum_leverage() -> None:
    p = gtrade_position()
    assert p.margin is not None
    floor = p.margin.add_collateral(10**12)           # every unit asked: the leverage stops at the pair's 1.1x
    assert floor.leverage == D("1.1")
    assert margin.top_up(p, p.margin, _distance(p, floor) + D("0.001"), 10**12) is None


def test_gtrade_model_reads_back_its_own_liquidation_price() -> None:
    m = gtrade_position().margin
    assert isinstance(m, GtradeMargin)
    assert m.matches(m.liq_e10(m.collateral_raw, m.leverage_e3))
    assert not m.matches(m.liq_e10(m.collateral_raw, m.leverage_e3) + 1)


def test_reduce_keeps_the_most_size_that_holds_the_target() -> None:
    p = gmx_position(mark=4100)
    model = p.margin
    assert model is not None
    keep, change = margin.reduce_to(p, model, D("0.22")) or (None, None)
    assert keep is not None and D(0) < keep < 1
    assert _distance(p, change) >= D("0.22") > _distance(p, model.reduce(keep + D("0.0001")))


def test_top_up_returns_none_when_the_wallet_cannot_reach_the_target() -> None:
    p = gmx_position()
    assert p.margin is not None
    assert margin.top_up(p, p.margin, D("0.22"), 10 * 10**6) is None
    assert margin.top_up(p, p.margin, D("0.22"), 0) is None


# ------------------------------------------------------------------ the planner
def _quote(venue: str) -> MarketQuote:
    return MarketQuote(venue, f"{venue}-ETH", "ETH", "crypto", D(4200), D("0.05"), D(0), D(1), D(1), D(10**6), D(50),
                       True, position_fee_rate=D("0.0006"), min_size_usd=D(10))


def _policy(**kw: object) -> HedgePolicy:
    return HedgePolicy(None, {"ETH": AssetPolicy(D("0.5"), drift_band=D("0.2"), **kw)})  # type: ignore[arg-type]


def _exposure(p: PositionView) -> list[Exposure]:
    return [Exposure("ETH", p.size_tokens * p.mark_price * 2, p.mark_price)]


def test_planner_tops_up_from_the_wallet() -> None:
    p = gmx_position()
    hp = plan(_exposure(p), [p], [], [_quote("gmx")], _policy(), wallet={"USDC": D(100000)})
    assert [(i.venue, i.action, i.size_delta_usd) for i in hp.intents] == [("gmx", "add_collateral", D(0))]
    i = hp.intents[0]
    assert i.collateral_delta > 0 and i.liquidation_distance_after is not None
    assert margin.BUFFER + D("0.2") <= i.liquidation_distance_after < D("0.2201")
    assert i.as_json()["collateral_delta"] == str(i.collateral_delta)


def test_planner_without_a_wallet_leaves_margin_alone() -> None:
    p = gmx_position()
    assert plan(_exposure(p), [p], [], [_quote("gmx")], _policy()).intents == []


def test_planner_reduces_within_max_collateral_and_says_the_ratio() -> None:
    p = gmx_position(mark=4100)
    hp = plan(_exposure(p), [p], [], [_quote("gmx")], _policy(max_collateral=D(2001)), wallet={"USDC": D(10**6)})
    assert [(i.action, i.keep_collateral) for i in hp.intents] == [("decrease", True)]
    assert "hedge ratio is now" in hp.intents[0].reason and "ratio" in hp.lines[0].note


def test_planner_closes_a_gtrade_short_no_leverage_cut_can_save() -> None:
    p = gtrade_position(mark=4300)
    hp = plan(_exposure(p), [p], [], [_quote("gtrade")], _policy(), wallet={"USDC": D(0)})
    assert [i.action for i in hp.intents] == ["close"] and "hedge ratio is now 0" in hp.intents[0].reason


def test_a_pending_order_on_the_short_defers_margin() -> None:
    from hedgefi.venues.base import PendingOrderView

    p = gmx_position()
    pending = [PendingOrderView("gmx", "0x1", "MarketIncrease", "ETH", D(0), 0, market=p.market)]
    hp = plan(_exposure(p), [p], pending, [_quote("gmx")], _policy(), wallet={"USDC": D(100000)})
    assert hp.intents == [] and "pending" in hp.lines[0].note


def test_an_increase_beside_top_ups_uses_only_what_they_leave() -> None:
    p = gmx_position()
    exp = [Exposure("ETH", p.size_tokens * p.mark_price * 4, p.mark_price)]    # hedge at 0.25: wants 0.5
    wallet = {"USDC": D(3000)}
    hp = plan(exp, [p], [], [_quote("gmx"), _quote("gtrade")], _policy(venues=("gtrade",)), wallet=wallet)
    top = next(i for i in hp.intents if i.action == "add_collateral")
    inc = next(i for i in hp.intents if i.action == "open")
    assert top.collateral_delta + inc.size_delta_usd / inc.leverage <= D(3000)
    assert "margin first" in hp.lines[0].note
    # with no margin to do, the same increase is planned in full (check_limits judges the wallet)
    fine = gmx_position(mark=3000)
    hp = plan(exp, [fine], [], [_quote("gmx"), _quote("gtrade")], _policy(venues=("gtrade",)), wallet={"USDC": D(0)})
    assert [i.action for i in hp.intents] == ["open"]


def test_no_increase_beside_a_margin_reduction() -> None:
    p = gmx_position(mark=4100)
    exp = [Exposure("ETH", p.size_tokens * p.mark_price * 4, p.mark_price)]
    hp = plan(exp, [p], [], [_quote("gmx"), _quote("gtrade")], _policy(venues=("gtrade",)), wallet={"USDC": D(0)})
    assert [i.action for i in hp.intents] == ["decrease"] and "no increase" in hp.lines[0].note


def test_a_close_only_market_takes_no_top_up() -> None:
    p = gtrade_position(mark=3900)
    q = replace_quote(_quote("gtrade"), open=False, trading="close-only")
    hp = plan(_exposure(p), [p], [], [q], _policy(), wallet={"USDC": D(10**6)})
    assert [i.action for i in hp.intents] in (["decrease"], ["close"])


def replace_quote(q: MarketQuote, **kw: object) -> MarketQuote:
    from dataclasses import replace

    return replace(q, **kw)  # type: ignore[arg-type]
