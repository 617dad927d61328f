"""The freshness rules, pure: a feed's age against its heartbeat, the sequencer's down state and grace."""

from __future__ import annotations

from hedgefi.chain.freshness import FeedReading, PriceLog, SequencerReading, duration
from hedgefi.chain.profiles import ARBITRUM

ETH = "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612"
LINK = "0x86E53CF1B870786351Da77A57575e79CB55812CB"
NOW = 1_800_000_000


def _reading(feed: str, age: int, heartbeat: int) -> FeedReading:
    return FeedReading(ARBITRUM.feed_name(feed), feed, NOW - age, NOW, heartbeat)


def test_a_feed_is_stale_only_past_its_heartbeat() -> None:
    assert not _reading(ETH, 86400, 86400).stale
    r = _reading(ETH, 86401, 86400)
    assert r.stale and r.age_s == 86401
    assert r.describe() == (f"the ETH price feed {ETH} is 1d 0h old (86401 s), beyond its 1d 0h heartbeat")
    assert not FeedReading("ETH", ETH, NOW + 5, NOW, 60).stale        # a round from "the future": age 0


def test_arbitrum_declares_per_feed_heartbeats_and_its_sequencer_feed() -> None:
    assert ARBITRUM.heartbeat_for(ETH.lower()) == 86400
    assert ARBITRUM.heartbeat_for(LINK) == 3600
    assert ARBITRUM.heartbeat_for("0x0000000000000000000000000000000000000001") == ARBITRUM.default_heartbeat_s
    assert ARBITRUM.sequencer_feed == "0xFdB631F5EE196F0ed6FAa767959853A9F217697D"
    assert ARBITRUM.feed_name(LINK) == "LINK" and ARBITRUM.feed_name(ETH) == "ETH"


def test_sequencer_down_then_grace_then_up() -> None:
    seq = "0xFdB631F5EE196F0ed6FAa767959853A9F217697D"
    down = SequencerReading(seq, True, NOW - 600, NOW, 3600)
    assert down.problem is not None and "down" in down.problem and "10m 0s" in down.problem
    back = SequencerReading(seq, False, NOW - 1800, NOW, 3600)
    assert back.problem is not None and "grace period" in back.problem
    assert SequencerReading(seq, False, NOW - 3600, NOW, 3600).problem is None


def test_the_log_keeps_the_latest_reading_and_the_sequencer_taints_every_price() -> None:
    log = PriceLog()
    log.add(_reading(ETH, 90000, 86400))
    log.add(FeedReading("ETH", ETH, NOW - 10, NOW - 5, 86400))       # read at an earlier block: ignored
    assert not log.usable(ETH) and [f["feed"] for f in log.stale_report()] == [ETH]
    log.add(FeedReading("ETH", ETH, NOW + 90, NOW + 100, 86400))     # a later read, fresh round
    assert log.usable(ETH) and log.stale_report() == [] and log.usable(None)
    log.set_sequencer(SequencerReading("0xseq", True, NOW, NOW + 100, 3600))
    assert not log.usable(ETH) and log.stale_report()[0]["reason"] == "sequencer down"
    assert log.stale_lines([ETH])[0].startswith("the L2 sequencer uptime feed 0xseq reports the sequencer down")


def test_duration() -> None:
    assert [duration(s) for s in (0, 59, 90, 7260, 93600, -5)] == ["0s", "59s", "1m 30s", "2h 1m", "1d 2h", "0s"]
