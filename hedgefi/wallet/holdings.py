"""Holdings: native and ERC-20 balances of a wallet, valued with USD price feeds, in one read.

``fetch_holdings`` builds one Multicall3 batch (the block number, L2 on Arbitrum: ``chain.blocks``; native balance, and per token its
``balanceOf``, ``decimals``, ``symbol`` and its feed's ``latestRoundData`` and ``decimals``, plus the
block time and any L2 sequencer feed) and sends it as a single ``eth_call``, whatever the number of
tokens (``holdings_reader`` is the same read as a ``chain.readplan`` reader, for a command that batches it
with the venues' reads). A token without code, a reverting call or a failing feed becomes an ``error`` on that row; the
other rows stand. A price older than its feed's heartbeat is still shown, marked ``price_stale``
(``hedgefi.chain.freshness``), and listed in ``stale_feeds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Sequence

from hedgefi.chain.abi import AbiDecodeError, decode, decode_string_or_bytes32, encode_call
from hedgefi.chain.blocks import block_number_calls, block_number_from
from hedgefi.chain.freshness import context_calls, decode_round, note_feed, read_context, round_calls
from hedgefi.chain.multicall import Call, CallResult
from hedgefi.chain.readplan import Reader, read
from hedgefi.chain.profiles import TokenInfo
from hedgefi.core.units import fmt, from_raw, money, mul

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection


@dataclass(frozen=True, slots=True)
class AssetHolding:
    symbol: str
    address: str | None          # None for the native coin
    decimals: int
    balance_raw: int
    price_usd: Decimal | None
    error: str | None = None
    price_stale: bool = False    # the feed's last round is older than its heartbeat (or the sequencer is down)

    @property
    def balance(self) -> Decimal:
        return from_raw(self.balance_raw, self.decimals)

    @property
    def value_usd(self) -> Decimal | None:
        return None if self.price_usd is None else mul(self.balance, self.price_usd)

    def as_json(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "symbol": self.symbol, "address": self.address, "decimals": self.decimals,
            "balance": fmt(self.balance),
            "price_usd": None if self.price_usd is None else fmt(self.price_usd),
            "value_usd": None if self.value_usd is None else fmt(self.value_usd),
            "price_stale": self.price_stale,
        }
        if self.error:
            row["error"] = self.error
        return row


@dataclass(frozen=True, slots=True)
class Holdings:
    chain_id: int
    block: int
    address: str
    assets: tuple[AssetHolding, ...]
    stale_feeds: tuple[dict[str, Any], ...] = ()     # freshness.PriceLog.stale_report of the feeds read

    @property
    @money
    def total_value_usd(self) -> Decimal:
        return sum((a.value_usd for a in self.assets if a.value_usd is not None), Decimal(0))

    @property
    def errors(self) -> list[AssetHolding]:
        return [a for a in self.assets if a.error]

    def as_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id, "block": self.block, "address": self.address,
            "assets": [a.as_json() for a in self.assets],
            "total_value_usd": fmt(self.total_value_usd),
            "stale_feeds": list(self.stale_feeds),
        }


def _feed_calls(feed: str | None) -> list[Call]:
    return round_calls(feed) if feed else []


@dataclass(frozen=True, slots=True)
class _Pricer:
    """Turns a feed's two results into (price, error, stale), recording the round on the connection."""

    conn: "Connection"
    block_time: int | None

    def __call__(self, feed: str | None, results: Sequence[CallResult]) -> tuple[Decimal | None, str | None, bool]:
        if not feed or not results:
            return None, None, False
        answer_r, decimals_r = results
        if not (answer_r.ok and decimals_r.ok):
            return None, "price feed call failed", False
        rnd = decode_round(answer_r)
        try:
            feed_decimals = int(decode(["uint8"], decimals_r.data)[0])
        except AbiDecodeError:
            rnd = None
        if rnd is None:
            return None, "price feed returned malformed data", False
        answer, updated_at = rnd
        if answer <= 0:
            return None, f"price feed answered a non-positive price ({answer})", False
        note_feed(self.conn, feed, updated_at, self.block_time)
        return from_raw(answer, feed_decimals), None, not self.conn.prices.usable(feed)


