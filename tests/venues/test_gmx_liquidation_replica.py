"""GMX liquidations on the devnet replica, against the client's liquidation price, both ways; and a partial
decrease that would leave less than GMX's minimum closing the whole position."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hedgefi.chain.local import rpc_request, wait_receipt
from hedgefi.core.errors import RpcError
from hedgefi.sim import control
from hedgefi.sim.liquidator import handler_codec, liquidate_devnet
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gmx.adapter import GmxVenue
from hedgefi.venues.gmx.errors import decoder
from hedgefi.venues.gmx.events import events_in_receipt
from hedgefi.venues.gmx.keeper import oracle_params
from tests.helpers import send, short_position, usdc_raw

USDC_RAW = Decimal(10) ** 6


def _open(conn: Any, v: GmxVenue, demo: Any, size_usd: str, leverage: str) -> Any:
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal(size_usd), leverage=Decimal(leverage)))
    assert send(conn, v, demo, plan.txs).all_executed
    return short_position(v, demo.address)


def _revert_of(conn: Any, v: GmxVenue, account: str, p: Any, sender: str) -> Any:
    """The decoded revert of ``executeLiquidation`` for ``p`` sent by ``sender`` (an eth_call), or None."""
    data = handler_codec().encode("executeLiquidation", account, p.market, p.collateral_token_address, False,
                                  oracle_params(conn.rpc_url, v.d, p.market))
    handler = control.running_manifest().contracts["gmx:LiquidationHandler"]
    try:
        rpc_request(conn.rpc_url, "eth_call", [{"from": sender, "to": handler, "data": "0x" + data.hex()}, "latest"])
    except RpcError as exc:
        body = exc.data.get("data") if isinstance(exc.data, dict) else exc.data
        return decoder().decode(body)
    return None


def _price(p: Any, factor: str) -> str:
    return str((p.liquidation_price * Decimal(factor)).quantize(Decimal("0.00000001")))


def test_the_clients_liquidation_price_holds_against_the_replica_both_ways(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    p = _open(conn, v, demo, "10000", "10")
    assert p.liquidation_price is not None and p.liquidation_price > p.mark_price
    liq = p.liquidation_price

    control.set_price("ETH", _price(p, "0.995"))      # 0.5% short of it: healthy, the handler refuses
    # the wallet's other GMX short (in the unpriced SYN market) is tried too: look at this one
    [healthy] = [x for x in liquidate_devnet(control.running_manifest(), account=demo.address)
                 if x.market.lower() == p.market.lower()]
    assert not healthy.liquidated and "not liquidatable" in healthy.note
    refused = _revert_of(conn, v, demo.address, p, rpc_keeper(conn, v))
    assert refused.name == "PositionShouldNotBeLiquidated" and refused.args["reason"] == ""
    assert refused.args["remainingCollateralUsd"] > refused.args["minCollateralUsdForLeverage"]
    assert short_position(v, demo.address) is not None

    control.set_price("ETH", _price(p, "1.005"))      # 0.5% past it: liquidated
    before = short_position(v, demo.address)
    assert before.liquidation_price == pytest.approx(liq, rel=Decimal("1e-6"))   # only seconds of fees later
    usdc_before = usdc_raw(conn, demo.address)
    [done] = [x for x in liquidate_devnet(control.running_manifest(), account=demo.address) if x.liquidated]
    assert done.market.lower() == p.market.lower()
    assert done.liquidated and done.tx_hash
    assert short_position(v, demo.address) is None
    receipt = wait_receipt(conn.rpc_url, done.tx_hash)
    events = [e for e in events_in_receipt(receipt, v.d.event_emitter)]
    names = [e.name for e in events]
    assert names.index("OrderCreated") < names.index("PositionDecrease") < names.index("OrderExecuted")
    created = next(e for e in events if e.name == "OrderCreated")
    decrease = next(e for e in events if e.name == "PositionDecrease")
    assert int(created.items["orderType"]) == int(decrease.items["orderType"]) == 7
    assert int(decrease.items["sizeInUsd"]) == 0 and int(decrease.items["sizeDeltaUsd"]) == before.size_usd_e30
    # what is left of the collateral (if anything: 0.5% past a 0.5% maintenance margin leaves about nothing)
    # goes back to the trader, as a close would have returned just before; a shortfall is the pool's
    returned = Decimal(usdc_raw(conn, demo.address) - usdc_before) / USDC_RAW
    assert before.close_value_usd is not None
    assert returned == pytest.approx(before.close_value_usd, abs=Decimal("0.001"))


def rpc_keeper(conn: Any, v: GmxVenue) -> str:
    from hedgefi.venues.gmx.keeper import keeper_address

    return keeper_address(conn.rpc_url, v.d, "LIQUIDATION_KEEPER")


def test_only_a_liquidation_keeper_may_liquidate(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    p = _open(conn, v, demo, "2000", "2")
    err = _revert_of(conn, v, demo.address, p, demo.address)
    assert err.name == "Unauthorized" and err.args["role"] == "LIQUIDATION_KEEPER"
    assert err.args["msgSender"].lower() == demo.address.lower()


def test_a_partial_decrease_below_the_minimum_closes_the_position(conn, demo) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    p = _open(conn, v, demo, "100", "2")
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("-80")), existing=p)
    assert plan.notes == []                                 # $20 left is above GMX's $10 minimum
    assert send(conn, v, demo, plan.txs).all_executed
    p = short_position(v, demo.address)
    assert p is not None and p.size_usd == Decimal("20")
    plan = v.plan_short(demo.address, ShortRequest("ETH", Decimal("-15")), existing=p)
    assert plan.action == "decrease" and "GMX closes the whole short" in plan.notes[0] and "$10" in plan.notes[0]
    r = send(conn, v, demo, plan.txs)
    [order] = r.orders
    assert order.status == "executed" and "closed the whole position" in order.reason
    assert short_position(v, demo.address) is None
