"""GMX on the devnet replica, end to end with real signed transactions and the keeper."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hedgefi.sim import control
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gmx.adapter import GmxVenue
from tests.helpers import send, short_position, usdc_raw


def test_open_resize_up_resize_down_close(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    v.fetch_verify()
    usdc_before = usdc_raw(conn, demo.address)
    r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("10000"))).txs)
    assert [o.status for o in r.orders] == ["executed"]
    p = short_position(v, demo.address)
    assert p.size_usd == Decimal("10000") and p.collateral_token == "USDC"
    assert p.collateral_amount == Decimal("5000") - Decimal("6")  # 2x leverage, 6 bps opening fee
    r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("5000")), existing=p).txs)
    assert r.all_executed and short_position(v, demo.address).size_usd == Decimal("15000")
    p = short_position(v, demo.address)
    r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("-4000")), existing=p).txs)
    assert r.all_executed and short_position(v, demo.address).size_usd == Decimal("11000")
    p = short_position(v, demo.address)
    r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", -p.size_usd, close=True), existing=p).txs)
    assert r.all_executed and short_position(v, demo.address) is None
    # all collateral came back, less the position fees (6 bps on 15,000 opened and 15,000 closed)
    assert usdc_before - usdc_raw(conn, demo.address) == pytest.approx(18_000_000, abs=50_000)


def test_funding_and_borrowing_accrue_in_the_markets_direction(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    for asset in ("ETH", "BTC"):
        send(conn, v, demo, v.plan_short(demo.address, ShortRequest(asset, Decimal("20000"))).txs)
    quotes = {q.market.lower(): q for q in v.fetch_markets()}   # several markets per asset: key by market
    control.advance(86400)
    for asset in ("ETH", "BTC"):
        p = short_position(v, demo.address, asset)
        q = quotes[p.market.lower()]
        # SKIP_BORROWING_FEE_FOR_SMALLER_SIDE: ETH's shorts are the smaller side (no borrowing), BTC's the larger
        assert (p.borrowing_fee_usd > 0) == (q.short_oi_usd >= q.long_oi_usd) == (q.short_borrowing_apr > 0), asset
        expected_borrow = p.size_usd * q.short_borrowing_apr / 365
        assert p.borrowing_fee_usd == pytest.approx(expected_borrow, rel=Decimal("0.01"))
        if q.short_funding_apr < 0:
            assert p.funding_fee_usd < 0, "shorts earn funding when longs pay"
        else:
            assert p.funding_fee_usd > 0, "shorts pay funding when they are the larger side"


def test_stop_loss_is_triggered_by_a_price_move(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("8000"), stop_loss_price=Decimal("3300")))
    start = int(conn.request("eth_blockNumber", []), 16)
    r = send(conn, v, demo, plan.txs, wait_s=5)
    statuses = sorted(o.status for o in r.orders)
    assert statuses == ["executed", "placed"], r.orders  # the increase ran; the stop waits for its trigger
    _, pending = v.fetch_positions(demo.address)
    assert [o.type for o in pending] == ["StopLossDecrease"]
    control.set_price("ETH", "3400")
    sl_key = pending[0].key
    outcome = v.wait_outcome(sl_key, start, timeout_s=15)
    assert outcome.status == "executed"
    assert short_position(v, demo.address) is None


def test_missed_acceptable_price_cancels_and_refunds(conn, demo, keeper_paused) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.venues.gmx.keeper import execute_pending

    v = GmxVenue(conn)
    usdc_before = usdc_raw(conn, demo.address)
    eth_before = int(conn.request("eth_getBalance", [demo.address, "latest"]), 16)
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("10000"), max_slippage=Decimal("0.005")))
    start = int(conn.request("eth_blockNumber", []), 16)
    r = send(conn, v, demo, plan.txs, wait_s=0.5)
    assert [o.status for o in r.orders] == ["pending"]
    assert usdc_raw(conn, demo.address) == usdc_before - 5_000_000_000  # collateral sits in the OrderVault
    control.set_price("ETH", "-1%")  # below the short's acceptable floor (-0.5%)
    results = execute_pending(conn.rpc_url, v.d, order_keys=[r.orders[0].key])   # ORDER_LIST holds others' orders too
    # the keeper tx succeeds and GMX cancels the order inside it: reported as cancelled, never as executed
    assert len(results) == 1 and results[0].tx_hash and not results[0].executed
    assert results[0].note.startswith("cancelled: the price moved past your slippage limit")
    outcome = v.wait_outcome(r.orders[0].key, start, timeout_s=5)
    assert outcome.status == "cancelled" and outcome.error_name == "OrderNotFulfillableAtAcceptablePrice"
    assert "slippage" in outcome.reason
    assert usdc_raw(conn, demo.address) == usdc_before  # collateral refunded in full
    eth_after = int(conn.request("eth_getBalance", [demo.address, "latest"]), 16)
    fee = plan.execution_fee_eth
    assert eth_before - eth_after < int(fee * 10**18)  # most of the execution fee came back
    assert short_position(v, demo.address) is None


def test_market_order_cannot_be_cancelled_before_expiry(conn, demo, keeper_paused) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.tx import TxRevertedError

    v = GmxVenue(conn)
    r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("2000"))).txs, wait_s=0.5)
    key = r.orders[0].key
    with pytest.raises(TxRevertedError, match="can be cancelled only 300 s after"):
        send(conn, v, demo, v.build_cancel(demo.address, key))
    control.advance(301)
    r2 = send(conn, v, demo, v.build_cancel(demo.address, key))
    assert r2.tx_hashes
    assert v.fetch_positions(demo.address)[1] == []


def test_fork_dry_run_leaves_the_devnet_unchanged(conn, demo) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.execution import dry_run

    v = GmxVenue(conn)
    block = int(conn.request("eth_blockNumber", []), 16)
    usdc = usdc_raw(conn, demo.address)
    result = dry_run(conn, "gmx", demo.address, v.plan_short(demo.address, ShortRequest("ETH", Decimal("10000"))).txs)
    assert result.all_executed
    assert [p.size_usd for p in result.positions_after] == [Decimal("10000")]
    assert int(conn.request("eth_blockNumber", []), 16) == block
    assert usdc_raw(conn, demo.address) == usdc and short_position(v, demo.address) is None


def test_mainnet_fork_recipe_mock_oracle_executes_orders(conn, demo) -> None:  # type: ignore[no-untyped-def]
    """The §15 recipe (provider replaced by MockOracleProvider via anvil_setCode), shown on a devnet fork."""
    from hedgefi.sim.forkrun import fork_session
    from hedgefi.venues.gmx.forkprep import install_mock_oracle
    from hedgefi.venues.gmx.keeper import execute_pending

    v = GmxVenue(conn)
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("3000")))
    with fork_session(conn) as fs:
        fv = GmxVenue(fs.conn)
        swapped = install_mock_oracle(fs.conn, fv.d)
        assert [s.lower() for s in swapped] == [conn.profile.contracts["gmx:OracleProvider"].lower()]
        fs.impersonate(demo.address)
        receipts = [fs.send_as(demo.address, t, fv.errors) for t in plan.txs]
        ((key, _),) = fv.order_keys(receipts[-1])
        # exactly the order this plan created: the fork's ORDER_LIST also holds other traders' orders
        assert execute_pending(fs.conn.rpc_url, fv.d, account=demo.address, order_keys=[key])[0].executed
        mined = receipts[-1]["blockNumber"]
        assert fv.wait_outcome(key, int(mined, 16) if isinstance(mined, str) else int(mined), 5).status == "executed"


def test_execution_fee_is_checked_against_the_gas_price(conn, demo) -> None:  # type: ignore[no-untyped-def]
    """The replica reproduces GMX's fee check (and the gas-price-0 eth_call trap the pipeline avoids)."""
    from hedgefi.chain.tx import TxRevertedError, raw_call, simulate
    from hedgefi.venues.gmx.constants import OrderType
    from hedgefi.venues.gmx.orders import OrderBundle, OrderParams

    v = GmxVenue(conn)
    market = conn.profile.contracts["gmx:market:ETH/USD"]
    weth = conn.profile.contracts["WETH"]
    bundle = OrderBundle()
    bundle.add(v.d, OrderParams(OrderType.MarketIncrease, market, weth, 1000 * 10**30, 0, 1, 1, demo.address),
               wnt_collateral=10**17)
    tx = bundle.tx(v.d, "underfunded order")
    _, error = raw_call(conn, tx.as_call(demo.address))  # no gasPrice: tx.gasprice = 0, the check cannot fire
    assert error is None
    with pytest.raises(TxRevertedError, match="execution fee too low"):
        simulate(conn, demo.address, tx, v.errors)


def test_a_new_stop_replaces_the_old_one_and_closing_cancels_it(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", Decimal("4000"),
                                                                stop_loss_price=Decimal("3300"))).txs, wait_s=5)
    p = short_position(v, demo.address)
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("2000"), stop_loss_price=Decimal("3500")),
                        existing=p)
    assert "replaces 1 earlier stop-loss" in plan.notes[0]
    send(conn, v, demo, plan.txs, wait_s=5)
    _, pending = v.fetch_positions(demo.address)
    assert [(o.type, o.trigger_price, o.size_delta_usd) for o in pending] == [
        ("StopLossDecrease", Decimal("3500"), Decimal("6000"))]
    p = short_position(v, demo.address)
    r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", -p.size_usd, close=True), existing=p).txs)
    assert r.all_executed
    assert v.fetch_positions(demo.address) == ([], [])  # the close auto-cancelled the stop
