"""Price freshness: each Chainlink feed's ``updatedAt`` against its heartbeat, and the L2 sequencer.

Every feed read in hedgefi (holdings, the venues' reads) asks ``latestRoundData`` in its own Multicall3
batch, together with ``context_calls``: the block timestamp and, where the profile has one, the L2
sequencer uptime feed. Freshness therefore costs no round trip. Each read records what it saw on the
connection (``conn.prices``, a ``PriceLog``). Reads never refuse: they mark prices stale
(``price_stale`` on a row, ``stale_feeds`` in their JSON). A write calls ``require_fresh_prices`` before it
signs: it judges the feeds the write depends on from what the run already read, reads (in one batch)
only the feeds nobody has read yet, and raises ``StalePriceError`` (exit 7) with one line naming each
bad feed, its address and its age.

Rules. Age = the block's timestamp minus the round's ``updatedAt`` (chain time, never the local clock).
A feed is stale when its age exceeds its heartbeat (``ChainProfile.heartbeat_for``). The sequencer feed
answers 0 while the sequencer is up and 1 while it is down; ``startedAt`` is when that status began.
Every price is untrusted while the sequencer is down and for ``sequencer_grace_s`` after it comes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from hedgefi.chain.abi import AbiDecodeError, decode, encode_call
from hedgefi.chain.multicall import Call, CallResult, fetch_aggregate3
from hedgefi.core.errors import StalePriceError

if TYPE_CHECKING:
    from hedgefi.chain.profiles import ChainProfile
    from hedgefi.chain.rpc import Connection

ROUND_TYPES = ["uint80", "int256", "uint256", "uint256", "uint80"]
ALLOW_FLAG = "--allow-stale-prices"


def duration(seconds: int) -> str:
    """93600 -> '1d 2h'; 7260 -> '2h 1m'; 90 -> '1m 30s'."""
    s = max(0, seconds)
    if s >= 86400:
        return f"{s // 86400}d {s % 86400 // 3600}h"
    if s >= 3600:
        return f"{s // 3600}h {s % 3600 // 60}m"
    if s >= 60:
        return f"{s // 60}m {s % 60}s"
    return f"{s}s"


@dataclass(frozen=True, slots=True)
class FeedReading:
    """One ``latestRoundData`` answer, judged at the block it was read at."""

    name: str              # the asset it prices (ETH), or its address when the profile does not know it
    feed: str
    updated_at: int
    block_time: int
    heartbeat_s: int

    @property
    def age_s(self) -> int:
        return max(0, self.block_time - self.updated_at)

    @property
    def stale(self) -> bool:
        return self.age_s > self.heartbeat_s

    def describe(self) -> str:
        return (f"the {self.name} price feed {self.feed} is {duration(self.age_s)} old ({self.age_s} s), "
                f"beyond its {duration(self.heartbeat_s)} heartbeat")

    def as_json(self) -> dict[str, Any]:
        return {"asset": self.name, "feed": self.feed, "updated_at": self.updated_at, "age_s": self.age_s,
                "heartbeat_s": self.heartbeat_s, "reason": "older than its heartbeat"}


@dataclass(frozen=True, slots=True)
class SequencerReading:
    """The L2 sequencer uptime feed's answer at one block."""

    feed: str
    down: bool
    started_at: int        # when the current status (up or down) began
    block_time: int
    grace_s: int

    @property
    def since_s(self) -> int:
        return max(0, self.block_time - self.started_at)

    @property
    def problem(self) -> str | None:
        if self.down:
            return (f"the L2 sequencer uptime feed {self.feed} reports the sequencer down "
                    f"(for {duration(self.since_s)})")
        if self.since_s < self.grace_s:
            return (f"the L2 sequencer came back up {duration(self.since_s)} ago (uptime feed {self.feed}), "
                    f"within its {duration(self.grace_s)} grace period")
        return None

    def as_json(self) -> dict[str, Any]:
        return {"asset": "L2 sequencer", "feed": self.feed, "updated_at": self.started_at, "age_s": self.since_s,
                "heartbeat_s": self.grace_s, "reason": "sequencer down" if self.down else "sequencer grace period"}


