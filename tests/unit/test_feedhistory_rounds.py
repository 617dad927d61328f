"""The feed history reader against fake Chainlink round tables: irregular rounds, phases, missing rounds.

The generator is driven by hand (no chain): each stage's calls are answered from a table the way a
Chainlink proxy answers them (``getRoundData`` of a missing round reverts), and the lens calls the way
``FeedRoundsLens`` does (its Solidity runs on the devnet in ``tests/venues/test_feed_history.py``), or with
no data, as a node that ignores state overrides does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

import pytest
from eth_abi.abi import encode

from hedgefi.chain.abi import encode_call, selector
from hedgefi.chain.feedhistory import LENS_ADDRESS, feed_history_reader
from hedgefi.chain.multicall import Call, CallResult
from hedgefi.core.errors import ChainError
from hedgefi.core.series import PriceSeries

ROUND = ["uint80", "int256", "uint256", "uint256", "uint80"]
LATEST = encode_call("latestRoundData()")
DECIMALS = encode_call("decimals()")
GET = selector("getRoundData(uint80)")
LENS = selector("rounds(address,uint80,uint256)")
T0 = 1_800_000_000


class FakeFeed:
    def __init__(self, rounds: dict[int, tuple[int, int]], latest: int, decimals: int = 8) -> None:
        self.rounds, self.latest, self.decimals = rounds, latest, decimals
        self.asked: list[int] = []

    def answer(self, data: bytes) -> CallResult:
        if data == DECIMALS:
            return CallResult(True, encode(["uint8"], [self.decimals]))
        if data == LATEST:
            round_id = self.latest
        else:
            assert data[:4] == GET
            round_id = int.from_bytes(data[4:36], "big")
            self.asked.append(round_id)
        if round_id not in self.rounds:
            return CallResult(False, b"")            # "No data present"
        t, a = self.rounds[round_id]
        return CallResult(True, encode(ROUND, [round_id, a, t, t, round_id]))


    def lens(self, newest: int, count: int) -> CallResult:
        """What FeedRoundsLens.rounds answers for this table."""
        words = []
        for i in range(count):
            self.asked.append(newest - i)
            t, a = self.rounds.get(newest - i, (0, 0))
            words.append(t << 192 | a if a > 0 and t > 0 else 0)
        return CallResult(True, encode(["uint256[]"], [words]))


def run(feeds: dict[str, FakeFeed], since_ts: int, *, node_runs_overrides: bool = True,
        **kw: int) -> tuple[dict[str, PriceSeries], int]:
    addresses = {asset: "0x" + f"{i + 1:040x}" for i, asset in enumerate(feeds)}
    by_address = {addresses[a]: f for a, f in feeds.items()}

    def answer(c: Call) -> CallResult:
        if c.target != LENS_ADDRESS:
            return by_address[c.target].answer(c.data)
        assert c.data[:4] == LENS and c.code and c.gas > 0
        if not node_runs_overrides:
            return CallResult(True, b"")                 # no code at the lens address
        feed, newest, count = (int.from_bytes(c.data[4 + 32 * i:36 + 32 * i], "big") for i in range(3))
        return by_address["0x" + f"{feed:040x}"].lens(newest, count)

    reader = feed_history_reader(addresses, since_ts, **kw)
    calls = next(reader)
    stages = 0
    try:
        while True:
            stages += 1
            calls = reader.send([answer(c) for c in calls])
    except StopIteration as stop:
        return stop.value, stages


def table(first: int, last: int, ts: Callable[[int], int], phase: int = 0,
          skip: set[int] = frozenset()) -> dict[int, tuple[int, int]]:  # type: ignore[assignment]
    return {phase << 64 | k: (ts(k), 100_000_000_000 + k * 1_000_000) for k in range(first, last + 1) if k not in skip}


def test_hourly_rounds_are_read_in_one_history_stage_from_the_round_in_force_at_the_start() -> None:
    feed = FakeFeed(table(1, 500, lambda k: T0 + k * 3600), 500)
    series, stages = run({"ETH": feed}, T0 + 400 * 3600 - 1800)
    s = series["ETH"]
    assert stages == 2                                   # latest rounds, then the history
    assert s.start == T0 + 399 * 3600                     # the round in force at since_ts, then every later one
    assert len(s.points) == 102 and s.points[-1] == (T0 + 500 * 3600, Decimal("1005"))
    assert s.prices[0] == Decimal("1003.99")


def test_rounds_faster_than_the_guess_take_one_more_stage_sized_from_their_spacing() -> None:
    feed = FakeFeed(table(1, 5000, lambda k: T0 + k * 600), 5000)   # every 10 minutes, not hourly
    series, stages = run({"ETH": feed}, T0 + 2000 * 600)
    assert stages == 3
    s = series["ETH"]
    assert s.start == T0 + 2000 * 600 and len(s.points) == 3001
    assert len(feed.asked) < 3000 * 1.2                  # the second batch is sized, not open-ended


def test_a_phase_start_ends_the_read_and_no_earlier_phase_is_asked() -> None:
    rounds = table(1, 300, lambda k: T0 + k * 3600, phase=1)
    rounds |= table(1, 50, lambda k: T0 + (300 + k) * 3600, phase=2)
    feed = FakeFeed(rounds, 2 << 64 | 50)
    series, stages = run({"ETH": feed}, T0 + 200 * 3600)
    s = series["ETH"]
    assert s.start == T0 + 301 * 3600 and len(s.points) == 50      # starts later than asked: the phase's first round
    assert all(r >> 64 == 2 and r & (2**64 - 1) >= 1 for r in feed.asked)
    assert stages == 2                                   # nothing left to ask after the phase start


def test_missing_rounds_are_skipped_and_other_feeds_still_read() -> None:
    gaps = {k for k in range(100, 300) if k % 7 == 0}
    eth = FakeFeed(table(1, 300, lambda k: T0 + k * 3600, skip=gaps), 300)
    arb = FakeFeed(table(1, 300, lambda k: T0 + k * 3600), 300, decimals=18)
    series, _ = run({"ETH": eth, "ARB": arb}, T0 + 100 * 3600)
    times = [t for t, _ in series["ETH"].points]
    assert len(times) == 201 - len(gaps) and times[0] == T0 + 100 * 3600
    assert all((t - T0) // 3600 not in gaps for t in times)
    assert series["ARB"].prices[-1] == Decimal(100_300_000_000) / 10**18
    assert len(series["ARB"].points) == 201


def test_a_feed_that_does_not_answer_is_an_error_naming_it() -> None:
    dead = FakeFeed({}, 7)
    with pytest.raises(ChainError, match="LINK"):
        run({"LINK": dead}, T0)


def test_lookback_counts_back_from_the_newest_round() -> None:
    addresses = {"ETH": "0x" + "1" * 40}
    feed = FakeFeed(table(1, 100, lambda k: T0 + k * 3600), 100)
    reader = feed_history_reader(addresses, lookback_s=10 * 3600, use_lens=False)
    calls = next(reader)
    calls = reader.send([feed.answer(c.data) for c in calls])
    assert isinstance(calls[0], Call) and len(calls) == 12
    with pytest.raises(StopIteration) as stop:
        reader.send([feed.answer(c.data) for c in calls])
    assert stop.value.value["ETH"].start == T0 + 90 * 3600 and len(stop.value.value["ETH"].points) == 11


def test_a_node_that_ignores_the_lens_override_gets_the_same_rounds_one_call_each() -> None:
    def history() -> FakeFeed:
        return FakeFeed(table(1, 500, lambda k: T0 + k * 3600, skip={450}), 500)

    with_lens, stages_lens = run({"ETH": history()}, T0 + 300 * 3600)
    plain, stages_plain = run({"ETH": history()}, T0 + 300 * 3600, node_runs_overrides=False)
    assert with_lens == plain and len(plain["ETH"].points) == 200
    assert (stages_lens, stages_plain) == (2, 3)         # one more stage, for the retry
    unlensed, stages = run({"ETH": history()}, T0 + 300 * 3600, use_lens=False)
    assert unlensed == plain and stages == 2


def test_lens_calls_hold_a_thousand_rounds_each() -> None:
    addresses = {"ETH": "0x" + "1" * 40}
    feed = FakeFeed(table(1, 5000, lambda k: T0 + k * 3600), 5000)
    reader = feed_history_reader(addresses, T0 + 2500 * 3600)
    calls = next(reader)
    calls = reader.send([feed.answer(c.data) for c in calls])
    assert [int.from_bytes(c.data[68:100], "big") for c in calls] == [1000, 1000, 502]


def test_a_hostile_decimal_context_changes_nothing_read() -> None:
    import decimal

    from hedgefi.sim.history_model import history_answers, market_returns

    feed = lambda: FakeFeed(table(1, 50, lambda k: T0 + k * 3600), 50, decimals=18)  # noqa: E731
    calm, _ = run({"ARB": feed()}, T0 + 10 * 3600)
    history_answers.cache_clear()
    expected = history_answers("ARB", 80_000_000, 240)
    history_answers.cache_clear()
    market_returns.cache_clear()
    with decimal.localcontext() as c:
        c.prec, c.rounding = 3, decimal.ROUND_DOWN
        c.traps[decimal.Inexact] = True
        hostile, _ = run({"ARB": feed()}, T0 + 10 * 3600)
        assert history_answers("ARB", 80_000_000, 240) == expected
    assert hostile == calm
