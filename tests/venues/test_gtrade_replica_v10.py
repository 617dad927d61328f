"""The gTrade replica computes what v10 computes: per-trade TradeFeesData, the liquidation price, updateLeverage
and velocity funding, each checked against the SDK's formulas written out in tests/gtrade_v10.py, from values
read back from the chain (real signed requests, answered by the devnet's oracle accounts)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from hedgefi.sim import control
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gtrade.adapter import GtradeVenue
from hedgefi.venues.gtrade.constants import codec
from tests.gtrade_v10 import (block_timestamp, call, closing_price, fetch_pair_funding, liquidation_price,
                              opening_price, project_funding, trade_fee_raw)
from tests.helpers import send, short_position, usdc_raw

LEVERAGE_UPDATE_INITIATED = "LeverageUpdateInitiated"
LEVERAGE_UPDATE_EXECUTED = "LeverageUpdateExecuted"


def _trade(conn: Any, v: GtradeVenue, user: str, asset: str) -> dict[str, Any]:
    pair = dict(v.d.pairs)[asset]
    return next(t for t in call(conn, v.d.diamond, "getTrades", user) if int(t["pairIndex"]) == pair)


def _fees(conn: Any, v: GtradeVenue, user: str, index: int) -> dict[str, int]:
    return {k: int(x) for k, x in call(conn, v.d.diamond, "getTradeFeesData", user, index).items()}


def _pair_fee_inputs(conn: Any, v: GtradeVenue, t: dict[str, Any]) -> tuple[int, int, int, int]:
    """(totalPositionSizeFeeP, pairMinPositionSizeUsd, collateral price 1e8, precisionDelta) for trade ``t``."""
    dia, pair, ci = v.d.diamond, int(t["pairIndex"]), int(t["collateralIndex"])
    fee_p = int(call(conn, dia, "fees", int(call(conn, dia, "pairs", pair)["feeIndex"]))["totalPositionSizeFeeP"])
    return (fee_p, int(call(conn, dia, "pairMinPositionSizeUsd", pair)), int(call(conn, dia, "getCollateralPriceUsd", ci)),
            int(call(conn, dia, "getCollateral", ci)["precisionDelta"]))


def _send_raw(conn: Any, sender: str, to: str, data: bytes) -> dict[str, Any]:
    tx = conn.request("eth_sendTransaction", [{"from": sender, "to": to, "data": "0x" + data.hex(),
                                               "gas": hex(3_000_000)}])
    for _ in range(200):
        receipt = conn.request("eth_getTransactionReceipt", [tx])
        if receipt:
            assert int(receipt["status"], 16) == 1, receipt
            return dict(receipt)
        time.sleep(0.05)
    raise AssertionError("no receipt")


def _decode_events(logs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    c = codec()
    topic = "0x" + c.event_topic(name).hex()
    return [c.decode_event_data(name, bytes.fromhex(log["data"][2:])) for log in logs
            if log["topics"] and log["topics"][0] == topic]


def _wait_order_closed(conn: Any, v: GtradeVenue, user: str, order_index: int, from_block: int) -> list[dict[str, Any]]:
    """Waits for the devnet keeper to answer the pending order; returns the diamond's logs since ``from_block``."""
    for _ in range(400):
        if not call(conn, v.d.diamond, "getPendingOrder", (user, order_index))["isOpen"]:
            return list(conn.request("eth_getLogs", [{"address": v.d.diamond, "fromBlock": hex(from_block),
                                                      "toBlock": "latest"}]))
        time.sleep(0.05)
    raise AssertionError("the keeper did not answer")


def _liq_fees(conn: Any, v: GtradeVenue, user: str, t: dict[str, Any], price_e10: int) -> Decimal:
    """Closing fee + pending holding fees - realised PnL + realised trading fees (collateral units)."""
    index = int(t["index"])
    fee_p, min_usd, coll_price, pd = _pair_fee_inputs(conn, v, t)
    size = int(t["collateralAmount"]) * int(t["leverage"]) // 1000
    closing = trade_fee_raw(size, fee_p, min_usd, coll_price, pd)
    hold = call(conn, v.d.diamond, "getTradePendingHoldingFeesCollateral", user, index, price_e10)
    f = _fees(conn, v, user, index)
    return closing + int(hold["totalFeeCollateral"]) - (f["realizedPnlCollateral"] - f["realizedTradingFeesCollateral"])


