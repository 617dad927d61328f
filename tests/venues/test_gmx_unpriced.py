"""A demo-wallet position in a GMX market hedgefi cannot price (``sim.gmx_unpriced``): mainnet's
``getAccountPositionInfoList`` reverts ``EmptyMarketPrice`` on it, and ``positions``, ``hedge`` and ``watch``
list it under ``warnings`` instead of failing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from hedgefi.sim.gmx_unpriced import DEMO_SHORT_USD, MARKET_ENTRY


def _unpriced(devnet) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    c = devnet.manifest.contracts
    return c[MARKET_ENTRY], c["gmx:unpriced:SYN"]


def _one_warning(warnings: list[str], market: str, index: str) -> None:
    (w,) = warnings
    assert market in w and index in w and "no price feed" in w and f"${DEMO_SHORT_USD}" in w


def test_the_seeded_position_makes_the_info_list_revert_as_on_mainnet(conn, demo, devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.local import rpc_request
    from hedgefi.core.errors import RpcError
    from hedgefi.venues.gmx import reads
    from hedgefi.venues.gmx.deployment import ZERO, deployment_for
    from hedgefi.venues.gmx.errors import decoder
    from hedgefi.venues.gmx.releases import reader_codec

    market, index = _unpriced(devnet)
    d = deployment_for(conn.profile)
    snap = reads.fetch_snapshot(conn, d)
    assert market.lower() not in {m.key.lower() for m in snap.markets}
    assert [u.key.lower() for u in snap.unpriced] == [market.lower()] and snap.unpriced[0].missing == (index.lower(),)
    # the feed pricing SYN is the replica's alone: not in the manifest's tokens or feeds
    feed = devnet.manifest.contracts["gmx:unpriced:feed:SYN/USD"]
    assert feed not in devnet.manifest.feeds.values() and all(t["feed"] != feed for t in devnet.manifest.tokens)
    reader = reader_codec(d)
    call = reader.encode("getAccountPositionInfoList", d.data_store, d.referral_storage, demo.address,
                         [m.key for m in snap.markets], [snap.market_prices(m) for m in snap.markets], ZERO, 0, 100)
    with pytest.raises(RpcError) as err:
        rpc_request(devnet.rpc_url, "eth_call", [{"to": d.reader, "data": "0x" + call.hex()}, "latest"])
    data = err.value.data.get("data") if isinstance(err.value.data, dict) else err.value.data
    assert decoder().decode(data).name == "EmptyMarketPrice"


def test_positions_hedge_and_watch_list_it_under_warnings(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    market, index = _unpriced(devnet)
    pos = json.loads(cli("positions", "--json").stdout)
    assert pos["positions"] == []
    _one_warning(pos["warnings"], market, index)
    text = cli("positions")
    assert text.code == 0 and market in text.stderr

    r = cli("short", "open", "ETH", "--size-usd", "3000", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code == 0, r.output
    pos = json.loads(cli("positions", "--json").stdout)
    (p,) = pos["positions"]
    assert (p["asset"], p["side"], Decimal(p["size_usd"])) == ("ETH", "short", 3000)
    _one_warning(pos["warnings"], market, index)

    plan = cli("hedge", "plan", "--ratio", "0.5", "--json")
    assert plan.code == 0, plan.output
    _one_warning(json.loads(plan.stdout)["warnings"], market, index)
    watch = cli("watch", "--once", "--json")
    assert watch.code == 0, watch.output
    snap = json.loads(watch.stdout)
    _one_warning(snap["warnings"], market, index)
    assert [q["asset"] for q in snap["positions"]] == ["ETH"]
