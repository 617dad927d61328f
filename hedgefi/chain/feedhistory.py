"""Price history from Chainlink-compatible feeds: every feed's rounds since a time, in batched reads.

``feed_history(conn, {asset: feed}, since_ts)`` returns one ``PriceSeries`` per asset (oldest first,
Decimal USD = answer / 10**decimals, timestamps = the rounds' ``updatedAt``). ``feed_history_reader`` is
the same read as a ``chain.readplan`` reader, so a command can run it beside holdings or the venues'
snapshots and pay no extra round trip for its first stage.

Stages (each is one ``aggregate3`` per reader, one HTTP request for all readers of a ``ReadBatch``):

1. ``latestRoundData`` and ``decimals`` of every feed.
2. ``getRoundData`` of the rounds that should cover the window, for ALL feeds together. How many is a
   guess: the window divided by ``guess_interval_s`` (hourly, as the devnet's seeded history and a
   1-hour-heartbeat feed post), plus two.
3. Only when a feed's oldest round read is still newer than ``since_ts`` (its rounds came faster than the
   guess, as a deviation-triggered mainnet feed's do): one more batch for those feeds, sized from the
   interval its rounds actually showed. At most ``max_stages`` history batches, ``max_rounds`` per feed.

One ``getRoundData`` per round through Multicall3 costs 224 bytes of calldata a round: 90 days of five
hourly feeds would be a 4.8 MB request, past what nodes accept (anvil answers 2 MB, refuses 4.4 MB). So the
rounds are read by ``FeedRoundsLens`` (``contracts/devnet/FeedRoundsLens.sol``), never deployed: its
runtime code rides as an ``eth_call`` state override at ``LENS_ADDRESS`` (geth, Nitro, anvil and the
big providers run overrides), one call per ``LENS_ROUNDS`` rounds of a feed, each word
``updatedAt << 192 | answer`` (0: the round reverted or is empty). A node that ignores the override
answers those calls with no data; the reader then asks the same rounds one ``getRoundData`` each in the
next stage (``use_lens=False`` does so from the start).

Chainlink proxies number rounds ``phaseId << 64 | aggregatorRoundId``; aggregator rounds start at 1 in
each phase and earlier rounds live under the previous phase's id (its own aggregator). The read walks down
from the latest round and stops at its phase's first round: a window reaching further back than the
current phase starts later than asked (``PriceSeries.start`` says where). A round that reverts ("No data
present"), answers a non-positive price or was never updated is skipped. Each series starts at the last
round at or before ``since_ts`` (the price in force then) and ends with the latest round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping

from hedgefi.chain.abi import AbiDecodeError, decode, encode_call
from hedgefi.chain.freshness import ROUND_TYPES, round_calls
from hedgefi.chain.multicall import Call, CallResult
from hedgefi.chain.readplan import Reader, read
from hedgefi.core.errors import ChainError, InputError
from hedgefi.core.series import PriceSeries
from hedgefi.core.units import from_raw

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

HOUR = 3600
LENS_ROUNDS = 1000              # rounds per lens call
LENS_GAS_PER_ROUND = 8_000      # a proxy's getRoundData, for chunking (``multicall.MAX_CHUNK_GAS``)
LENS_ADDRESS = "0xfeedfeed" + "0" * 28 + "1e25"   # the lens runs here by override; whatever code is there is replaced
PHASE_SHIFT = 64
AGGREGATOR_MASK = (1 << PHASE_SHIFT) - 1
ANSWER_MASK = (1 << 192) - 1
DEFAULT_MAX_ROUNDS = 20_000


@dataclass(slots=True)
class _Feed:
    asset: str
    address: str
    decimals: int
    phase: int
    next_round: int                      # the aggregator round below the lowest one asked so far
    rounds: dict[int, tuple[int, int]] = field(default_factory=dict)   # aggregator round -> (updatedAt, answer)
    asked: int = 0
    use_lens: bool = True
    retry: list[int] = field(default_factory=list)   # rounds a lens call did not answer: one call each next

    def round_id(self, aggregator_round: int) -> int:
        return self.phase << PHASE_SHIFT | aggregator_round

    @property
    def oldest_ts(self) -> int:
        return min(t for t, _ in self.rounds.values())

    def covers(self, since_ts: int) -> bool:
        return self.oldest_ts <= since_ts

    def at_phase_start(self) -> bool:
        return self.next_round <= 1


def _decode_round(result: CallResult) -> tuple[int, int, int] | None:
    """(roundId, updatedAt, answer), or None for a failed, malformed, empty or non-positive round."""
    if not result.ok:
        return None
    try:
        round_id, answer, _, updated_at, _ = decode(ROUND_TYPES, result.data)
    except AbiDecodeError:
        return None
    if int(answer) <= 0 or int(updated_at) == 0:
        return None
    return int(round_id), int(updated_at), int(answer)


def _lens_runtime() -> bytes:
    from hedgefi.core.resources import artifact

    return bytes.fromhex(artifact("devnet", "FeedRoundsLens").runtime[2:])


def _decode_words(result: CallResult, count: int) -> list[int] | None:
    """The lens's words, or None when it did not run (no data: the override was ignored) or failed."""
    if not result.ok:
        return None
    try:
        (words,) = decode(["uint256[]"], result.data)
    except AbiDecodeError:
        return None
    return [int(w) for w in words] if len(words) == count else None