def _liq_expected(conn: Any, v: GtradeVenue, user: str, t: dict[str, Any], price_e10: int) -> Decimal:
    """SDK getLiquidationPrice for an open trade, every input read from the chain."""
    dia, index = v.d.diamond, int(t["index"])
    fees = _liq_fees(conn, v, user, t, price_e10)
    params = call(conn, dia, "getTradeLiquidationParams", user, index)
    spread = int(call(conn, dia, "pairs", int(t["pairIndex"]))["spreadP"])
    return liquidation_price(int(t["openPrice"]), bool(t["long"]), int(t["collateralAmount"]), int(t["leverage"]),
                             fees, params, spread)


def test_open_realises_the_floored_opening_fee_and_the_50x_liquidation_follows_the_sdk(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GtradeVenue(conn)
    v.fetch_verify()
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("20000"),
                                                                       leverage=Decimal("50"))).txs).all_executed
    t = _trade(conn, v, demo.address, "ETH")
    f = _fees(conn, v, demo.address, int(t["index"]))
    fee_p, min_usd, coll_price, pd = _pair_fee_inputs(conn, v, t)
    size = int(t["collateralAmount"]) * int(t["leverage"]) // 1000
    assert abs(f["realizedTradingFeesCollateral"] - trade_fee_raw(size, fee_p, min_usd, coll_price, pd)) <= 1
    assert f["realizedPnlCollateral"] == 0
    (pair_data,) = call(conn, v.d.diamond, "getPairFundingFeeData", [int(t["collateralIndex"])], [int(t["pairIndex"])])
    assert f["initialAccFundingFeeP"] == int(pair_data["accFundingFeeShortP"])      # stored at the fill
    assert call(conn, v.d.diamond, "getTradeLiquidationParams", demo.address, int(t["index"])) \
        == call(conn, v.d.diamond, "getPairLiquidationParams", int(t["pairIndex"]))
    control.advance(3600)
    p = short_position(v, demo.address, "ETH")
    price = int(p.mark_price * 10**10)
    expected = _liq_expected(conn, v, demo.address, t, price)
    assert p.liquidation_price * 10**10 == pytest.approx(expected, rel=Decimal("1e-9"))
    # the leverage-interpolated threshold (-72.2% at 50x with the crypto params), not a flat -90%
    flat = dict.fromkeys(("maxLiqSpreadP", "startLiqThresholdP", "endLiqThresholdP", "startLeverage", "endLeverage"), 0)
    distance = (p.liquidation_price - p.entry_price) / p.entry_price
    flat_price = liquidation_price(int(t["openPrice"]), False, int(t["collateralAmount"]), int(t["leverage"]),
                                   _liq_fees(conn, v, demo.address, t, price), flat, 0)
    flat_distance = (flat_price - int(t["openPrice"])) / int(t["openPrice"])
    assert Decimal("0.012") < distance < flat_distance - Decimal("0.003"), (distance, flat_distance)


def test_a_position_below_the_minimum_size_pays_the_fee_on_the_minimum(conn, demo) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.venues.gtrade.orders import approval_tx, open_trade_tx, trade_tuple

    v = GtradeVenue(conn)
    dia = v.d.diamond
    pair = dict(v.d.pairs)["ETH"]
    ci = int(call(conn, dia, "getCollateralIndex", conn.profile.contracts["USDC"]))
    collateral = 6 * 10**6                                           # $12 at 2x, under the pair's minimum size
    approve = approval_tx(conn.profile.contracts["USDC"], dia, collateral, "USDC")
    _send_raw(conn, demo.address, approve.to, approve.data)
    from hedgefi.venues.gtrade.keeper import feed_price_e10, feeds_of

    price = feed_price_e10(conn.rpc_url, feeds_of(conn.profile)["ETH"])
    trade = trade_tuple(demo.address, pair, 2000, ci, collateral, price, long=False)
    tx = open_trade_tx(dia, trade, 2000, "tiny short")
    pending_index = int(call(conn, dia, "getCounters", demo.address, 1)["currentIndex"])
    receipt = _send_raw(conn, demo.address, tx.to, tx.data)
    _wait_order_closed(conn, v, demo.address, pending_index, int(receipt["blockNumber"], 16))
    t = _trade(conn, v, demo.address, "ETH")
    fee_p, min_usd, coll_price, pd = _pair_fee_inputs(conn, v, t)
    size = int(t["collateralAmount"]) * int(t["leverage"]) // 1000
    floored = trade_fee_raw(size, fee_p, min_usd, coll_price, pd)
    assert floored > Decimal(size) * fee_p / 10**12                  # the floor binds here
    assert abs(_fees(conn, v, demo.address, int(t["index"]))["realizedTradingFeesCollateral"] - floored) <= 1


