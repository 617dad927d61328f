"""Units on the devnet: collateral is valued at its own price, never assumed to be $1 (issue 15 item 4).

The devnet's USDC feed is what the gTrade replica's ``getCollateralPriceUsd`` answers, so moving it to
$0.98 must show in gTrade's sizing, its positions and its pending orders; a GMX short with WETH
collateral must count its collateral at the ETH price in ``watch``.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from hedgefi.sim import control
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gtrade.adapter import GtradeVenue
from tests.helpers import send, short_position, usdc_raw

USDC_PRICE = Decimal("0.98")


def test_gtrade_sizes_and_values_usdc_at_its_price(conn, demo, devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.sim.keeper import set_paused

    control.set_price("USDC", str(USDC_PRICE))
    v = GtradeVenue(conn)
    before = usdc_raw(conn, demo.address)
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("9800"), leverage=Decimal("2")))
    # $9,800 at 2x is $4,900 of collateral: 5,000 USDC at $0.98 (4,900 USDC if USDC were taken as $1)
    assert plan.collateral_amount == Decimal("5000")
    r = send(conn, v, demo, plan.txs)
    assert [o.status for o in r.orders] == ["executed"], r.orders
    assert before - usdc_raw(conn, demo.address) == 5000 * 10**6
    p = short_position(v, demo.address, "ETH")
    assert p.size_usd == Decimal("9800") and p.collateral_amount == Decimal("5000")
    assert p.size_collateral_raw == 10_000 * 10**6                 # v10's own unit: collateral x leverage
    assert p.collateral_value_usd == Decimal("4900")
    assert p.size_usd_e30 == 0                                     # a GMX-only unit
    # a pending increase: v10 stores it in collateral units; hedgefi reports it in USD at the same price
    set_paused(True)
    try:
        inc = v.plan_short(demo.address, ShortRequest("ETH", Decimal("4900")), existing=p)
        assert inc.collateral_amount == Decimal("2500")
        r = send(conn, v, demo, inc.txs, wait_s=0.5)
        assert [o.status for o in r.orders] == ["pending"]
        _, pending = v.fetch_positions(demo.address)
        assert [(o.type, o.size_delta_usd) for o in pending] == [("MarketPartialOpen", Decimal("4900"))]
    finally:
        set_paused(False)


def test_watch_values_weth_collateral_at_the_eth_price(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("short", "open", "ETH", "--venue", "gmx", "--collateral", "WETH", "--size-usd", "6000",
            "--leverage", "2", "--broadcast", "--yes")
    assert r.code == 0, r.output
    snap = json.loads(cli("watch", "--once", "--json").stdout)
    (p,) = [p for p in snap["positions"] if p["venue"] == "gmx"]
    assert p["collateral_token"] == "WETH"
    amount, value = Decimal(p["collateral_amount"]), Decimal(p["collateral_value_usd"])
    assert value == pytest.approx(amount * Decimal(p["mark_price"]), rel=Decimal("0.001"))
    assert value > Decimal("2900")                                  # about $3,000, not 1 WETH counted as $1
    hold = json.loads(cli("holdings", "--json").stdout)
    # the short's equity is what closing it returns (collateral at its price, PnL, every fee of the close)
    equity = Decimal(p["close_value_usd"]) + Decimal(p["claimable_funding_usd"])
    assert equity < value + Decimal(p["pnl_usd"])                   # the closing fee is paid out of it
    assert Decimal(snap["portfolio_value_usd"]) == pytest.approx(Decimal(hold["total_value_usd"]) + equity,
                                                                 abs=Decimal("0.02"))
