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
    (["markets"], 4),
    (["positions", "--venue", "gmx"], 2),
    (["positions", "--venue", "gtrade"], 1),   # trades, pending orders, fees and liquidation prices together
    (["positions"], 3),
    (["hedge", "plan", "--ratio", "0.5"], 8),  # holdings 1 + markets 4 + positions 3
])
def test_markets_positions_and_hedge_plan_counts(devnet, cli, args: list[str], requests: int) -> None:  # type: ignore[no-untyped-def]
    with CountingProxy(devnet.rpc_url) as proxy:
        r = cli("--rpc", proxy.url, *args, "--json")
        assert r.code == 0, r.output
        assert proxy.http_requests == requests, dict(proxy.counts)
