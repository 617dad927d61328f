"""What a short is worth, on both venues: net PnL, closing fee and close value against an independent
computation (gTrade: the SDK's ``getComprehensivePnl`` formula written here from the diamond's raw reads;
GMX: its Solidity formula from the Reader's ``PositionInfo`` and the DataStore), and against what closing
the short then actually pays back."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedgefi.sim import control
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gmx.adapter import GmxVenue
from hedgefi.venues.gtrade.adapter import GtradeVenue
from hedgefi.venues.gtrade.constants import codec
from tests.helpers import send, short_position, usdc_raw


def _read(conn, to: str, name: str, *args):  # type: ignore[no-untyped-def]
    c = codec()
    out = conn.request("eth_call", [{"to": to, "data": "0x" + c.encode(name, *args).hex()}, "latest"])
    return c.decode_output(name, bytes.fromhex(out[2:]))


def _sdk_gtrade(conn, v, account: str, index: int, price_e10: int) -> dict[str, D]:  # type: ignore[no-untyped-def]
    """``getComprehensivePnl`` (uPnL, trade value) and ``getTotalTradeFeesCollateral`` as the SDK writes them,
    from the diamond's raw values (SDK units: prices / 1e10, leverage / 1e3, fee % / 1e12, 1e18 USD)."""
    dia = v.d.diamond
    t = _read(conn, dia, "getTrade", account, index)
    fd = _read(conn, dia, "getTradeFeesData", account, index)
    hold = _read(conn, dia, "getTradePendingHoldingFeesCollateral", account, index, price_e10)
    pair = int(t["pairIndex"])
    fee_p = D(_read(conn, dia, "pairTotalPositionSizeFeeP", pair)) / 10**12
    min_usd = D(_read(conn, dia, "pairMinPositionSizeUsd", pair)) / 10**18
    spread_p = D(_read(conn, dia, "pairs", pair)["spreadP"]) / 10**10         # percent
    coll_usd = D(_read(conn, dia, "getCollateralPriceUsd", int(t["collateralIndex"]))) / 10**8
    coll, lev = D(int(t["collateralAmount"])) / 10**6, D(int(t["leverage"])) / 1000
    open_, price = D(int(t["openPrice"])) / 10**10, D(price_e10) / 10**10

    def pnl_p(p: D) -> D:
        return max((open_ - p) / open_ * 100 * lev, D(-100))

    skew_p = D(0)
    if "getTradeSkewPriceImpactP" in codec().functions:       # the close's skew impact, the diamond's own
        skew_p = D(int(_read(conn, dia, "getTradeSkewPriceImpactP", int(t["collateralIndex"]), pair, False,
                             int(t["positionSizeToken"]), False))) / 10**10
    # getFixedSpreadP(spread, short, close) = +spread/2, then getPriceAfterImpact
    close_price = price + price * (spread_p / 2 + skew_p) / 100
    holding = D(int(hold["totalFeeCollateral"])) / 10**6
    realized = D(int(fd["realizedPnlCollateral"]) - int(fd["realizedTradingFeesCollateral"])) / 10**6
    closing = fee_p * max(coll * lev, min_usd / coll_usd)
    upnl = coll * pnl_p(price) / 100 - holding + realized
    value = max(D(0), coll + coll * pnl_p(close_price) / 100 - holding - closing + realized)
    return {"net_pnl_usd": upnl * coll_usd, "close_value_usd": value * coll_usd, "closing_fee_usd": closing * coll_usd,
            "realized_trading_fees_usd": D(int(fd["realizedTradingFeesCollateral"])) / 10**6 * coll_usd}


@pytest.mark.parametrize("asset,size,leverage,move,resize", [
    ("ETH", "20000", "4", "-3%", True), ("BTC", "30000", "10", "+1%", False), ("XAU", "6000", "2", "-2%", False),
    ("ETH", "10000", "50", "-0.5%", False)])
def test_gtrade_short_value_after_a_day_and_a_price_move(conn, demo, asset, size, leverage, move, resize  # type: ignore[no-untyped-def]
                                                         ) -> None:
    from hedgefi.testing.devnet import set_market_hours

    set_market_hours(conn.rpc_url, "commodities", True)       # gold trades within its hours
    v = GtradeVenue(conn)
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest(asset, D(size), leverage=D(leverage))).txs
                ).all_executed
    control.advance(86400)
    if resize:
        # an increase realises the day's holding fees and adds its own opening fee to the realised fees
        p = short_position(v, demo.address, asset)
        assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest(asset, D("8000")), existing=p).txs
                    ).all_executed
        control.advance(86400)
    set_market_hours(conn.rpc_url, "commodities", True)
    control.set_price(asset, move)
    p = short_position(v, demo.address, asset)
    index = int(p.key.split(":")[1])
    price_e10 = int(p.mark_price * 10**10)
    want = _sdk_gtrade(conn, v, demo.address, index, price_e10)
    for name, expected in want.items():
        got = getattr(p, name)
        assert got == pytest.approx(expected, abs=D("0.000002")), (name, got, expected)
    assert p.realized_trading_fees_usd > 0 and p.closing_fee_usd > 0
    # the uPnL is the raw PnL less the pending holding fees, plus what was realised, less the trading fees
    before_fees = p.pnl_usd - p.funding_fee_usd - p.borrowing_fee_usd + p.realized_pnl_usd
    assert p.net_pnl_usd == pytest.approx(before_fees - p.realized_trading_fees_usd, abs=D("0.00001"))
    assert p.net_pnl_usd < before_fees
    assert p.close_value_usd < p.collateral_amount + p.net_pnl_usd
    before = usdc_raw(conn, demo.address)
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest(asset, -p.size_usd, close=True),
                                            existing=p).txs).all_executed
    paid = D(usdc_raw(conn, demo.address) - before) / 10**6
    # what the close paid, to the few seconds of holding fees that accrued between the read and the fill
    assert paid == pytest.approx(p.close_value_usd, abs=D("0.05")), (paid, p.close_value_usd)