@dataclass
class PriceLog:
    """What one connection's reads saw: the latest reading of each feed (by address, lower case), the sequencer."""

    feeds: dict[str, FeedReading] = field(default_factory=dict)
    sequencer: SequencerReading | None = None

    def add(self, reading: FeedReading) -> None:
        key = reading.feed.lower()
        old = self.feeds.get(key)
        if old is None or reading.block_time >= old.block_time:
            self.feeds[key] = reading

    def set_sequencer(self, reading: SequencerReading) -> None:
        if self.sequencer is None or reading.block_time >= self.sequencer.block_time:
            self.sequencer = reading

    def usable(self, feed: str | None) -> bool:
        """False when ``feed``'s last reading is stale or the sequencer forbids prices (unknown feeds pass)."""
        if self.sequencer is not None and self.sequencer.problem:
            return False
        reading = self.feeds.get(feed.lower()) if feed else None
        return reading is None or not reading.stale

    def stale_report(self, feeds: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The ``stale_feeds`` JSON list: the sequencer's problem, then each stale feed (of ``feeds``, or all)."""
        wanted = None if feeds is None else {f.lower() for f in feeds}
        out = [self.sequencer.as_json()] if self.sequencer is not None and self.sequencer.problem else []
        out += [r.as_json() for k, r in sorted(self.feeds.items())
                if r.stale and (wanted is None or k in wanted)]
        return out

    def stale_lines(self, feeds: Iterable[str] | None = None) -> list[str]:
        """One line per problem, for warnings under a table."""
        wanted = None if feeds is None else {f.lower() for f in feeds}
        out = [p for p in [self.sequencer.problem if self.sequencer else None] if p]
        out += [r.describe() for k, r in sorted(self.feeds.items()) if r.stale and (wanted is None or k in wanted)]
        return out


def round_calls(feed: str) -> list[Call]:
    """``latestRoundData`` and ``decimals`` of one feed (the pair every price read asks)."""
    return [Call(feed, encode_call("latestRoundData()")), Call(feed, encode_call("decimals()"))]


def context_calls(profile: "ChainProfile") -> list[Call]:
    """What judging freshness needs besides the feeds, to ride in the same batch: the block time, the sequencer."""
    calls = [Call(profile.multicall3, encode_call("getCurrentBlockTimestamp()"))]
    if profile.sequencer_feed:
        calls.append(Call(profile.sequencer_feed, encode_call("latestRoundData()")))
    return calls


def decode_round(result: CallResult) -> tuple[int, int] | None:
    """(answer, updatedAt) of a ``latestRoundData`` result, or None when it failed or is malformed."""
    if not result.ok:
        return None
    try:
        _, answer, _, updated_at, _ = decode(ROUND_TYPES, result.data)
    except AbiDecodeError:  # short or garbled data
        return None
    return int(answer), int(updated_at)


def read_context(conn: "Connection", results: Sequence[CallResult]) -> int | None:
    """Read what ``context_calls`` asked (records the sequencer on ``conn.prices``); the block time or None."""
    if not results or not results[0].ok:
        return None
    block_time = int(decode(["uint256"], results[0].data)[0])
    profile = conn.profile
    if profile.sequencer_feed:
        status = decode_round(results[1]) if len(results) > 1 else None
        if status is None:      # no answer from the uptime feed: treat the sequencer as down, say so
            conn.prices.set_sequencer(SequencerReading(profile.sequencer_feed, True, block_time, block_time,
                                                       profile.sequencer_grace_s))
        else:
            answer = status[0]
            started = int(decode(ROUND_TYPES, results[1].data)[2])
            conn.prices.set_sequencer(SequencerReading(profile.sequencer_feed, answer != 0, started, block_time,
                                                       profile.sequencer_grace_s))
    return block_time


def note_feed(conn: "Connection", feed: str, updated_at: int, block_time: int | None) -> FeedReading | None:
    """Record one feed's round on ``conn.prices`` (nothing without a block time); returns the reading."""
    if block_time is None:
        return None
    profile = conn.profile
    reading = FeedReading(profile.feed_name(feed), feed, updated_at, block_time, profile.heartbeat_for(feed))
    conn.prices.add(reading)
    return reading


def fetch_feed_readings(conn: "Connection", feeds: Sequence[str]) -> None:
    """Read ``feeds`` and the context in one batch, recording them (for a write whose reads did not)."""
    ctx = context_calls(conn.profile)
    results = fetch_aggregate3(conn, ctx + [Call(f, encode_call("latestRoundData()")) for f in feeds])
    block_time = read_context(conn, results[:len(ctx)])
    for feed, r in zip(feeds, results[len(ctx):]):
        rnd = decode_round(r)
        if rnd is not None:
            note_feed(conn, feed, rnd[1], block_time)


def require_fresh_prices(conn: "Connection", assets: Iterable[str], *, if_read: Iterable[str] = (),
                         allow_stale: bool = False) -> list[str]:
    """Refuse a write that depends on a stale price: raises ``StalePriceError`` naming each bad feed.

    ``assets`` are what the write prices (the asset shorted): judged from this run's readings, or read
    now when none was made. ``if_read`` (a collateral) is judged only when the run's reads used its feed
    (GMX prices collateral with Chainlink; gTrade does not). Assets without a feed in the profile are not
    judged. With ``allow_stale`` the problems are returned (to warn) instead."""
    profile = conn.profile
    feeds: dict[str, str] = {}
    for a in assets:
        f = profile.feed_for_asset(a)
        if f:
            feeds.setdefault(f.lower(), f)
    missing = [f for k, f in feeds.items() if k not in conn.prices.feeds]
    for a in if_read:
        f = profile.feed_for_asset(a)
        if f and f.lower() in conn.prices.feeds:
            feeds.setdefault(f.lower(), f)
    if missing or (profile.sequencer_feed and conn.prices.sequencer is None):
        fetch_feed_readings(conn, missing)
    problems = [p for p in [conn.prices.sequencer.problem if conn.prices.sequencer else None] if p]
    for k, f in feeds.items():
        reading = conn.prices.feeds.get(k)
        if reading is None:
            problems.append(f"the {profile.feed_name(f)} price feed {f} did not answer latestRoundData")
        elif reading.stale:
            problems.append(reading.describe())
    if problems and not allow_stale:
        hint = " (on the devnet, `hedgefi devnet price ASSET +0%` posts a fresh round)" if profile.is_devnet else ""
        raise StalePriceError(f"refused: {'; '.join(problems)}; nothing was sent ({ALLOW_FLAG} sends anyway)"
                              + hint)
    return problems


__all__ = ["FeedReading", "SequencerReading", "PriceLog", "round_calls", "context_calls", "decode_round",
           "read_context", "note_feed", "fetch_feed_readings", "require_fresh_prices", "duration", "ALLOW_FLAG"]