def _holding(t: dict[str, Any], fees: dict[str, int], acc_funding_short: int, acc_borrowing: int) -> Decimal:
    """Holding fees of a short between its initial accumulators and the given ones (collateral units)."""
    size = Decimal(int(t["collateralAmount"]) * int(t["leverage"]) // 1000)
    funding = size * (acc_funding_short - fees["initialAccFundingFeeP"]) / int(t["openPrice"]) / 10**12
    borrowing = size * (acc_borrowing - fees["initialAccBorrowingFeeP"]) / int(t["openPrice"]) / 10**12
    return funding + borrowing


def _realize(f: dict[str, int], held: Decimal) -> tuple[Decimal, Decimal]:
    """(realised trading fees, realised PnL) after realising holding fees ``held`` on a well-collateralised trade."""
    if held > 0:
        return f["realizedTradingFeesCollateral"] + held, Decimal(f["realizedPnlCollateral"])
    return Decimal(f["realizedTradingFeesCollateral"]), f["realizedPnlCollateral"] - held


def _pair_accs(conn: Any, v: GtradeVenue, t: dict[str, Any]) -> tuple[int, int]:
    ci, pair = [int(t["collateralIndex"])], [int(t["pairIndex"])]
    (fd,) = call(conn, v.d.diamond, "getPairFundingFeeData", ci, pair)
    (bd,) = call(conn, v.d.diamond, "getPairBorrowingFeeData", ci, pair)
    return int(fd["accFundingFeeShortP"]), int(bd["accBorrowingFeeP"])


def test_holding_fees_are_realised_at_an_increase_and_scaled_down_at_a_decrease(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GtradeVenue(conn)
    v.fetch_verify()
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("XAU", Decimal("20000"),
                                                                       leverage=Decimal("4"))).txs).all_executed
    control.advance(86400)
    t0 = _trade(conn, v, demo.address, "XAU")
    index = int(t0["index"])
    f0 = _fees(conn, v, demo.address, index)
    p = short_position(v, demo.address, "XAU")
    start = int(conn.request("eth_blockNumber", []), 16) + 1
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("XAU", Decimal("10000")), existing=p).txs).all_executed
    t1, f1 = _trade(conn, v, demo.address, "XAU"), _fees(conn, v, demo.address, index)
    logs = conn.request("eth_getLogs", [{"address": v.d.diamond, "fromBlock": hex(start), "toBlock": "latest"}])
    (inc,) = _decode_events(list(logs), "PositionSizeIncreaseExecuted")
    # the PnL-weighted open price of IncreasePositionSizeUtils: (size + PnL for a short, reversed) x open and the
    # added size x fill, over their sum
    fill = int(inc["values"]["priceImpact"]["priceAfterImpact"])
    size0 = int(t0["collateralAmount"]) * int(t0["leverage"]) // 1000
    pnl0 = Decimal(int(t0["collateralAmount"])) * (int(t0["openPrice"]) - fill) / int(t0["openPrice"]) \
        * int(t0["leverage"]) / 1000
    added = Decimal(int(inc["values"]["positionSizeCollateralDelta"]))
    weight = size0 - pnl0
    assert int(t1["openPrice"]) == pytest.approx((weight * int(t0["openPrice"]) + added * fill) / (weight + added), abs=2)
    acc_f, acc_b = _pair_accs(conn, v, t1)                            # stored by the increase's fill
    assert (f1["initialAccFundingFeeP"], f1["initialAccBorrowingFeeP"]) == (acc_f, acc_b)
    held = _holding(t0, f0, acc_f, acc_b)
    fee_p, min_usd, coll_price, pd = _pair_fee_inputs(conn, v, t1)
    delta = int(t1["collateralAmount"]) * int(t1["leverage"]) // 1000 - \
        int(t0["collateralAmount"]) * int(t0["leverage"]) // 1000
    opening = trade_fee_raw(delta, fee_p, min_usd, coll_price, pd)
    # v10: a positive holding fee is taken as a trading fee (collateral is available), a net credit (funding
    # earned above the borrowing fee) is realised as PnL; then the increase's opening fee
    fees_after, pnl_after = _realize(f0, held)
    assert abs(f1["realizedTradingFeesCollateral"] - (fees_after + opening)) <= 3
    assert abs(f1["realizedPnlCollateral"] - pnl_after) <= 2
    control.advance(3600)
    p = short_position(v, demo.address, "XAU")
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("XAU", -p.size_usd / 2,
                                                                       max_slippage=Decimal("0.01")),
                                            existing=p).txs).all_executed
    t2, f2 = _trade(conn, v, demo.address, "XAU"), _fees(conn, v, demo.address, index)
    acc_f2, acc_b2 = _pair_accs(conn, v, t2)
    held2 = _holding(t1, f1, acc_f2, acc_b2)
    existing = int(t1["collateralAmount"]) * int(t1["leverage"]) // 1000
    removed = (int(t1["collateralAmount"]) - int(t2["collateralAmount"])) * int(t1["leverage"]) // 1000
    fees_before, pnl_before = _realize(f1, held2)
    # DecreasePositionSizeUtils: a collateral decrease scales the realised values by what remains
    assert abs(f2["realizedTradingFeesCollateral"] - fees_before * (existing - removed) / existing) <= 3
    assert abs(f2["realizedPnlCollateral"] - pnl_before * (existing - removed) / existing) <= 3
    assert (f2["initialAccFundingFeeP"], f2["initialAccBorrowingFeeP"]) == (acc_f2, acc_b2)
    price = int(short_position(v, demo.address, "XAU").mark_price * 10**10)
    assert short_position(v, demo.address, "XAU").liquidation_price * 10**10 == pytest.approx(
        _liq_expected(conn, v, demo.address, t2, price), rel=Decimal("1e-9"))


