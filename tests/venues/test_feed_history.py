"""Feed history on the real devnet: the seeded hourly rounds, read in batched requests, and price paths."""

from __future__ import annotations

from decimal import Decimal

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.feedhistory import feed_history, feed_history_reader
from hedgefi.chain.local import rpc_request
from hedgefi.chain.profiles import get_profile
from hedgefi.chain.readplan import ReadBatch
from hedgefi.chain.rpc import connect
from hedgefi.sim import control
from hedgefi.sim.deploy import FEEDS
from hedgefi.sim.history_model import history_answers
from hedgefi.testing.rpc_proxy import CountingProxy

FIVE = ("ETH", "BTC", "ARB", "LINK", "XAU")
DAY = 86400


def latest_round(url: str, feed: str) -> tuple[int, int, int]:
    """(roundId, answer, updatedAt) straight from the feed."""
    raw = rpc_request(url, "eth_call", [{"to": feed, "data": "0x" + encode_call("latestRoundData()").hex()}, "latest"])
    r = decode(["uint80", "int256", "uint256", "uint256", "uint80"], bytes.fromhex(raw[2:]))
    return int(r[0]), int(r[1]), int(r[3])


def test_ninety_days_of_five_feeds_is_two_requests_of_hourly_seeded_rounds(devnet) -> None:  # type: ignore[no-untyped-def]
    feeds = {a: devnet.manifest.feeds[a] for a in FIVE}
    with CountingProxy(devnet.rpc_url) as proxy:
        series = feed_history(connect(get_profile("devnet"), proxy.url), feeds, lookback_s=90 * DAY)
        assert proxy.http_requests == 2, dict(proxy.counts)          # latest rounds, then every feed's history
        assert proxy.counts["eth_call"] >= 2
    for asset in FIVE:
        s = series[asset]
        _, answer, updated_at = latest_round(devnet.rpc_url, feeds[asset])
        assert s.points[-1] == (updated_at, Decimal(answer) / 10**8)
        assert s.source == feeds[asset] and s.start <= updated_at - 90 * DAY
        assert len(s.points) == 90 * 24 + 1
        assert all(t1 - t0 == 3600 for (t0, _), (t1, _) in zip(s.points, s.points[1:]))
        # the rounds are the seeded model's answers, the deploy's round last
        seeded = history_answers(asset, int(FEEDS[asset][1] * 10**8), 180 * 24)
        assert [int(p * 10**8) for p in s.prices[:-1]] == list(seeded[-(90 * 24):])


def test_history_rides_in_the_same_two_requests_as_holdings(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.wallet.holdings import holdings_reader

    feeds = {a: devnet.manifest.feeds[a] for a in ("ETH", "ARB")}
    with CountingProxy(devnet.rpc_url) as proxy:
        conn = connect(get_profile("devnet"), proxy.url)
        batch = ReadBatch(conn)
        held = batch.add(holdings_reader(conn, devnet.manifest.demo_address))
        history = batch.add(feed_history_reader(feeds, lookback_s=30 * DAY))
        batch.run()
        assert proxy.http_requests == 2, dict(proxy.counts)
    weth = next(a for a in held.value.assets if a.symbol == "WETH")
    assert weth.price_usd == history.value["ETH"].prices[-1]
    assert len(history.value["ARB"].points) == 30 * 24 + 1


def test_a_price_path_posts_hourly_rounds_after_the_history_and_keeps_the_other_feeds_fresh(devnet) -> None:  # type: ignore[no-untyped-def]
    url = devnet.rpc_url
    eth, arb = devnet.manifest.feeds["ETH"], devnet.manifest.feeds["ARB"]
    before_id, before_answer, before_t = latest_round(url, eth)
    walk = control.price_path("ETH", "-2%/h x 5, 2500")
    assert [c.new_price for c in walk.steps[:2]] == [Decimal(before_answer) / 10**8 * Decimal("0.98"),
                                                     (Decimal(before_answer) / 10**8 * Decimal("0.98") ** 2)
                                                     .quantize(Decimal("1e-8"))]
    assert walk.new_price == Decimal("2500") and len(walk.steps) == 6
    series = feed_history(connect(get_profile("devnet")), {"ETH": eth, "ARB": arb}, lookback_s=2 * DAY)
    tail = series["ETH"].points[-6:]
    assert [p for _, p in tail] == [c.new_price for c in walk.steps]
    assert all(t1 - t0 >= 3600 for (t0, _), (t1, _) in zip(series["ETH"].points[-7:], series["ETH"].points[-6:]))
    assert latest_round(url, eth)[0] == before_id + 6 and tail[0][0] >= before_t + 3600
    _, _, arb_t = latest_round(url, arb)
    assert arb_t >= walk.end_ts                                  # re-posted after the walk, not left stale


def test_devnet_price_path_cli(devnet, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("devnet", "price", "LINK", "--path", "-10% x 2", "--every", "2h")
    assert r.code == 0, r.output
    _, answer, t = latest_round(devnet.rpc_url, devnet.manifest.feeds["LINK"])
    assert answer == 15 * 10**8 * 81 // 100 and "15 -> 12.15 in 2 rounds, 2h apart" in r.stdout
    r = cli("devnet", "price", "LINK", "--path", "down a lot")
    assert r.code != 0 and "-2%/h x 48" in r.output


def test_the_lens_reads_what_one_getrounddata_per_round_reads(devnet) -> None:  # type: ignore[no-untyped-def]
    feeds = {a: devnet.manifest.feeds[a] for a in ("USDC", "LINK")}
    conn = connect(get_profile("devnet"))
    lensed = feed_history(conn, feeds, lookback_s=10 * DAY)
    with CountingProxy(devnet.rpc_url) as proxy:
        plain = feed_history(connect(get_profile("devnet"), proxy.url), feeds, lookback_s=10 * DAY, use_lens=False)
        assert proxy.http_requests == 2
    assert lensed == plain and len(plain["USDC"].points) == 10 * 24 + 1
    assert all(abs(p - 1) < Decimal("0.005") for p in plain["USDC"].prices)


def test_the_lens_answers_zero_for_rounds_that_revert(devnet) -> None:  # type: ignore[no-untyped-def]
    from hedgefi.chain.feedhistory import LENS_ADDRESS
    from hedgefi.core.resources import artifact

    feed = devnet.manifest.feeds["ETH"]
    latest_id, answer, updated_at = latest_round(devnet.rpc_url, feed)
    data = encode_call("rounds(address,uint80,uint256)", ["address", "uint80", "uint256"], [feed, latest_id + 2, 4])
    raw = rpc_request(devnet.rpc_url, "eth_call", [{"to": LENS_ADDRESS, "data": "0x" + data.hex()}, "latest",
                                                   {LENS_ADDRESS: {"code": artifact("devnet", "FeedRoundsLens").runtime}}])
    (words,) = decode(["uint256[]"], bytes.fromhex(raw[2:]))
    assert list(words[:2]) == [0, 0]                                  # "No data present": caught, left empty
    assert words[2] == updated_at << 192 | answer
    raw = rpc_request(devnet.rpc_url, "eth_call", [{"to": feed, "data": "0x" + encode_call(
        "getRoundData(uint80)", ["uint80"], [latest_id - 1]).hex()}, "latest"])
    before = decode(["uint80", "int256", "uint256", "uint256", "uint80"], bytes.fromhex(raw[2:]))
    assert words[3] == int(before[3]) << 192 | int(before[1]) and before[1] > 0
