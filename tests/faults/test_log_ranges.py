"""Log reads that scale (issue 15 item 5): outcome searches start at the order's block, never at block 0,
go in bounded ranges, and ask only for the trader's own events. Every ``eth_getLogs`` is recorded by the
counting proxy and checked."""

from __future__ import annotations

import json
import sqlite3
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hedgefi.chain.local import rpc_request
from hedgefi.chain.logs import scan_logs, topic_address
from hedgefi.testing.rpc_proxy import CountingProxy
from hedgefi.venues.base import ShortRequest
from hedgefi.venues.gtrade.adapter import GtradeVenue
from hedgefi.venues.gtrade.events import outcome_filters
from tests.helpers import DEMO, run_cli

OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"      # anvil #2: another trader on the same diamond
CHUNK = 1000                                                # HEDGEFI_LOGS_MAX_BLOCKS for these tests


def _int(v: Any) -> int:
    return int(v, 16) if isinstance(v, str) else int(v)


def _wait_no_pending(venue: GtradeVenue, *accounts: str) -> None:
    for _ in range(120):
        if all(not venue.fetch_positions(a)[1] for a in accounts):
            return
        time.sleep(0.25)
    raise AssertionError("the devnet keeper did not answer the orders")


def _other_trader_opens(conn: Any, venue: GtradeVenue) -> None:
    """A second account opens a gTrade ETH short (anvil accounts are unlocked: no key needed)."""
    from hedgefi.sim import control

    control.fund(OTHER)
    plan = venue.plan_short(OTHER, ShortRequest("ETH", Decimal("3000"), leverage=Decimal("3")))
    for tx in plan.txs:
        h = rpc_request(conn.rpc_url, "eth_sendTransaction", [{"from": OTHER, "to": tx.to, "data": "0x" + tx.data.hex(),
                                                                "gas": hex(3_000_000)}])
        for _ in range(100):
            receipt = rpc_request(conn.rpc_url, "eth_getTransactionReceipt", [h])
            if receipt:
                break
            time.sleep(0.1)
        assert receipt and _int(receipt["status"]) == 1, receipt


def test_recovery_after_many_blocks_reads_bounded_ranges_of_the_traders_own_events(devnet, conn) -> None:  # type: ignore[no-untyped-def]
    venue = GtradeVenue(conn)
    r = run_cli("short", "open", "ETH", "--venue", "gtrade", "--size-usd", "5000", "--broadcast", "--yes",
                env={"HEDGEFI_FAULT_INJECT": "after_mined"})
    assert r.code == -9, (r.code, r.stderr[-400:])        # killed after the request was mined, before its outcome
    _other_trader_opens(conn, venue)
    _wait_no_pending(venue, DEMO, OTHER)                  # the devnet keeper answered both
    journal = Path(__import__("os").environ["HEDGEFI_JOURNAL"])
    db = sqlite3.connect(journal)
    (tx_hash, mined, head_block), = db.execute("SELECT hash, block, head_block FROM txs WHERE kind='order'")
    assert 0 < head_block <= mined                         # the head when it was prepared: a lower bound
    db.execute("UPDATE txs SET block=NULL")                # as a journal that never learnt its block
    db.commit()
    db.close()
    # anvil mines ~1,000 blocks a second at first, then ever slower: the range limit is lowered instead
    rpc_request(conn.rpc_url, "anvil_mine", [hex(CHUNK + 500)], timeout=120)
    head = int(rpc_request(conn.rpc_url, "eth_blockNumber", []), 16)
    with CountingProxy(conn.rpc_url) as proxy:
        proxy.record = True
        r = run_cli("--rpc", proxy.url, "tx", "resume", "--json", env={"HEDGEFI_LOGS_MAX_BLOCKS": str(CHUNK)})
        assert r.code == 0, r.output
        actions = json.loads(r.stdout)["actions"]
        assert [(a["what"], a["after"]) for a in actions] == [("order", "executed")], actions
        queries = proxy.calls("eth_getLogs")
    assert queries
    trader, other = topic_address(DEMO), topic_address(OTHER)
    for q in queries:
        (flt,) = q["params"]
        lo = _int(flt["fromBlock"])
        hi = head if flt["toBlock"] == "latest" else _int(flt["toBlock"])
        assert mined <= lo <= hi and hi - lo + 1 <= CHUNK, flt     # from the order's block, bounded
        topics = flt["topics"]
        assert trader in topics or topics[0] == [outcome_filters(venue.d.diamond, DEMO)[2]["topics"][0][0]], topics
        for log in q["result"] or []:
            assert other not in log["topics"], log                             # no other trader's events
    # the other trader's fill sits inside the searched range: the filters, not the range, kept it out
    others = rpc_request(conn.rpc_url, "eth_getLogs", [{"address": venue.d.diamond, "fromBlock": hex(mined),
                                                        "toBlock": hex(mined + 50), "topics": [None, other]}])
    assert others


def test_scan_logs_walks_every_chunk_to_a_late_event(devnet, conn) -> None:  # type: ignore[no-untyped-def]
    """The chunk boundaries on a real node: an event 1,000 blocks after the start, read 150 blocks at a time."""
    venue = GtradeVenue(conn)
    start = int(rpc_request(conn.rpc_url, "eth_blockNumber", []), 16)
    rpc_request(conn.rpc_url, "anvil_mine", [hex(1000)], timeout=120)
    _other_trader_opens(conn, venue)
    _wait_no_pending(venue, OTHER)
    head = int(rpc_request(conn.rpc_url, "eth_blockNumber", []), 16)
    with CountingProxy(conn.rpc_url) as proxy:
        proxy.record = True
        from hedgefi.chain.profiles import get_profile
        from hedgefi.chain.rpc import connect

        pconn = connect(get_profile("devnet"), proxy.url)
        found = scan_logs(pconn, outcome_filters(venue.d.diamond, OTHER), start, head,
                          lambda log: _int(log["blockNumber"]), chunk=150)
        ranges = sorted({(_int(q["params"][0]["fromBlock"]), _int(q["params"][0]["toBlock"]))
                         for q in proxy.calls("eth_getLogs")})
    assert found is not None and found > start + 1000
    assert ranges[0][0] == start and all(b - a + 1 <= 150 for a, b in ranges)
    assert all(b + 1 == c for (_, b), (c, _) in zip(ranges, ranges[1:]))        # contiguous, no gap
    assert ranges[-1][1] >= found and len(ranges) == (found - start) // 150 + 1  # stopped at the chunk with it
