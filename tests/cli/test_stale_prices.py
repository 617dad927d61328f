"""Fresh prices or no write, through the real CLI on the devnet: a feed older than its heartbeat refuses
``short open --broadcast`` and ``hedge apply --broadcast`` (exit 7, the feed's name, address and age),
reads still show the price marked stale, ``--allow-stale-prices`` sends, and a sequencer feed that says
"down" refuses too, all without an extra round trip for the reads."""

from __future__ import annotations

import json
import re
from typing import Iterator

import pytest

from hedgefi.chain.manifest import load_manifest, save_manifest
from hedgefi.chain.profiles import DEFAULT_HEARTBEAT_S
from hedgefi.core.errors import ExitCode
from hedgefi.sim import control

DEMO = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
TWO_HOURS = 7200


def _nonce(devnet) -> int:  # type: ignore[no-untyped-def]
    from hedgefi.chain.local import rpc_request

    return int(rpc_request(devnet.rpc_url, "eth_getTransactionCount", [DEMO, "latest"]), 16)


@pytest.fixture
def aged(devnet):  # type: ignore[no-untyped-def]
    """The devnet with every feed 2 hours older than its (default, 24 h) heartbeat."""
    control.advance(DEFAULT_HEARTBEAT_S + TWO_HOURS)
    return devnet


def _age_s(message: str) -> int:
    m = re.search(r"\((\d+) s\)", message)
    assert m, message
    return int(m.group(1))