def test_update_leverage_keeps_the_size_and_moves_the_collateral(conn, demo) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.venues.gtrade.orders import approval_tx

    v = GtradeVenue(conn)
    v.fetch_verify()
    dia = v.d.diamond
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("10000"),
                                                                       leverage=Decimal("5"))).txs).all_executed
    t0 = _trade(conn, v, demo.address, "ETH")
    index = int(t0["index"])
    for new_leverage in (10_000, 4_000):
        before = usdc_raw(conn, demo.address)
        t = _trade(conn, v, demo.address, "ETH")
        new_collateral = int(t["collateralAmount"]) * int(t["leverage"]) // new_leverage
        if new_collateral > int(t["collateralAmount"]):
            approve = approval_tx(conn.profile.contracts["USDC"], dia, new_collateral - int(t["collateralAmount"]), "USDC")
            _send_raw(conn, demo.address, approve.to, approve.data)
        pending_index = int(call(conn, dia, "getCounters", demo.address, 1)["currentIndex"])
        receipt = _send_raw(conn, demo.address, dia, codec().encode("updateLeverage", index, new_leverage))
        (init,) = _decode_events(receipt["logs"], LEVERAGE_UPDATE_INITIATED)
        assert init["isIncrease"] == (new_leverage > int(t["leverage"])) and init["newLeverage"] == new_leverage
        logs = _wait_order_closed(conn, v, demo.address, pending_index, int(receipt["blockNumber"], 16))
        (done,) = _decode_events(logs, LEVERAGE_UPDATE_EXECUTED)
        assert done["cancelReason"] == 0
        after = _trade(conn, v, demo.address, "ETH")
        assert int(after["leverage"]) == new_leverage and int(after["collateralAmount"]) == new_collateral
        assert int(after["positionSizeToken"]) == int(t0["positionSizeToken"])       # the position is unchanged
        # leverage up: the freed collateral comes back; leverage down: the extra collateral is pulled
        assert usdc_raw(conn, demo.address) - before == int(t["collateralAmount"]) - new_collateral
        assert int(done["collateralDelta"]) == abs(int(t["collateralAmount"]) - new_collateral)
        values = done["values"]
        assert (int(values["newLeverage"]), int(values["newCollateralAmount"])) == (new_leverage, new_collateral)
        # a short's liquidation price comes closer (lower) with more leverage, and moves away with less
        assert (int(values["newLiqPrice"]) < int(values["existingLiqPrice"])) == (new_leverage > int(t["leverage"]))


