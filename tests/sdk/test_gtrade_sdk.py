"""gTrade on the devnet replica vs Gains Network's own ``@gainsnetwork/sdk`` 1.8.7 (issue #15).

Real signed shorts through the CLI (ETH 4x, BTC 10x, XAU 2x, EUR 50x), answered by the devnet oracles; a
day passes and prices move; ETH is resized; an hour passes. The raw on-chain state (trade, trade info,
``getTradeFeesData``, liquidation params, funding / borrowing params and data, OI, fee group, collateral
price, spread) is read at pinned blocks and handed to the SDK, and the replica's views and
``hedgefi positions --json`` / ``markets --json`` must equal what the SDK computes from it, within one
on-chain unit or 1e-6 relative. Every comparison is recorded first (``DiffReport``), so a failing run
prints the whole table: the largest relative difference per quantity.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from hedgefi.chain.local import wait_receipt
from hedgefi.chain.profiles import get_profile
from hedgefi.chain.rpc import connect
from hedgefi.sim import control
from hedgefi.sim.keeper import set_paused
from hedgefi.testing.devnet import set_market_hours
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gtrade.adapter import GtradeVenue
from hedgefi.venues.gtrade.deployment import deployment_for
from hedgefi.venues.gtrade.events import order_keys_from_receipt
from hedgefi.venues.gtrade.keeper import feed_price_e10
from hedgefi.wallet.signers import resolve_identity
from tests.helpers import DEMO, short_position
from tests.sdk import contexts as cx
from tests.sdk import convert as cv
from tests.sdk.bridge import GtradeSdk, SdkCall
from tests.sdk.chain import DiamondAt, block_timestamp, diamond_logs, latest_block, liq_input, pair_state, trade_state
from tests.sdk.report import DiffReport

SHORTS = (("ETH", "4", "20000"), ("BTC", "10", "20000"), ("XAU", "2", "5000"), ("EUR", "50", "25000"))
DAY_MOVES = {"ETH": "-3%", "BTC": "+2%", "XAU": "-1%", "EUR": "+0.3%"}
HOUR_MOVES = {"ETH": "+0.5%", "BTC": "-0.4%", "XAU": "+0.2%", "EUR": "-0.1%"}
RESIZE = ("ETH", "30000")
PLANNED = (("ETH", "4.5", "10000"), ("ETH", "10", "10000"), ("ETH", "50", "10000"), ("BTC", "150", "10000"),
           ("XAU", "2", "20"))             # the last one's size is below minPositionSizeUsd ($25): the fee floor
E10, E18, E20 = Decimal(10**10), Decimal(10**18), Decimal(10**20)
PRICE_JSON_UNIT = Decimal("0.00000001")      # positions --json prices are quantised to 1e-8
OI_JSON_UNIT = Decimal("0.01")               # markets --json OI in cents
APR_JSON_UNIT = Decimal("0.0000000001")


def _finish(report: DiffReport, capsys: pytest.CaptureFixture[str], title: str) -> None:
    """Print the table (past pytest's capture), then fail with every differing comparison."""
    with capsys.disabled():
        print(f"\n{title}\n{report.table()}\n")
    bad = report.failures()
    assert not bad, f"{len(bad)} of {len(report.rows)} comparisons differ from the SDK:\n" + "\n".join(
        f"  {r.quantity} [{r.case}]: hedgefi/replica {r.got} vs SDK {r.want} (rel {r.rel_diff})" for r in bad)


def _marks(devnet: Any, assets: list[str]) -> dict[str, int]:
    return {a: feed_price_e10(devnet.rpc_url, devnet.manifest.feeds[a]) for a in assets}


def _usd_unit(ps: dict[str, Any]) -> Decimal:
    """One on-chain collateral unit in USD, plus the half-quantum of the CLI's 1e-6 USD rounding."""
    return cx.collateral_price_usd(ps) / Decimal(10 ** cx.decimals(ps)) + Decimal("0.0000005")


def _json_decimal(p: dict[str, Any], key: str) -> Decimal | None:
    return None if p.get(key) is None else Decimal(str(p[key]))


def test_planned_short_liquidation_distance_matches_the_sdk(  # type: ignore[no-untyped-def]
        devnet, gtrade_sdk: GtradeSdk, diff_report: DiffReport, capsys) -> None:
    """A trade not yet opened (``beforeOpened = true``, the pair's liquidation params): what the hedge policy
    must check a planned leverage against (the SDK's distance at 4.5x, not 1/4.5)."""
    url = devnet.rpc_url
    d = deployment_for(devnet.manifest.profile())
    pair_of = dict(d.pairs)
    at = DiamondAt(url, d.diamond, latest_block(url))
    ts_now, marks = at.timestamp, _marks(devnet, sorted({a for a, _, _ in PLANNED}))
    ci = int(at.call("getCollateralIndex", d.usdc))
    calls, cases = [], []
    for asset, lev, size in PLANNED:
        pair, mark = pair_of[asset], marks[asset]
        ps = pair_state(at, ci, pair, mark)
        lev_e3 = int(Decimal(lev) * 1000)
        coll_raw = int(Decimal(size) / Decimal(lev) * 10 ** cx.decimals(ps))
        trade = cx.planned_trade(ps, pair, ci, coll_raw, lev_e3, mark)
        ctx = cx.liquidation_context(ps, None, mark, ts_now, at.block)
        calls.append(SdkCall("getLiquidationPrice", [trade, ctx]))
        raw_input = liq_input({"collateralIndex": ci, "pairIndex": pair, "index": 0, "openPrice": mark, "long": False,
                               "collateralAmount": coll_raw, "leverage": lev_e3, "isCounterTrade": False},
                              DEMO, ps["liq_params"], mark, before_opened=True)
        cases.append((f"{asset} {lev}x ${size}", mark, int(at.call("getTradeLiquidationPrice", raw_input))))
    for (case, mark, replica_e10), sdk_price in zip(cases, gtrade_sdk.batch(calls)):
        sdk_e10 = sdk_price * E10
        diff_report.check("planned liq price e10 (view)", case, replica_e10, sdk_e10)
        diff_report.check("planned liq distance", case, Decimal(replica_e10 - mark) / mark, (sdk_e10 - mark) / mark,
                          unit=Decimal(1) / mark)
    _finish(diff_report, capsys, "planned shorts: gTrade replica vs @gainsnetwork/sdk")


def test_open_shorts_after_a_day_a_move_and_a_resize_match_the_sdk(  # type: ignore[no-untyped-def]
        devnet, cli, gtrade_sdk: GtradeSdk, diff_report: DiffReport, capsys) -> None:
    url = devnet.rpc_url
    d = deployment_for(devnet.manifest.profile())
    pair_of = dict(d.pairs)
    asset_of = {i: a for a, i in d.pairs}
    set_market_hours(url, "commodities", True)
    set_market_hours(url, "forex", True)
    conn, ident, venue = _venue(devnet)
    start = latest_block(url) + 1
    _open_shorts(conn, ident, venue)

    # 1. each open against the state just before its fill: entry price after impact, opening fee, liq price
    opens = [(b, ev) for b, ev in diamond_logs(url, d.diamond, "MarketExecuted", start)
             if ev["open"] and str(ev["t"]["user"]).lower() == DEMO.lower()]
    assert sorted(asset_of[int(ev["t"]["pairIndex"])] for _, ev in opens) == sorted(a for a, _, _ in SHORTS)
    index_of: dict[str, int] = {}
    calls, checks = [], []
    for block, ev in opens:
        t = ev["t"]
        asset, ci, pair, oracle = asset_of[int(t["pairIndex"])], int(t["collateralIndex"]), int(t["pairIndex"]), \
            int(ev["oraclePrice"])
        index_of[asset] = int(t["index"])
        before, after = DiamondAt(url, d.diamond, block - 1), DiamondAt(url, d.diamond, block)
        ps = pair_state(before, ci, pair, oracle)
        ts = trade_state(after, DEMO, int(t["index"]))
        ps_after = pair_state(after, ci, pair, oracle)
        inp, ctx = cx.opening_impact(ps, pair, ci, int(t["collateralAmount"]), int(t["leverage"]), oracle)
        size = cx.trade(ts, ps)["collateralAmount"] * cx.trade(ts, ps)["leverage"]
        calls += [SdkCall("getTradeOpeningPriceImpact", [inp, ctx]),
                  SdkCall("getTotalTradeFeesCollateral", [ci, "", pair, size, False, cx.fee_context(ps)]),
                  SdkCall("getLiquidationPrice", [cx.trade(ts, ps_after), cx.liquidation_context(
                      ps_after, ts, oracle, after.timestamp, block)])]
        checks.append((asset, ts, ps, int(ev["liqPrice"])))
    results = gtrade_sdk.batch(calls)
    for n, (asset, ts, ps, event_liq) in enumerate(checks):
        impact, fee, liq = results[3 * n: 3 * n + 3]
        diff_report.check("open: entry price e10", asset, int(ts["trade"]["openPrice"]),
                          impact["priceAfterImpact"] * E10)
        diff_report.check("open: opening fee (collateral)", asset,
                          int(ts["fees_data"]["realizedTradingFeesCollateral"]), fee * 10 ** cx.decimals(ps))
        diff_report.check("open: liq price e10 (MarketExecuted)", asset, event_liq, liq * E10)

    # 2. a day, price moves, then an increase of the ETH short: the SDK's liq price after the update
    control.advance(86400)
    for asset, move in DAY_MOVES.items():
        control.set_price(asset, move)
    resize_from = latest_block(url) + 1
    existing = short_position(venue, ident.address, RESIZE[0])
    plan = venue.plan_short(ident.address, ShortRequest(RESIZE[0], Decimal(RESIZE[1]) - existing.size_usd),
                            existing=existing)
    ((key, sent_block),) = _sign_and_send(conn, ident, venue, plan.txs)
    assert venue.wait_outcome(key, sent_block, 60).status == "executed"
    (block, ev), = [(b, e) for b, e in diamond_logs(url, d.diamond, "PositionSizeIncreaseExecuted", resize_from)
                    if str(e["orderId"]["user"]).lower() == DEMO.lower()]
    assert int(ev["cancelReason"]) == 0, ev
    v, pair, oracle = ev["values"], int(ev["pairIndex"]), int(ev["oraclePrice"])   # collateralIndex: indexed
    before, after = DiamondAt(url, d.diamond, block - 1), DiamondAt(url, d.diamond, block)
    fill_ts = block_timestamp(url, block)
    ts = trade_state(before, DEMO, index_of[RESIZE[0]])
    ci = int(ts["trade"]["collateralIndex"])
    ps = pair_state(before, ci, pair, oracle)
    dec = cx.decimals(ps)
    delta = cv.collateral_from_raw(v["positionSizeCollateralDelta"], dec)
    opening_fee = gtrade_sdk.call("getTotalTradeFeesCollateral", ci, "", pair, delta, False, cx.fee_context(ps))
    sdk_liq = gtrade_sdk.call(
        "getLiquidationPriceAfterPositionUpdate", cx.trade(ts, ps),
        cv.collateral_from_raw(v["newCollateralAmount"], dec),
        cv.leverage_from_e3(v["newLeverage"]), False, delta, 0,
        cx.liquidation_context(ps, ts, oracle, fill_ts, block, additional_fee=opening_fee,
                               new_open_price_e10=int(v["newOpenPrice"])))
    ts_after = trade_state(after, DEMO, index_of[RESIZE[0]])
    view_after = int(after.call("getTradeLiquidationPrice", liq_input(ts_after["trade"], DEMO, ts_after["liq_params"],
                                                                       oracle)))
    diff_report.check("resize: opening fee (collateral)", RESIZE[0], int(v["openingFeesCollateral"]),
                      opening_fee * 10**dec)
    diff_report.check("resize: liq price e10 (event)", RESIZE[0], int(v["newLiqPrice"]), sdk_liq * E10)
    diff_report.check("resize: liq price e10 (view)", RESIZE[0], view_after, sdk_liq * E10)

    # 3. an hour later, small moves; then everything at one pinned block, the CLI reading the same block
    control.advance(3600)
    for asset, move in HOUR_MOVES.items():
        control.set_price(asset, move)
    head = latest_block(url)
    at = DiamondAt(url, d.diamond, head)
    now = at.timestamp
    marks = _marks(devnet, [a for a, _, _ in SHORTS])
    positions = _gtrade_positions(cli)
    markets = {m["asset"]: m for m in json.loads(cli("markets", "--json").stdout)["markets"] if m["venue"] == "gtrade"}
    assert latest_block(url) == head, "a block was mined while the CLI read: the comparison would mix two states"

    states = []
    first: list[SdkCall] = []
    for asset, _, _ in SHORTS:
        idx, mark = index_of[asset], marks[asset]
        ts = trade_state(at, DEMO, idx)
        ci, pair = int(ts["trade"]["collateralIndex"]), int(ts["trade"]["pairIndex"])
        ps = pair_state(at, ci, pair, mark)
        trade = cx.trade(ts, ps)
        version = int(ts["info"]["contractsVersion"])
        fctx = cx.funding_context(ps, now)
        bctx = cx.borrowing_context(ps, now)
        close_in, close_ctx = cx.closing_impact(ps, ts, mark)
        price = cv.price_from_e10(mark)
        first += [
            SdkCall("getLiquidationPrice", [trade, cx.liquidation_context(ps, ts, mark, now, head)]),
            SdkCall("getTradePendingHoldingFeesCollateral", [trade, cv.sdk_trade_info(ts["info"]),
                                                             cv.sdk_trade_fees_data(ts["fees_data"], cx.decimals(ps)),
                                                             price, cx.holding_context(ps, now, version)]),
            SdkCall("getPairPendingAccFundingFees", [fctx["params"], fctx["data"], price, fctx["pairOi"],
                                                     fctx["netExposureToken"], fctx["netExposureToken"] * price, now]),
            SdkCall("getPairPendingAccBorrowingFeesV2", [bctx["params"], bctx["data"], price, now]),
            SdkCall("getTotalTradeFeesCollateral", [ci, "", pair, trade["collateralAmount"] * trade["leverage"],
                                                    trade["isCounterTrade"], cx.fee_context(ps)]),
            SdkCall("getTradeClosingPriceImpact", [close_in, close_ctx]),
            SdkCall("getPairTotalOisDynamicCollateral", [pair, cx.oi_context(ps, pair, mark)]),
        ]
        states.append((asset, idx, mark, ts, ps, trade))
    r1 = gtrade_sdk.batch(first)
    second: list[SdkCall] = []
    for n, (asset, idx, mark, ts, ps, trade) in enumerate(states):
        acc, close = r1[7 * n + 2], r1[7 * n + 5]
        oi = cv.sdk_pair_oi_token(ps["oi_token"])
        second += [
            SdkCall("getLongShortAprMultiplier", [
                acc["currentFundingRatePerSecondP"], oi["oiLongToken"], oi["oiShortToken"],
                bool(ps["funding_params"]["aprMultiplierEnabled"])]),
            SdkCall("fundingRateToAPR", [acc["currentFundingRatePerSecondP"]]),
            SdkCall("borrowingRateToAPRV2", [cv.rate_cap_from_e10(ps["borrowing_params"]["borrowingRatePerSecondP"])]),
            SdkCall("getComprehensivePnl", [trade, cv.price_from_e10(mark), close["priceAfterImpact"],
                                            cv.sdk_trade_info(ts["info"]), cx.pnl_context(ps, ts, now, head)]),
        ]
    r2 = gtrade_sdk.batch(second)

    for n, (asset, idx, mark, ts, ps, trade) in enumerate(states):
        liq, hold, acc, acc_b, closing_fee, _close, ois = r1[7 * n: 7 * n + 7]
        mult, apr_x100, borrow_apr_pct, pnl = r2[4 * n: 4 * n + 4]
        dec, cp, usd_unit = cx.decimals(ps), cx.collateral_price_usd(ps), _usd_unit(ps)
        scale = Decimal(10**dec)
        t = ts["trade"]
        pos = positions.get(asset)
        assert pos is not None, f"positions --json has no gTrade {asset} short"
        # liquidation price: the replica's view and the CLI
        view = int(at.call("getTradeLiquidationPrice", liq_input(t, DEMO, ts["liq_params"], mark)))
        diff_report.check("liq price e10 (view)", asset, view, liq * E10)
        diff_report.check("liquidation_price (positions)", asset, _json_decimal(pos, "liquidation_price"), liq,
                          PRICE_JSON_UNIT)
        # pending holding fees
        h = at.call("getTradePendingHoldingFeesCollateral", DEMO, idx, mark)
        diff_report.check("funding fee (view, collateral)", asset, int(h["fundingFeeCollateral"]),
                          hold["fundingFeeCollateral"] * scale)
        diff_report.check("borrowing fee (view, collateral)", asset, int(h["borrowingFeeCollateral"]),
                          hold["borrowingFeeCollateral"] * scale)
        diff_report.check("funding_fee_usd (positions)", asset, _json_decimal(pos, "funding_fee_usd"),
                          hold["fundingFeeCollateral"] * cp, usd_unit)
        diff_report.check("borrowing_fee_usd (positions)", asset, _json_decimal(pos, "borrowing_fee_usd"),
                          (hold["borrowingFeeCollateral"] + hold["borrowingFeeCollateral_old"]) * cp, usd_unit)
        # the pair's accumulators and rates (velocity funding)
        pf = ps["pending_funding"]
        diff_report.check("acc funding long e20 (view)", asset, pf["accLong"], acc["accFundingFeeLongP"] * E20)
        diff_report.check("acc funding short e20 (view)", asset, pf["accShort"], acc["accFundingFeeShortP"] * E20)
        diff_report.check("funding rate e18 (view)", asset, pf["rate"], acc["currentFundingRatePerSecondP"] * E18)
        diff_report.check("acc borrowing e20 (view)", asset, ps["pending_borrowing"], acc_b * E20)
        # APRs of a short, as fractions; the SDK's fundingRateToAPR is percent x 100, borrowingRateToAPRV2 percent
        funding_apr = -apr_x100 / 10_000 * mult["shortAprMultiplier"]
        diff_report.check("short_funding_apr (markets)", asset, _json_decimal(markets[asset], "short_funding_apr"),
                          funding_apr, APR_JSON_UNIT)
        diff_report.check("short_borrowing_apr (markets)", asset,
                          _json_decimal(markets[asset], "short_borrowing_apr"), borrow_apr_pct / 100, APR_JSON_UNIT)
        # open interest (dynamic: v10 tokens at the current price), in USD at the collateral price
        diff_report.check("long_oi_usd (markets)", asset, _json_decimal(markets[asset], "long_oi_usd"),
                          ois["long"] * cp, OI_JSON_UNIT)
        diff_report.check("short_oi_usd (markets)", asset, _json_decimal(markets[asset], "short_oi_usd"),
                          ois["short"] * cp, OI_JSON_UNIT)
        # fees and PnL (the money helper's fields)
        diff_report.check("closing_fee_usd (positions)", asset, _json_decimal(pos, "closing_fee_usd"),
                          closing_fee * cp, usd_unit)
        diff_report.check("net_pnl_usd (positions) = uPnL", asset, _json_decimal(pos, "net_pnl_usd"),
                          pnl["uPnlCollateral"] * cp, usd_unit)
        diff_report.check("close_value_usd (positions)", asset, _json_decimal(pos, "close_value_usd"),
                          max(pnl["tradeValue"], Decimal(0)) * cp, usd_unit)
        # the contexts here give the SDK no depth bands (cumulative-volume impact 0); a replica that starts
        # modelling them must be met by a cumulVolContext first (depth bands, OI windows, pair factors)
        diff_report.check("cumul-vol depth USD (must be unmodelled)", asset, ps["depth_bands_usd"] or 0, 0)
        diff_report.check("size_usd (positions)", asset, _json_decimal(pos, "size_usd"),
                          trade["collateralAmount"] * trade["leverage"] * cp, usd_unit)
    _finish(diff_report, capsys, "open shorts: gTrade replica and hedgefi vs @gainsnetwork/sdk")


def _venue(devnet: Any) -> tuple[Any, Any, GtradeVenue]:
    conn = connect(get_profile("devnet"))
    ident = resolve_identity(conn.profile)
    assert ident is not None and ident.address.lower() == DEMO.lower()
    return conn, ident, GtradeVenue(conn)


def _sign_and_send(conn: Any, ident: Any, venue: GtradeVenue, txs: list[Any]) -> list[tuple[str, int]]:
    """Sign each of ``txs`` with the demo key and send it, in order (no fork dry-run: the CLI's own path is
    tested elsewhere; here only the resulting state matters); the market orders created, with their block."""
    signer = ident.signer()
    orders = []
    for tx in txs:
        call = tx.as_call(signer.address)
        raw = signer.sign_transaction({
            "to": tx.to, "data": call["data"], "value": tx.value, "chainId": int(conn.request("eth_chainId", []), 16),
            "nonce": int(conn.request("eth_getTransactionCount", [signer.address, "pending"]), 16),
            "gas": int(conn.request("eth_estimateGas", [call]), 16) * 3 // 2,
            "gasPrice": 2 * int(conn.request("eth_gasPrice", []), 16)})
        receipt = wait_receipt(conn.rpc_url, conn.request("eth_sendRawTransaction", ["0x" + raw.hex()]))
        assert int(receipt["status"], 16) == 1, (tx.description, receipt)
        orders += [(o.key, int(receipt["blockNumber"], 16)) for o in order_keys_from_receipt(receipt, venue.d.diamond)]
    return orders


def _open_shorts(conn: Any, ident: Any, venue: GtradeVenue) -> None:
    """Every short of ``SHORTS`` signed and sent while the oracles wait, then answered in one keeper round
    (each fill in its own block)."""
    set_paused(True)
    try:
        sent = []
        for asset, lev, size in SHORTS:
            plan = venue.plan_short(ident.address, ShortRequest(asset, Decimal(size), leverage=Decimal(lev)))
            sent += _sign_and_send(conn, ident, venue, plan.txs)
    finally:
        set_paused(False)
    assert len(sent) == len(SHORTS)
    for key, block in sent:
        assert venue.wait_outcome(key, block, 60).status == "executed", key


def _gtrade_positions(cli: Any) -> dict[str, dict[str, Any]]:
    """``positions --json``: the demo wallet's gTrade positions by asset (one short per pair here)."""
    r = cli("positions", "--json")
    assert r.code == 0, r.output
    mine = [p for p in json.loads(r.stdout)["positions"] if p["venue"] == "gtrade"]
    assert len({p["asset"] for p in mine}) == len(mine), mine
    return {p["asset"]: p for p in mine}
