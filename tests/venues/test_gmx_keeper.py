"""Playing GMX's keeper for one's own orders: exactly the keys given are executed (other traders' pending
orders are left alone, as a dry-run on a mainnet fork must), and an order GMX cancels inside a successful
keeper transaction is reported as cancelled with its reason, not as executed."""

from __future__ import annotations

from decimal import Decimal

from hedgefi.core.units import fmt
from hedgefi.sim import control
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gmx.adapter import GmxVenue
from tests.helpers import send


def _created(conn, v: GmxVenue, demo, req: ShortRequest) -> str:  # type: ignore[no-untyped-def]
    r = send(conn, v, demo, v.plan_short(demo.address, req).txs, wait_s=0.5)
    (order,) = r.orders
    assert order.status == "pending", r.orders          # the devnet keeper is paused
    return str(order.key)


def test_only_the_given_keys_execute_and_a_cancel_is_reported_as_one(conn, demo, keeper_paused) -> None:  # type: ignore[no-untyped-def]
    v = GmxVenue(conn)
    mine = _created(conn, v, demo, ShortRequest("ETH", Decimal("3000")))
    other = _created(conn, v, demo, ShortRequest("BTC", Decimal("3000")))   # stands for another trader's order
    done = v.play_keeper(demo.address, [mine])
    assert [(a.key, a.executed) for a in done] == [(mine, True)]
    _, pending = v.fetch_positions(demo.address)
    assert [o.key for o in pending] == [other]           # untouched

    # an order whose acceptable price the market has moved past: GMX cancels it in the keeper transaction
    eth = next(q.price for q in v.fetch_markets() if q.asset == "ETH")
    late = _created(conn, v, demo, ShortRequest("ETH", Decimal("2000"), max_slippage=Decimal("0.001")))
    control.set_price("ETH", "-5%")
    (action,) = v.play_keeper(demo.address, [late])
    assert action.key == late and not action.executed and action.tx_hashes
    assert action.note.startswith("cancelled: "), action.note
    # in USD per ETH: a short increase executes at the new price and accepts no less than price x (1 - 0.1%)
    assert f"execution price ${fmt(eth * Decimal('0.95'))} vs acceptable ${fmt(eth * Decimal('0.999'))}" in action.note
