"""The block a read reports is the one every stage of it ran at (issue 15: the L2 block, not Multicall3's).

A counting proxy moves the chain between the first and the second HTTP request of a command (a day
passes and a block is mined, so fees accrue and the head moves on): the command must still report the
block its first stage saw, and its second stage must have read that same block, so its figures equal
those of a run that nothing disturbed.
"""

from __future__ import annotations

import json
from typing import Any

from hedgefi.chain.local import rpc_request
from hedgefi.testing.rpc_proxy import CountingProxy


def _head(url: str) -> int:
    return int(rpc_request(url, "eth_blockNumber", []), 16)


def _disturbed(url: str, *args: str, cli: Any) -> tuple[dict[str, Any], int]:
    """Run ``args`` through a proxy that lets a day pass after the first request; (JSON output, requests)."""
    with CountingProxy(url) as proxy:
        def move_on(n: int, methods: list[str]) -> None:
            if n == 1:
                rpc_request(url, "evm_increaseTime", [86400])
                rpc_request(url, "evm_mine", [])
        proxy.after_answer = move_on
        r = cli("--rpc", proxy.url, *args, "--json")
        assert r.code == 0, r.output
        return json.loads(r.stdout), proxy.http_requests


def test_reported_block_is_the_head_every_stage_read(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    for venue in ("gmx", "gtrade"):
        r = cli("short", "open", "ETH", "--size-usd", "6000", "--venue", venue, "--broadcast", "--yes")
        assert r.code == 0, r.output
    url = devnet.rpc_url
    head = _head(url)
    quiet = json.loads(cli("positions", "--json").stdout)
    assert quiet["block"] == head and {p["venue"] for p in quiet["positions"]} == {"gmx", "gtrade"}
    holdings = json.loads(cli("holdings", "--json").stdout)
    assert holdings["block"] == head
    markets = json.loads(cli("markets", "--json").stdout)
    assert markets["block"] == head

    moved, requests = _disturbed(url, "positions", cli=cli)
    assert requests == 2 and _head(url) == head + 1          # the chain did move between the two stages
    assert moved["block"] == head                            # ... and the report names the block the reads saw
    assert moved["positions"] == quiet["positions"]          # every figure from that block: no fee accrued
    # a day later the same read does see the fees: the comparison above could fail
    later = json.loads(cli("positions", "--json").stdout)
    assert later["block"] == head + 1
    fees = {p["venue"]: p["borrowing_fee_usd"] for p in later["positions"]}
    assert fees != {p["venue"]: p["borrowing_fee_usd"] for p in quiet["positions"]}

    head = _head(url)
    moved, requests = _disturbed(url, "markets", cli=cli)
    assert requests == 2 and moved["block"] == head
