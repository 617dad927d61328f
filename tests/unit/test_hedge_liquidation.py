"""The policy's leverage against a venue's own liquidation distance, and plan fees (pure, milliseconds)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from hedgefi.hedge.liquidation import check_leverage, leverage_ladder, probe_leverages
from hedgefi.hedge.planner import plan
from hedgefi.hedge.policy import AssetPolicy, HedgePolicy
from hedgefi.venues.base import LiquidationQuote
from tests.unit.test_planner import ETH, quote


def _quotes(venue: str, distance_at: dict[str, str]) -> list[LiquidationQuote]:
    return [LiquidationQuote(venue, "ETH", D(lev), D(3000) * (1 + D(d)), D(d)) for lev, d in distance_at.items()]


def _policy(lev: str, liq: str = "0.2") -> HedgePolicy:
    return HedgePolicy(None, {"ETH": AssetPolicy(D("0.5"), max_leverage=D(lev), min_liquidation_distance=D(liq))})


def test_ladder_steps_down_from_the_policy_leverage() -> None:
    assert leverage_ladder(D("4.5"))[:3] == [D("4.5"), D("4.25"), D("4")] and leverage_ladder(D("4.5"))[-1] >= 1
    assert leverage_ladder(D(40))[1] == D(39) and len(leverage_ladder(D(100))) == 16
    assert probe_leverages(_policy("4.5")) == {"ETH": leverage_ladder(D("4.5"))}


def test_a_distance_inside_the_floor_caps_the_leverage_and_names_it() -> None:
    quotes = _quotes("gtrade", {"4.5": "0.1986", "4.25": "0.2105", "4": "0.2240"})
    hp = plan(ETH, [], [], [quote("gtrade")], _policy("4.5"), quotes)
    assert hp.refused is None
    [i] = hp.intents
    assert i.leverage == D("4.25")
    assert "gtrade ETH at 4.5x liquidates 19.86% above the price" in i.reason and "capped at 4.25x" in i.reason
    assert "19.86%" in hp.lines[0].note


def test_no_leverage_on_the_ladder_passes_refuses() -> None:
    quotes = _quotes("gtrade", {"4.5": "0.15", "4.25": "0.16"})
    hp = plan(ETH, [], [], [quote("gtrade")], _policy("4.5"), quotes)
    assert hp.refused is not None and "15%" in hp.refused and "lower max_leverage" in hp.refused


def test_a_distance_above_the_floor_or_no_quote_keeps_the_leverage() -> None:
    ok = check_leverage("gtrade", "ETH", D(3), D("0.2"), _quotes("gtrade", {"3": "0.29"}))
    assert ok.leverage == D(3) and not ok.note and not ok.refused
    assert check_leverage("gmx", "ETH", D(3), D("0.2"), _quotes("gtrade", {"3": "0.1"})).leverage == D(3)
    # a leverage between rungs is judged by the nearest rung above it (stricter)
    assert check_leverage("gtrade", "ETH", D("4.4"), D("0.2"), _quotes("gtrade", {"4.5": "0.19", "4": "0.22"})
                          ).leverage == D(4)


def test_plan_fees_count_the_close_and_the_min_fee_basis() -> None:
    q = quote("gtrade")
    hp = plan(ETH, [], [], [q], HedgePolicy.from_ratio(D("0.5")))
    assert hp.intents[0].est_fee_usd == 2 * D(50000) * D("0.0006")          # open now, close later
    small = replace(q, min_fee_basis_usd=D(100000))
    hp = plan(ETH, [], [], [small], HedgePolicy.from_ratio(D("0.5")))
    assert hp.intents[0].est_fee_usd == 2 * D(100000) * D("0.0006")          # the fee basis is floored