def _token_row(token: TokenInfo, rs: Sequence[CallResult], pricer: _Pricer) -> AssetHolding:
    bal_r, dec_r, sym_r = rs[0], rs[1], rs[2]
    if not bal_r.ok:
        reason = "no contract code at this address" if bal_r.success else "balanceOf reverted"
        return AssetHolding(token.symbol, token.address, token.decimals, 0, None, reason)
    try:
        balance = int(decode(["uint256"], bal_r.data)[0])
        decimals = int(decode(["uint8"], dec_r.data)[0]) if dec_r.ok else token.decimals
    except AbiDecodeError:
        return AssetHolding(token.symbol, token.address, token.decimals, 0, None, "not an ERC-20 token")
    symbol = token.symbol
    if sym_r.ok:
        try:
            symbol = decode_string_or_bytes32(sym_r.data) or symbol
        except AbiDecodeError:
            pass
    if not dec_r.ok and token.decimals < 0:
        return AssetHolding(symbol, token.address, 0, balance, None, "decimals() failed")
    price, error, stale = pricer(token.feed, rs[3:])
    return AssetHolding(symbol, token.address, decimals, balance, price, error, stale)


def fetch_holdings(conn: "Connection", address: str, extra_tokens: Sequence[str] = (),
                   block: Any = "latest") -> Holdings:
    """Balances and USD values of ``address`` for the profile's tokens plus ``extra_tokens``."""
    return read(conn, holdings_reader(conn, address, extra_tokens), block)


def holdings_reader(conn: "Connection", address: str, extra_tokens: Sequence[str] = ()) -> Reader[Holdings]:
    """``fetch_holdings`` as one stage: its calls, then the ``Holdings`` decoded from their results."""
    profile = conn.profile
    mc = profile.multicall3
    known = {t.address.lower(): t for t in profile.tokens}
    tokens: list[TokenInfo] = list(profile.tokens)
    for extra in extra_tokens:
        if extra.lower() not in known:
            tokens.append(TokenInfo(symbol="?", address=extra, decimals=-1))
            known[extra.lower()] = tokens[-1]

    ctx = context_calls(profile)
    blocks = block_number_calls(conn)         # the L2 block on Arbitrum, not Multicall3's block.number
    calls: list[Call] = [
        *blocks,
        Call(mc, encode_call("getEthBalance(address)", ["address"], [address])),
        *ctx,
        *_feed_calls(profile.native_feed),
    ]
    spans: list[tuple[TokenInfo, int, int]] = []
    for t in tokens:
        start = len(calls)
        calls += [
            Call(t.address, encode_call("balanceOf(address)", ["address"], [address])),
            Call(t.address, encode_call("decimals()")),
            Call(t.address, encode_call("symbol()")),
            *_feed_calls(t.feed),
        ]
        spans.append((t, start, len(calls)))

    results = yield calls
    nb = len(blocks)
    block_number = block_number_from(results[:nb])
    native_balance = int(decode(["uint256"], results[nb].data)[0])
    pricer = _Pricer(conn, read_context(conn, results[nb + 1:nb + 1 + len(ctx)]))
    n0 = nb + 1 + len(ctx)
    native_price, native_err, native_stale = pricer(profile.native_feed,
                                                    results[n0:n0 + len(_feed_calls(profile.native_feed))])
    rows = [AssetHolding(profile.native_symbol, None, 18, native_balance, native_price, native_err, native_stale)]
    rows += [_token_row(t, results[a:b], pricer) for t, a, b in spans]
    feeds = [f for f in [profile.native_feed, *(t.feed for t in tokens)] if f]
    return Holdings(conn.chain_id, block_number, address, tuple(rows), tuple(conn.prices.stale_report(feeds)))


__all__ = ["AssetHolding", "Holdings", "fetch_holdings", "holdings_reader"]
