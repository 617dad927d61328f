"""Request counts (not times): a regression in batching fails CI. Counted by a loopback proxy."""

from __future__ import annotations

import json

from hedgefi.testing.rpc_proxy import CountingProxy


def _tokens(devnet, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    from hedgefi.devnet.anvil import rpc_request

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


def test_markets_positions_and_hedge_plan_counts(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    with CountingProxy(devnet.rpc_url) as proxy:
        assert cli("--rpc", proxy.url, "markets", "--json").code == 0
        assert proxy.http_requests == 2
        proxy.reset()
        assert cli("--rpc", proxy.url, "positions", "--json").code == 0
        assert proxy.http_requests == 2
        proxy.reset()
        assert cli("--rpc", proxy.url, "hedge", "plan", "--ratio", "0.5", "--json").code == 0
        assert proxy.http_requests <= 5  # holdings 1 + markets 2 + positions 2