def test_velocity_funding_projection_follows_the_sdk_model_through_a_sign_change(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GtradeVenue(conn)
    v.fetch_verify()
    dia = v.d.diamond
    ci = int(call(conn, dia, "getCollateralIndex", conn.profile.contracts["USDC"]))
    pair = dict(v.d.pairs)["ETH"]
    coll_price = int(call(conn, dia, "getCollateralPriceUsd", ci))
    f = fetch_pair_funding(conn, dia, ci, pair)
    assert f.skew_coefficient_per_year > 0 and f.velocity_cap > 0 and f.rate_cap > 0 and f.theta_usd > 0
    assert f.last_rate > 0 and f.oi_long_token > f.oi_short_token and f.apr_multiplier
    # a large short flips the skew: the rate starts falling towards (and through) zero
    assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("300000"),
                                                                       leverage=Decimal("10"))).txs).all_executed
    f = fetch_pair_funding(conn, dia, ci, pair)
    assert f.oi_short_token > f.oi_long_token
    price = int(short_position(v, demo.address, "ETH").mark_price * 10**10)
    for days in (0.25, 3):
        control.advance(int(days * 86400))
        now = block_timestamp(conn)
        acc_l, acc_s, rate = project_funding(f, price, now, coll_price)
        got = call(conn, dia, "getPairPendingAccFundingFees", ci, pair, price)
        assert int(got[2]) == pytest.approx(rate, rel=Decimal("1e-9"), abs=2)
        assert int(got[0]) == pytest.approx(acc_l, rel=Decimal("1e-9"), abs=10**4)
        assert int(got[1]) == pytest.approx(acc_s, rel=Decimal("1e-9"), abs=10**4)
    assert rate < 0 < f.last_rate                                    # the 3-day projection crossed zero


def _market_executed(conn: Any, v: GtradeVenue, from_block: int) -> list[dict[str, Any]]:
    logs = conn.request("eth_getLogs", [{"address": v.d.diamond, "fromBlock": hex(from_block), "toBlock": "latest"}])
    return _decode_events(list(logs), "MarketExecuted")


def test_open_and_close_fill_with_the_skew_price_impact(conn, demo) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.venues.gtrade.keeper import feed_price_e10, feeds_of

    v = GtradeVenue(conn)
    v.fetch_verify()
    dia = v.d.diamond
    ci = int(call(conn, dia, "getCollateralIndex", conn.profile.contracts["USDC"]))
    pair = dict(v.d.pairs)["BTC"]
    spread = int(call(conn, dia, "pairs", pair)["spreadP"])
    depth = int(call(conn, dia, "getPairSkewDepth", ci, pair))
    pd = int(call(conn, dia, "getCollateral", ci)["precisionDelta"])
    assert depth > 0
    for step in ("open", "close"):
        oi = call(conn, dia, "getPairOiAfterV10Token", ci, pair)
        start = int(conn.request("eth_blockNumber", []), 16) + 1
        if step == "open":
            r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("BTC", Decimal("50000"))).txs)
        else:
            p = short_position(v, demo.address, "BTC")
            t = _trade(conn, v, demo.address, "BTC")
            r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("BTC", -p.size_usd, close=True),
                                                 existing=p).txs)
        assert r.all_executed
        (ev,) = _market_executed(conn, v, start)                      # the only trader filled here
        oracle = int(ev["oraclePrice"])
        assert oracle == feed_price_e10(conn.rpc_url, feeds_of(conn.profile)["BTC"])
        impact = ev["priceImpact"]
        if step == "open":
            size = int(ev["t"]["collateralAmount"]) * int(ev["t"]["leverage"]) // 1000
            expected, tokens = opening_price(oracle, spread, size, pd, int(oi["oiLongToken"]), int(oi["oiShortToken"]),
                                             depth, long=False)
            assert abs(int(ev["t"]["positionSizeToken"]) - tokens) <= 1
        else:
            expected = closing_price(oracle, spread, int(t["positionSizeToken"]), int(oi["oiLongToken"]),
                                     int(oi["oiShortToken"]), depth, long=False)
        # the impact percent is kept in 1e10 %: the fill is exact to price x 1e-12
        assert int(impact["priceAfterImpact"]) == pytest.approx(expected, rel=Decimal("2e-12")), step
        assert int(impact["skewPriceImpactP"]) != 0 and int(impact["cumulVolPriceImpactP"]) == 0
        assert int(impact["totalPriceImpactP"]) == int(impact["fixedSpreadP"]) + int(impact["skewPriceImpactP"])
    # the view the SDK reads: the base impact of the book's skew (size 0), in 1e10 percent
    oi = call(conn, dia, "getPairOiAfterV10Token", ci, pair)
    base = Decimal(int(oi["oiLongToken"]) - int(oi["oiShortToken"])) / depth / 2 * 10**10
    assert int(call(conn, dia, "getTradeSkewPriceImpactP", ci, pair, False, 0, True)) == pytest.approx(base, abs=1)