def _ask(feed: _Feed, count: int, max_rounds: int) -> list[int]:
    """The next ``count`` aggregator rounds below what was asked (never below the phase's round 1)."""
    count = max(0, min(count, max_rounds - feed.asked, feed.next_round - 1))
    rounds = list(range(feed.next_round - 1, feed.next_round - 1 - count, -1))
    feed.next_round -= count
    feed.asked += count
    return rounds


def _more_needed(feed: _Feed, since_ts: int, guess_interval_s: int) -> int:
    """How many more rounds should reach ``since_ts``, from the spacing of the rounds read so far."""
    times = sorted(t for t, _ in feed.rounds.values())
    span = times[-1] - times[0]
    interval = max(1, span // (len(times) - 1)) if len(times) > 1 else guess_interval_s
    missing = times[0] - since_ts
    return -(-missing * 11 // (10 * interval)) + 2         # ten per cent over, and two


def _series(feed: _Feed, since_ts: int) -> PriceSeries:
    points: list[tuple[int, Decimal]] = []
    for _, (t, answer) in sorted(feed.rounds.items()):
        price = from_raw(answer, feed.decimals)
        if points and t <= points[-1][0]:
            points[-1] = (points[-1][0], price)            # two rounds at one time: the later round wins
            continue
        points.append((t, price))
    first = 0
    for i, (t, _) in enumerate(points):
        if t <= since_ts:
            first = i                                       # the last round at or before since_ts
    return PriceSeries(feed.asset, tuple(points[first:]), feed.address)


def feed_history_reader(feeds: Mapping[str, str], since_ts: int | None = None, *, lookback_s: int | None = None,
                        guess_interval_s: int = HOUR, max_rounds: int = DEFAULT_MAX_ROUNDS,
                        max_stages: int = 2, use_lens: bool = True) -> Reader[dict[str, PriceSeries]]:
    """The read of ``feed_history`` as a staged reader (1 + up to ``max_stages`` stages, one more when a node
    ignores the lens override; 2 on the devnet)."""
    if (since_ts is None) == (lookback_s is None):
        raise InputError("give the history's start as since_ts or lookback_s, not both or neither")
    if guess_interval_s <= 0 or max_rounds <= 0 or max_stages <= 0:
        raise InputError("guess_interval_s, max_rounds and max_stages must be positive")
    assets = list(feeds)
    calls: list[Call] = [c for a in assets for c in round_calls(feeds[a])]
    results = yield calls
    state: list[_Feed] = []
    for i, asset in enumerate(assets):
        latest_r, decimals_r = results[2 * i], results[2 * i + 1]
        latest = _decode_round(latest_r)
        try:
            decimals = int(decode(["uint8"], decimals_r.data)[0]) if decimals_r.ok else None
        except AbiDecodeError:
            decimals = None
        if latest is None or decimals is None:
            raise ChainError(f"the {asset} feed {feeds[asset]} did not answer latestRoundData/decimals with a price")
        round_id, updated_at, answer = latest
        agg = round_id & AGGREGATOR_MASK
        feed = _Feed(asset, feeds[asset], decimals, round_id >> PHASE_SHIFT, agg)
        feed.rounds[agg] = (updated_at, answer)
        state.append(feed)
    start = since_ts if since_ts is not None else max(f.oldest_ts for f in state) - (lookback_s or 0)

    wanted = {id(f): -(-(max(0, f.oldest_ts - start)) // guess_interval_s) + 2 for f in state}
    for f in state:
        f.use_lens = use_lens
    lens = _lens_runtime() if use_lens else b""
    stages = 0
    while True:
        plain: list[tuple[_Feed, int]] = [(f, r) for f in state for r in f.retry]
        lensed: list[tuple[_Feed, list[int]]] = []
        for f in state:
            f.retry = []
            if stages >= max_stages or f.covers(start) or f.at_phase_start() or f.asked >= max_rounds:
                continue
            rounds = _ask(f, wanted[id(f)], max_rounds)
            if f.use_lens:
                lensed += [(f, rounds[i:i + LENS_ROUNDS]) for i in range(0, len(rounds), LENS_ROUNDS)]
            else:
                plain += [(f, r) for r in rounds]
        if not plain and not lensed:
            break
        stages += 1
        calls = [Call(f.address, encode_call("getRoundData(uint80)", ["uint80"], [f.round_id(r)])) for f, r in plain]
        calls += [Call(LENS_ADDRESS, encode_call("rounds(address,uint80,uint256)", ["address", "uint80", "uint256"],
                                                 [f.address, f.round_id(rs[0]), len(rs)]),
                       code=lens, gas=len(rs) * LENS_GAS_PER_ROUND) for f, rs in lensed]
        results = yield calls
        for (f, r), result in zip(plain, results):
            rnd = _decode_round(result)
            if rnd is not None:
                f.rounds[r] = (rnd[1], rnd[2])
        for (f, rs), result in zip(lensed, results[len(plain):]):
            words = _decode_words(result, len(rs))
            if words is None:                  # the node ran no override (or the lens failed): one call each
                f.use_lens = False
                f.retry += rs
                continue
            for r, w in zip(rs, words):
                if w:
                    f.rounds[r] = (w >> 192, w & ANSWER_MASK)
        wanted = {id(f): _more_needed(f, start, guess_interval_s) for f in state}
    return {f.asset: _series(f, start) for f in state}


def feed_history(conn: "Connection", feeds: Mapping[str, str], since_ts: int | None = None, *,
                 lookback_s: int | None = None, guess_interval_s: int = HOUR, max_rounds: int = DEFAULT_MAX_ROUNDS,
                 max_stages: int = 2, use_lens: bool = True, block: Any = "latest") -> dict[str, PriceSeries]:
    """Each asset's feed rounds since ``since_ts`` (or ``lookback_s`` before the newest feed's latest round),
    oldest first; two HTTP requests when the first guess reaches back far enough (see the module doc)."""
    return read(conn, feed_history_reader(feeds, since_ts, lookback_s=lookback_s, guess_interval_s=guess_interval_s,
                                          max_rounds=max_rounds, max_stages=max_stages, use_lens=use_lens), block)


__all__ = ["feed_history", "feed_history_reader", "PHASE_SHIFT", "DEFAULT_MAX_ROUNDS", "LENS_ADDRESS", "LENS_ROUNDS"]
