"""The venues' collateral top-ups on the devnet replicas, with real signed transactions and the keepers:
GMX's MarketIncrease of size 0 (a deposit: GMX holds neither the acceptable price nor the reserves to it) and
gTrade's updateLeverage to a lower leverage at constant size (order type 7, oracle-fulfilled)."""

from __future__ import annotations

from decimal import Decimal

from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gmx.adapter import GmxVenue
from hedgefi.venues.gtrade.adapter import GtradeVenue
from hedgefi.venues.gtrade.margin import GtradeMargin
from tests.helpers import send, short_position, usdc_raw


def test_gmx_deposit_adds_collateral_at_the_same_size_whatever_the_acceptable_price(conn, demo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("10000"))).txs)
    p = short_position(v, demo.address)
    usdc = usdc_raw(conn, demo.address)
    plan = v.plan_add_collateral(demo.address, p, 1_000_000_000)
    assert plan.action == "add_collateral" and plan.size_delta_usd == 0 and plan.position_fee_usd == 0
    r = send(conn, v, demo, plan.txs)
    assert [o.status for o in r.orders] == ["executed"]
    after = short_position(v, demo.address)
    assert after.size_usd == p.size_usd and after.size_tokens == p.size_tokens
    # the deposit less the funding and borrowing it settles (seconds' worth here)
    assert Decimal(999) < after.collateral_amount - p.collateral_amount <= Decimal(1000)
    assert usdc - usdc_raw(conn, demo.address) == 1_000_000_000
    assert after.liquidation_distance > p.liquidation_distance

    # an acceptable price no short could meet: the deposit still executes, a real increase does not
    monkeypatch.setattr("hedgefi.venues.gmx.adapter.acceptable_price", lambda *a, **k: 10**40)
    r = send(conn, v, demo, v.plan_add_collateral(demo.address, after, 100_000_000).txs)
    assert [o.status for o in r.orders] == ["executed"]
    grown = short_position(v, demo.address)
    r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("1000")), existing=grown).txs)
    assert [o.status for o in r.orders] == ["cancelled"]
    assert short_position(v, demo.address).size_usd == p.size_usd


def test_gtrade_update_leverage_pulls_the_collateral_at_the_same_size(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GtradeVenue(conn)
    send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("4000"), leverage=Decimal(2))).txs)
    p = short_position(v, demo.address)
    assert isinstance(p.margin, GtradeMargin) and p.margin.leverage_e3 == 2000
    usdc = usdc_raw(conn, demo.address)
    plan = v.plan_add_collateral(demo.address, p, 500_000_000)
    lev = p.margin.collateral_raw * 2000 // (p.margin.collateral_raw + 500_000_000)
    pull = p.margin.collateral_raw * 2000 // lev - p.margin.collateral_raw
    assert plan.collateral_amount == Decimal(pull) / 10**6 and pull >= 500_000_000
    r = send(conn, v, demo, plan.txs)
    assert [o.status for o in r.orders] == ["executed"]
    after = short_position(v, demo.address)
    assert isinstance(after.margin, GtradeMargin)
    assert after.margin.leverage_e3 == lev and after.margin.collateral_raw == p.margin.collateral_raw + pull
    assert after.size_tokens == p.size_tokens
    assert usdc - usdc_raw(conn, demo.address) == pull
    assert after.liquidation_distance > p.liquidation_distance
    # the model's liquidation price for the change is the diamond's own after it (to the holding fees that
    # accrued over the blocks in between)
    predicted = p.margin.add_collateral(500_000_000).liquidation_price
    assert predicted is not None and after.liquidation_price is not None
    assert abs(predicted - after.liquidation_price) <= after.liquidation_price * Decimal("0.000001")