def test_gmx_short_value_after_a_day_and_a_price_move(conn, demo) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.abi import decode, encode_call
    from hedgefi.venues.gmx import keys

    v = GmxVenue(conn)
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", D("12000"), leverage=D("3"))).txs
                ).all_executed
    control.advance(86400)
    control.set_price("ETH", "+2%")
    p = short_position(v, demo.address, "ETH")
    # GMX's own formula (PositionUtils / the SDK's getPositionNetValue): a full close pays the position fee
    # (size x positionFeeFactor), pending borrowing and funding; PnL of a short = size - tokens x price
    raw = conn.request("eth_call", [{"to": v.d.data_store, "data": "0x" + encode_call(
        "getUint(bytes32)", ["bytes32"], [keys.position_fee_factor_key(p.market, False)]).hex()}, "latest"])
    fee_factor = D(int(decode(["uint256"], bytes.fromhex(raw[2:]))[0])) / D(10) ** 30
    closing = p.size_usd * fee_factor
    pnl = p.size_usd - p.size_tokens * p.mark_price
    owed_funding = p.funding_fee_usd + p.claimable_funding_usd       # funding_fee_usd is owed - earned
    assert p.closing_fee_usd == pytest.approx(closing, abs=D("0.000001"))
    assert p.pnl_usd == pytest.approx(pnl, abs=D("0.000001")) and p.pnl_usd < 0
    assert p.net_pnl_usd == pytest.approx(pnl - p.borrowing_fee_usd - owed_funding, abs=D("0.00001"))
    want = p.collateral_amount + pnl - closing - p.borrowing_fee_usd - owed_funding   # USDC at $1 on the devnet
    assert p.close_value_usd == pytest.approx(want, abs=D("0.00001"))
    before = usdc_raw(conn, demo.address)
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", -p.size_usd, close=True),
                                            existing=p).txs).all_executed
    paid = D(usdc_raw(conn, demo.address) - before) / 10**6
    assert paid == pytest.approx(p.close_value_usd, abs=D("0.05")), (paid, p.close_value_usd)


@pytest.mark.parametrize("venue_cls", [GtradeVenue, GmxVenue])
def test_planned_liquidation_is_where_the_opened_short_liquidates(conn, demo, venue_cls) -> None:  # type: ignore[no-untyped-def]
    """The distance the hedge policy is checked against (``liquidation_reader``, before opening) is the
    liquidation price the venue gives the short once opened at that leverage."""
    from hedgefi.chain.readplan import read

    v = venue_cls(conn)
    lev = D("4.5")
    [quote] = [q for q in read(conn, v.liquidation_reader({"ETH": [lev]})) if q.asset == "ETH"]
    assert quote.venue == v.name and quote.leverage == lev and D(0) < quote.distance < 1 / lev
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", D("9000"), leverage=lev)).txs
                ).all_executed
    p = short_position(v, demo.address, "ETH")
    assert p.liquidation_price == pytest.approx(quote.liquidation_price, rel=D("0.0001")), (p, quote)


def test_gtrade_preview_fees_floor_the_basis_at_the_pairs_minimum(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GtradeVenue(conn)
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", D("1000"))).txs).all_executed
    p = short_position(v, demo.address, "ETH")
    pair = dict(v.d.pairs)["ETH"]
    rate = D(_read(conn, v.d.diamond, "pairTotalPositionSizeFeeP", pair)) / 10**12
    floor = D(_read(conn, v.d.diamond, "pairMinPositionSizeUsd", pair)) / 10**18
    small = floor / 5                                                  # an increase below the fee basis floor
    plan = v.plan_short(demo.address, ShortRequest("ETH", small), existing=p)
    assert plan.position_fee_usd == pytest.approx(floor * rate, abs=D("0.000001"))
    assert plan.position_fee_usd > small * rate
    assert plan.closing_fee_usd == pytest.approx((p.size_usd + small) * rate, abs=D("0.000001"))
    close = v.plan_short(demo.address, ShortRequest("ETH", -p.size_usd, close=True), existing=p)
    assert close.position_fee_usd == p.closing_fee_usd


def test_gmx_preview_states_the_position_fee_and_the_later_close(conn, demo) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.abi import decode, encode_call
    from hedgefi.venues.gmx import keys

    v = GmxVenue(conn)
    plan = v.plan_short(demo.address, ShortRequest("ETH", D("10000")))
    raw = conn.request("eth_call", [{"to": v.d.data_store, "data": "0x" + encode_call(
        "getUint(bytes32)", ["bytes32"], [keys.position_fee_factor_key(plan.market, False)]).hex()}, "latest"])
    factor = D(int(decode(["uint256"], bytes.fromhex(raw[2:]))[0])) / D(10) ** 30
    assert factor > 0 and plan.position_fee_usd == D(10000) * factor == plan.closing_fee_usd
    before = usdc_raw(conn, demo.address)
    assert send(conn, v, demo, plan.txs).all_executed
    p = short_position(v, demo.address, "ETH")
    # the collateral GMX keeps is what was sent less the fee the preview stated
    assert D(before - usdc_raw(conn, demo.address)) / 10**6 - p.collateral_amount == plan.position_fee_usd
    assert p.closing_fee_usd == plan.closing_fee_usd
