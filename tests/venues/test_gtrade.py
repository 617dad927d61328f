"""gTrade v10 on the devnet replica, end to end: real signed requests, answered by the oracle accounts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from eth_utils import keccak

from hedgefi.sim import control
from hedgefi.chain.local import rpc_request
from hedgefi.sim.keeper import set_paused
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gtrade.adapter import GtradeVenue
from hedgefi.venues.gtrade.constants import CHAINLINK_REQUESTED_TOPIC, codec
from hedgefi.testing.devnet import set_market_hours
from tests.helpers import send, short_position, usdc_raw

ORACLES = {"0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc", "0x976ea74026e726554db657fa54763abd0c3a0aa9",
           "0x14dc79964da2c08b23698b3d3cc7ca32193d9955"}   # anvil #5, #6, #7


def _call(conn, to: str, data: bytes, sender: str | None = None) -> bytes:  # type: ignore[no-untyped-def]
    tx = {"to": to, "data": "0x" + data.hex(), **({"from": sender} if sender else {})}
    return bytes.fromhex(conn.request("eth_call", [tx, "latest"])[2:])


def test_short_lifecycle_eth_open_increase_decrease_close(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GtradeVenue(conn)
    v.fetch_verify()
    from tests.gtrade_v10 import call, opening_price

    usdc_before = usdc_raw(conn, demo.address)
    pair = dict(v.d.pairs)["ETH"]
    ci = int(call(conn, v.d.diamond, "getCollateralIndex", conn.profile.contracts["USDC"]))
    oi = call(conn, v.d.diamond, "getPairOiAfterV10Token", ci, pair)
    depth = int(call(conn, v.d.diamond, "getPairSkewDepth", ci, pair))
    precision_delta = int(call(conn, v.d.diamond, "getCollateral", ci)["precisionDelta"])
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("20000"), leverage=Decimal("4")))
    r = send(conn, v, demo, plan.txs)
    assert [o.status for o in r.orders] == ["executed"], r.orders
    p = short_position(v, demo.address, "ETH")
    # v10: size = collateral x leverage exactly; the 0.06% opening fee is realised against the trade
    assert p.size_usd == Decimal("20000") and p.collateral_amount == Decimal("5000")
    assert usdc_before - usdc_raw(conn, demo.address) == 5000 * 10**6
    # half of the 0.04% spread, and the skew impact of a short into a long-heavy book (SDK opening impact)
    entry, _ = opening_price(3000 * 10**10, 4 * 10**8, 20000 * 10**6, precision_delta, int(oi["oiLongToken"]),
                             int(oi["oiShortToken"]), depth, long=False)
    assert depth > 0 and p.entry_price * 10**10 == pytest.approx(entry, rel=Decimal("2e-12"))   # 1e10 % impact units
    assert p.entry_price > Decimal("3000") * (1 - Decimal("0.0002"))
    # v10 (SDK getLiquidationPrice): -90% below the crypto group's 10x start leverage, less the realised $12
    # opening fee and the $12 closing fee (holding fees ~0 here), less the 0.02% liquidation spread
    distance = (Decimal("0.9") - Decimal(24) / 5000) / 4 - Decimal("0.0002")
    assert p.liquidation_price == pytest.approx(p.entry_price * (1 + distance), rel=Decimal("0.00001"))
    r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("10000")), existing=p).txs)
    assert r.all_executed
    p = short_position(v, demo.address, "ETH")
    # the new leverage is stored to 0.001x (uint24, 1e3), so a resized trade's size is exact to ~0.01%
    assert p.size_usd == pytest.approx(Decimal("30000"), rel=Decimal("0.0001"))
    # decrease by half: one delta (collateral), with the closing slippage set in the same multicall
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("-15000"), max_slippage=Decimal("0.007")),
                        existing=p)
    assert plan.txs[0].data[:4] == bytes.fromhex("ac9650d8")
    r = send(conn, v, demo, plan.txs)
    assert r.all_executed
    p = short_position(v, demo.address, "ETH")
    assert p.size_usd == pytest.approx(Decimal("15000"), rel=Decimal("0.001"))
    info = codec().decode_output("getTradeInfo", _call(conn, v.d.diamond, codec().encode(
        "getTradeInfo", demo.address, int(p.key.split(":")[1]))))
    assert info["maxSlippageP"] == 700 and info["contractsVersion"] == 2            # 0.7% = 700 (percent x 1e3)
    r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", -p.size_usd, close=True),
                                         existing=p).txs)
    assert r.all_executed and short_position(v, demo.address, "ETH") is None
    # all collateral is back, less 0.06% fees on 30k opened and 30k closed and the half-spreads
    lost = Decimal(usdc_before - usdc_raw(conn, demo.address)) / 10**6
    assert Decimal("30") < lost < Decimal("60"), lost


def test_funding_and_borrowing_accrue_per_second_at_the_quoted_apr(conn, demo) -> None:  # type: ignore[no-untyped-def]
    from tests.gtrade_v10 import block_timestamp, call, fetch_pair_funding, project_funding

    v = GtradeVenue(conn)
    for asset in ("ETH", "BTC"):
        assert send(conn, v, demo, v.plan_short(demo.address, ShortRequest(asset, Decimal("20000"))).txs).all_executed
    quotes = {q.asset: q for q in v.fetch_markets()}
    control.advance(86400)
    dia = v.d.diamond
    trades = {int(t["pairIndex"]): t for t in call(conn, dia, "getTrades", demo.address)}
    for asset in ("ETH", "BTC"):
        p, q = short_position(v, demo.address, asset), quotes[asset]
        assert p.borrowing_fee_usd == pytest.approx(p.size_usd * q.short_borrowing_apr / 365, rel=Decimal("0.01"))
        # velocity funding: the day's accrual follows the rate as it moves with the skew (SDK model)
        t = trades[dict(v.d.pairs)[asset]]
        f = fetch_pair_funding(conn, dia, int(t["collateralIndex"]), int(t["pairIndex"]))
        _, acc_short, rate = project_funding(f, int(p.mark_price * 10**10), block_timestamp(conn))
        initial = int(call(conn, dia, "getTradeFeesData", demo.address, int(t["index"]))["initialAccFundingFeeP"])
        size_raw = int(t["collateralAmount"]) * int(t["leverage"]) // 1000
        expected_usdc = Decimal(size_raw) * (acc_short - initial) / int(t["openPrice"]) / 10**10 / 100 / 10**6
        coll_price = Decimal(call(conn, dia, "getCollateralPriceUsd", int(t["collateralIndex"]))) / 10**8
        assert p.funding_fee_usd == pytest.approx(expected_usdc * coll_price, rel=Decimal("1e-6"), abs=Decimal("2e-6"))
        assert rate != f.last_rate                              # the rate moved over the day
    assert quotes["ETH"].short_funding_apr < 0 < quotes["BTC"].short_funding_apr  # ETH: longs pay; BTC: shorts pay


def test_request_ids_oracles_and_units_match_the_reference(conn, demo, keeper_paused) -> None:  # type: ignore[no-untyped-def]
    v = GtradeVenue(conn)
    c = codec()
    count_before = c.decode_output("getRequestCount", _call(conn, v.d.diamond, c.encode("getRequestCount")))
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("6000"), leverage=Decimal("5"),
                                                   max_slippage=Decimal("0.005")))
    r = send(conn, v, demo, plan.txs, wait_s=0.3)
    assert [o.status for o in r.orders] == ["pending"]
    user, index = r.orders[0].key.split(":")
    po = c.decode_output("getPendingOrder", _call(conn, v.d.diamond, c.encode("getPendingOrder", (user, int(index)))))
    assert po["isOpen"] and po["orderType"] == 0 and po["maxSlippageP"] == 500          # 0.5% -> 500
    assert po["trade"]["leverage"] == 5000 and not po["trade"]["long"]                  # 5x -> 5000
    assert po["trade"]["collateralIndex"] == 2                                          # USDC is index 2 here
    assert po["trade"]["openPrice"] == 3000 * 10**10                                    # 1e10 prices
    receipt = conn.request("eth_getTransactionReceipt", [r.tx_hashes[-1]])
    ids = [log["topics"][1] for log in receipt["logs"] if log["topics"][0] == CHAINLINK_REQUESTED_TOPIC]
    diamond = bytes.fromhex(v.d.diamond[2:])
    assert ids == ["0x" + keccak(diamond + (count_before + k).to_bytes(32, "big")).hex() for k in range(3)]
    oracles = {c.decode_output("getPendingRequest", _call(conn, v.d.diamond, c.encode(
        "getPendingRequest", bytes.fromhex(i[2:])))).lower() for i in ids}
    assert oracles == ORACLES
    from hedgefi.core.errors import HedgefiError

    with pytest.raises(HedgefiError) as err:       # only the request's own oracle may answer
        conn.request("eth_call", [{"from": demo.address, "to": v.d.diamond, "data": "0x" + c.encode(
            "fulfill", bytes.fromhex(ids[0][2:]), 3000 * 10**10).hex()}, "latest"])
    decoded = v.errors.decode(getattr(err.value, "data", None) or _revert_data(conn, demo.address, v.d.diamond, c.encode(
        "fulfill", bytes.fromhex(ids[0][2:]), 3000 * 10**10)))
    assert decoded.name == "SourceNotOracleOfRequest"
    set_paused(False)
    assert v.wait_outcome(r.orders[0].key, int(receipt["blockNumber"], 16), 10).status == "executed"


def _revert_data(conn, sender: str, to: str, data: bytes) -> bytes:  # type: ignore[no-untyped-def]
    import httpx

    body = httpx.post(conn.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [
        {"from": sender, "to": to, "data": "0x" + data.hex()}, "latest"]}).json()
    return bytes.fromhex(body["error"]["data"][2:])


def test_slippage_cancel_is_reported_with_its_reason_and_refunds(conn, demo, keeper_paused) -> None:  # type: ignore[no-untyped-def]
    set_market_hours(conn.rpc_url, "commodities", True)
    v = GtradeVenue(conn)
    usdc_before = usdc_raw(conn, demo.address)
    plan = v.plan_short(demo.address, ShortRequest("XAU", Decimal("5000"), max_slippage=Decimal("0.005")))
    r = send(conn, v, demo, plan.txs, wait_s=0.3)
    assert [o.status for o in r.orders] == ["pending"]
    control.set_price("XAU", "-2%")       # a short's open fills below expected - 0.5%: SLIPPAGE
    set_paused(False)
    receipt = conn.request("eth_getTransactionReceipt", [r.tx_hashes[-1]])
    out = v.wait_outcome(r.orders[0].key, int(receipt["blockNumber"], 16), 10)
    assert out.status == "cancelled" and "slippage" in out.reason and out.error_name == "CancelReason.3"
    assert usdc_raw(conn, demo.address) == usdc_before and short_position(v, demo.address, "XAU") is None


def test_xau_lifecycle_through_the_cli(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    set_market_hours(devnet.rpc_url, "commodities", True)
    r = cli("short", "open", "XAU", "--size-usd", "5000", "--venue", "gtrade", "--broadcast", "--yes")
    assert r.code == 0, r.output
    pos = json.loads(cli("positions", "--json").stdout)["positions"]
    xau = [p for p in pos if p["asset"] == "XAU" and p["venue"] == "gtrade"]
    assert len(xau) == 1 and xau[0]["side"] == "short"
    assert abs(Decimal(xau[0]["size_usd"]) - 5000) < Decimal("0.01")
    r = cli("short", "resize", "XAU", "--to-usd", "2000", "--broadcast", "--yes")      # --venue auto: the holder
    assert r.code == 0, r.output
    pos = json.loads(cli("positions", "--json").stdout)["positions"]
    assert abs(Decimal(next(p for p in pos if p["asset"] == "XAU")["size_usd"]) - 2000) < Decimal("1")
    r = cli("short", "close", "XAU", "--broadcast", "--yes", "--json")
    assert r.code == 0 and json.loads(r.stdout)["result"]["positions_after"] == []


def test_closed_market_is_refused_then_forced_times_out_and_is_recovered(devnet, cli, conn, demo) -> None:  # type: ignore[no-untyped-def]
    set_market_hours(devnet.rpc_url, "stocks", False)
    nonce = conn.request("eth_getTransactionCount", [demo.address, "latest"])
    r = cli("short", "open", "NVDA", "--size-usd", "1000", "--venue", "gtrade", "--broadcast", "--yes")
    assert r.code == 1 and "NVDA/USD is closed" in r.stderr and "--force" in r.stderr
    assert conn.request("eth_getTransactionCount", [demo.address, "latest"]) == nonce
    r = cli("short", "open", "NVDA", "--size-usd", "1000")                              # auto: nothing open
    assert r.code == 1 and "closed" in r.stderr
    usdc_before = usdc_raw(conn, demo.address)
    start = int(conn.request("eth_blockNumber", []), 16)
    r = cli("short", "open", "NVDA", "--size-usd", "1000", "--venue", "gtrade", "--force", "--broadcast", "--yes",
            "--json")
    assert r.code == 6, r.output                                                        # sent, pending
    key = json.loads(r.stdout)["result"]["orders"][0]["key"]
    assert usdc_raw(conn, demo.address) < usdc_before                                       # collateral pulled
    r = cli("orders", "--cancel", key, "--broadcast", "--yes")
    assert r.code == 1 and "only after its timeout" in r.stderr
    rpc_request(devnet.rpc_url, "anvil_mine", [hex(100)])
    r = cli("orders", "--cancel", key, "--broadcast", "--yes")
    assert r.code == 0, r.output
    assert usdc_raw(conn, demo.address) == usdc_before                                      # all of it came back
    assert json.loads(cli("orders", "--json").stdout)["pending_orders"] == []
    v = GtradeVenue(conn)
    assert v.wait_outcome(key, start, 0).reason.startswith("no oracle answer in time")


def test_venue_auto_chooses_by_cost_and_falls_back_on_liquidity(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("short", "open", "ETH", "--size-usd", "1000", "--json")
    assert r.code == 0, r.output
    out = json.loads(r.stdout)
    assert out["plan"]["venue"] == "gmx" and "cheapest carry" in out["plan"]["notes"][0]
    # more than GMX's ETH short liquidity (4.6M, 10% margin): gTrade takes it
    r = cli("short", "open", "ETH", "--size-usd", "4500000", "--leverage", "50", "--json")
    assert r.code == 0, r.output
    out = json.loads(r.stdout)
    assert out["plan"]["venue"] == "gtrade" and "gmx has only" in out["plan"]["notes"][0]
    assert out["result"]["mode"] == "dry-run" and out["result"]["all_executed"]


def test_markets_for_an_asset_list_both_venues_with_the_same_fields(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("markets", "--asset", "ETH", "--json")
    assert r.code == 0
    markets = json.loads(r.stdout)["markets"]
    assert {m["venue"] for m in markets} == {"gmx", "gtrade"}
    assert len({frozenset(m) for m in markets}) == 1
    carries = [Decimal(m["short_carry_apr"]) for m in markets]
    assert carries == sorted(carries)


def test_market_quotes_carry_the_pair_position_fee(conn) -> None:  # type: ignore[no-untyped-def]
    """pairTotalPositionSizeFeeP (1e10 %) per pair, not a fee group guessed from the pair index."""
    from hedgefi.sim.gtrade_deploy import PAIRS

    quotes = {q.asset: q for q in GtradeVenue(conn).fetch_markets()}
    for spec in PAIRS:
        assert quotes[spec.asset].position_fee_rate == spec.fee_pct / 100, spec.asset


def test_hedge_apply_recovers_a_timed_out_order_then_hedges(devnet, cli, conn, demo, keeper_paused,
                                                             tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An order no oracle answered counts as pending until its timeout; after it, `hedge apply` cancels it
    (its collateral comes back) and places the hedge, in one confirmed run."""
    set_market_hours(devnet.rpc_url, "commodities", True)
    plan_file = tmp_path / "gold.toml"
    plan_file.write_text("[assets.XAU]\nratio = 0.5\n")                  # the wallet's 10 PAXG: $24,000
    usdc_before = usdc_raw(conn, demo.address)
    r = cli("short", "open", "XAU", "--size-usd", "5000", "--venue", "gtrade", "--broadcast", "--yes", "--json",
            "--wait", "1")
    assert r.code == 6, r.output                                         # the oracles did not answer
    key = json.loads(r.stdout)["result"]["orders"][0]["key"]
    plan = json.loads(cli("hedge", "plan", "--plan", str(plan_file), "--json").stdout)
    (order,) = plan["orders"]                                            # 5,000 pending (its size incl. the fee)
    assert order["action"] == "open" and Decimal(order["size_delta_usd"]) == pytest.approx(7000, abs=5)
    rpc_request(devnet.rpc_url, "anvil_mine", [hex(100)])                # past getMarketOrdersTimeoutBlocks
    pending = json.loads(cli("orders", "--json").stdout)["pending_orders"]
    assert [(o["key"], o["expired"]) for o in pending] == [(key, True)]
    plan = json.loads(cli("hedge", "plan", "--plan", str(plan_file), "--json").stdout)
    assert [(o["action"], o["order_key"], o["size_delta_usd"]) for o in plan["orders"]] == [
        ("cancel", key, "0"), ("open", None, "12000")]
    set_paused(False)              # the oracles answer new orders again; the timed-out one stays unanswered
    r = cli("hedge", "apply", "--plan", str(plan_file), "--broadcast", "--yes", "--json")
    assert r.code == 0, r.output
    assert [o["status"] for o in json.loads(r.stdout)["orders"]] == ["refunded", "executed"]
    pos = json.loads(cli("positions", "--json").stdout)
    assert pos["pending_orders"] == []
    (xau,) = [p for p in pos["positions"] if p["asset"] == "XAU"]
    assert abs(Decimal(xau["size_usd"]) - 12000) < Decimal("0.01")
    spent = Decimal(usdc_before - usdc_raw(conn, demo.address)) / 10**6
    assert spent == Decimal(xau["collateral_amount"]) == 6000      # the 5,000 order's collateral all came back
