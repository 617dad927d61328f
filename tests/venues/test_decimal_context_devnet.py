"""On the devnet, a library caller's decimal context changes nothing hedgefi reads, plans or encodes.

With real shorts open on both venues (and the keeper paused, so the chain holds still), the reads
(markets, positions, holdings, exposures), each adapter's order plans (acceptable price, collateral,
execution fee, and the raw amounts inside the transaction data) and the executor's sizing of an intent
are computed under Python's default context and under hostile ones (tests/unit/test_decimal_context.py),
and must be identical to the last digit.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from hedgefi.hedge.executor import fetch_state, intent_txs
from hedgefi.hedge.planner import OrderIntent
from hedgefi.sim.keeper import set_paused
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gmx.adapter import GmxVenue
from hedgefi.venues.gtrade.adapter import GtradeVenue
from hedgefi.wallet.holdings import fetch_holdings
from tests.unit.test_decimal_context import same_everywhere
from tests.helpers import send


def _eth_short(v: Any, address: str) -> Any:
    return next(p for p in v.fetch_positions(address)[0] if p.asset == "ETH" and p.side == "short")


def test_reads_plans_and_raw_amounts_ignore_the_global_context(conn, demo) -> None:  # type: ignore[no-untyped-def]
    venues = [GmxVenue(conn), GtradeVenue(conn)]
    for v in venues:
        r = send(conn, v, demo, v.plan_short(demo.address, ShortRequest("ETH", D("12345.678901"),
                                                                        leverage=D("3.7"))).txs)
        assert r.all_executed, r.orders
    set_paused(True)            # no keeper blocks from here on: every read sees the same chain
    try:
        for v in venues:
            p = _eth_short(v, demo.address)
            out = same_everywhere(lambda v=v, p=p: (
                v.fetch_markets(), v.fetch_positions(demo.address),
                v.plan_short(demo.address, ShortRequest("BTC", D("23456.789012"), leverage=D("3.3"),
                                                        max_slippage=D("0.00731"))),
                v.plan_short(demo.address, ShortRequest("ETH", D("1111.111111")), existing=p),
                v.plan_short(demo.address, ShortRequest("ETH", D("-4321.987654"), max_slippage=D("0.0123")),
                             existing=p),
                v.plan_short(demo.address, ShortRequest("ETH", p.size_usd.copy_negate(), close=True), existing=p)))
            assert "UnsignedTx(" in out and "PositionView(" in out     # plans (with tx data) and reads compared
            intent = OrderIntent(v.name, "ETH", "decrease", D("-2345.678901"), "test")
            same_everywhere(lambda v=v, intent=intent: intent_txs(v, demo.address, intent,
                                                                  v.fetch_positions(demo.address)[0]))

        def state() -> Any:
            st = fetch_state(conn, demo.address)
            return (st.exposures, st.positions, st.pending, st.markets, st.summary(),
                    fetch_holdings(conn, demo.address).total_value_usd)
        assert "Exposure(" in same_everywhere(state)
    finally:
        set_paused(False)
