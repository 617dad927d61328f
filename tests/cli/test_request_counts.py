"""Request counts (not times): a regression in batching fails CI. Counted by a loopback proxy."""

from __future__ import annotations

import json

import pytest

from hedgefi.testing.rpc_proxy import CountingProxy


def _tokens(devnet, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    from hedgefi.chain.local import rpc_request

    code = rpc_request(devnet.rpc_url, "eth_getCode", [devnet.manifest.contracts["LINK"], "latest"])
    out = []
    for i in range(n):
        address = "0x" + f"{0xbe0c0000 + i:040x}"
        rpc_request(devnet.rpc_url, "anvil_setCode", [address, code])
        out.append(address)
    return out


def test_holdings_with_500_tokens_is_one_http_request(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    extras = _tokens(devnet, 500)
    with CountingProxy(devnet.rpc_url) as proxy:
        args = ["--rpc", proxy.url, "holdings", "--json"]
        for t in extras:
            args += ["--token", t]
        r = cli(*args)
        assert r.code == 0, r.stderr[-500:]
        assert proxy.http_requests == 1 and proxy.counts["eth_call"] == 1
    assert len(json.loads(r.stdout)["assets"]) == 1 + len(devnet.manifest.tokens) + 500


@pytest.mark.parametrize("args, requests", [
    (["markets", "--venue", "gmx"], 2),        # the market list and prices, then the Reader with those prices
    (["markets", "--venue", "gtrade"], 2),     # feeds and the collateral index, then every pair's data
    (["markets"], 2),                          # both venues' stages side by side
    (["positions", "--venue", "gmx"], 2),
    (["positions", "--venue", "gtrade"], 1),   # no trades: nothing to read after the snapshot
    (["positions"], 2),
    (["orders"], 2),
    (["hedge", "plan", "--ratio", "0.5"], 2),  # holdings and both snapshots, then both venues' market and position data
])
def test_markets_positions_and_hedge_plan_counts(devnet, cli, args: list[str], requests: int) -> None:  # type: ignore[no-untyped-def]
    with CountingProxy(devnet.rpc_url) as proxy:
        r = cli("--rpc", proxy.url, *args, "--json")
        assert r.code == 0, r.output
        assert proxy.http_requests == requests, dict(proxy.counts)


def test_with_open_positions_on_both_venues_reads_stay_at_two_requests(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.testing.devnet import set_market_hours

    set_market_hours(devnet.rpc_url, "commodities", True)
    for asset, venue in (("ETH", "gmx"), ("XAU", "gtrade")):
        r = cli("short", "open", asset, "--size-usd", "2000", "--venue", venue, "--broadcast", "--yes")
        assert r.code == 0, r.output
    with CountingProxy(devnet.rpc_url) as proxy:
        r = cli("--rpc", proxy.url, "positions", "--json")
        assert r.code == 0, r.output
        assert proxy.http_requests == 2, dict(proxy.counts)
        held = {(p["venue"], p["asset"]) for p in json.loads(r.stdout)["positions"]}
        assert {("gmx", "ETH"), ("gtrade", "XAU")} <= held
        assert all(p["liquidation_price"] is not None for p in json.loads(r.stdout)["positions"])
        proxy.reset()
        r = cli("--rpc", proxy.url, "hedge", "plan", "--ratio", "0.5", "--json")
        assert r.code == 0, r.output
        assert proxy.http_requests == 2, dict(proxy.counts)