def test_short_open_broadcast_refuses_a_stale_feed_naming_it_and_its_age(aged, cli) -> None:  # type: ignore[no-untyped-def]
    eth_feed = load_manifest().feeds["ETH"]
    before = _nonce(aged)
    r = cli("short", "open", "ETH", "--size-usd", "5000", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code == ExitCode.REFUSED, r.output[-800:]
    line = next(ln for ln in r.stderr.splitlines() if "refused" in ln)
    assert "the ETH price feed" in line and eth_feed in line and "beyond its 1d 0h heartbeat" in line
    assert DEFAULT_HEARTBEAT_S + TWO_HOURS <= _age_s(line) < DEFAULT_HEARTBEAT_S + TWO_HOURS + 120
    assert "--allow-stale-prices" in line
    assert _nonce(aged) == before                            # nothing was signed or sent


def test_hedge_apply_broadcast_refuses_a_stale_feed(aged, cli) -> None:  # type: ignore[no-untyped-def]
    before = _nonce(aged)
    r = cli("hedge", "apply", "--ratio", "0.5", "--broadcast", "--yes")
    assert r.code == ExitCode.REFUSED, r.output[-800:]
    assert "price feed" in r.stderr and "old" in r.stderr and "heartbeat" in r.stderr
    assert load_manifest().feeds["ETH"] in r.stderr
    assert _nonce(aged) == before


def test_reads_show_stale_prices_marked(aged, cli) -> None:  # type: ignore[no-untyped-def]
    eth_feed = load_manifest().feeds["ETH"]
    hold = cli("holdings", "--json")
    assert hold.code == 0, hold.stderr
    data = json.loads(hold.stdout)
    eth = data["assets"][0]
    assert eth["symbol"] == "ETH" and eth["price_usd"] == "3000" and eth["price_stale"] is True
    stale = {f["feed"]: f for f in data["stale_feeds"]}
    assert stale[eth_feed]["asset"] == "ETH" and stale[eth_feed]["heartbeat_s"] == DEFAULT_HEARTBEAT_S
    assert stale[eth_feed]["age_s"] >= DEFAULT_HEARTBEAT_S + TWO_HOURS
    assert "stale price" in hold.stderr
    table = cli("holdings")
    assert table.code == 0 and "(stale)" in table.stdout
    mk = cli("markets", "--venue", "gmx", "--asset", "ETH", "--json")
    assert mk.code == 0, mk.stderr
    m = json.loads(mk.stdout)
    # every ETH market (GMX lists two: [WETH-USDC], [WETH-WETH]) is priced by the stale ETH feed
    assert len(m["markets"]) >= 2 and all(q["price_stale"] for q in m["markets"])
    assert eth_feed in {f["feed"] for f in m["stale_feeds"]}


def test_fresh_feeds_are_not_marked(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(cli("holdings", "--json").stdout)
    assert data["stale_feeds"] == [] and not any(a["price_stale"] for a in data["assets"])
    m = json.loads(cli("markets", "--json").stdout)
    assert m["stale_feeds"] == [] and not any(q["price_stale"] for q in m["markets"])


def test_allow_stale_prices_sends_on_purpose_and_positions_are_marked(aged, cli) -> None:  # type: ignore[no-untyped-def]
    before = _nonce(aged)
    r = cli("short", "open", "ETH", "--size-usd", "5000", "--venue", "gmx", "--broadcast", "--yes",
            "--allow-stale-prices", "--json")
    assert r.code == 0, r.output[-800:]
    assert "--allow-stale-prices" in r.stderr and "sending anyway" in r.stderr
    assert json.loads(r.stdout)["result"]["mode"] == "broadcast" and _nonce(aged) > before
    pos = json.loads(cli("positions", "--json").stdout)
    assert [p["price_stale"] for p in pos["positions"]] == [True] and pos["stale_feeds"]


def test_a_fresh_round_lifts_the_refusal(aged, cli) -> None:  # type: ignore[no-untyped-def]
    for asset in ("ETH", "USDC"):
        assert cli("devnet", "price", asset, "+0%").code == 0
    r = cli("short", "open", "ETH", "--size-usd", "5000", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code == 0, r.output[-800:]


@pytest.fixture
def sequencer_down(devnet) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A DevPriceFeed answering 1 ("down") declared as the devnet's L2 sequencer uptime feed."""
    from hedgefi.sim.deploy import devnet_artifacts
    from hedgefi.sim.devclient import DevClient

    saved = load_manifest()
    feed = DevClient(saved.rpc_url).deploy(devnet_artifacts()["DevPriceFeed"], 0, "L2 Sequencer Uptime", 1,
                                           sender=saved.admin_address)
    m = load_manifest()
    m.sequencer_feed = feed
    save_manifest(m)
    try:
        yield feed
    finally:
        save_manifest(saved)


def test_sequencer_down_refuses_writes_and_rides_in_the_same_read(sequencer_down, devnet, cli) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.testing.rpc_proxy import CountingProxy

    before = _nonce(devnet)
    r = cli("short", "open", "ETH", "--size-usd", "5000", "--venue", "gmx", "--broadcast", "--yes")
    assert r.code == ExitCode.REFUSED, r.output[-800:]
    assert "sequencer down" in r.stderr and sequencer_down in r.stderr
    assert _nonce(devnet) == before
    with CountingProxy(devnet.rpc_url) as proxy:
        h = cli("--rpc", proxy.url, "holdings", "--json")
        assert h.code == 0, h.stderr
        assert proxy.counts["eth_call"] == 1 and proxy.http_requests == 1   # the uptime feed rode along
    data = json.loads(h.stdout)
    assert data["stale_feeds"][0]["reason"] == "sequencer down" and all(a["price_stale"] for a in data["assets"])


def test_hedge_apply_with_allow_stale_prices_sends_and_says_which_feed_was_stale(aged, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "eth-only.toml"
    plan.write_text('default_ratio = 0\n[assets.ETH]\nratio = 0.5\nvenue = "gmx"\n')
    before = _nonce(aged)
    r = cli("hedge", "apply", "--plan", str(plan), "--broadcast", "--yes", "--allow-stale-prices", "--json")
    assert r.code == 0, r.output[-800:]
    out = json.loads(r.stdout)
    assert out["mode"] == "broadcast" and _nonce(aged) > before
    eth_feed = load_manifest().feeds["ETH"]
    assert any(eth_feed in w and "sent anyway" in w for w in out["warnings"]), out.get("warnings")
