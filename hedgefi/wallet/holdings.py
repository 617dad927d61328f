"""Holdings: native and ERC-20 balances of a wallet, valued with USD price feeds, in one read.

``fetch_holdings`` builds one Multicall3 batch (block number, native balance, and per token its
``balanceOf``, ``decimals``, ``symbol`` and its feed's ``latestRoundData`` and ``decimals``) and sends
it as a single ``eth_call``, whatever the number of tokens. A token without code, a reverting call
or a failing feed becomes an ``error`` on that row; the other rows stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Sequence

from hedgefi.chain.abi import AbiDecodeError, decode, decode_string_or_bytes32, encode_call
from hedgefi.chain.multicall import Call, CallResult, fetch_aggregate3
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
        }


_ROUND = ["uint80", "int256", "uint256", "uint256", "uint80"]


def _feed_calls(feed: str | None) -> list[Call]:
    if not feed:
        return []
    return [Call(feed, encode_call("latestRoundData()")), Call(feed, encode_call("decimals()"))]


def _price(results: Sequence[CallResult]) -> tuple[Decimal | None, str | None]:
    if not results:
        return None, None
    answer_r, decimals_r = results
    if not (answer_r.ok and decimals_r.ok):
        return None, "price feed call failed"
    try:
        answer = int(decode(_ROUND, answer_r.data)[1])
        feed_decimals = int(decode(["uint8"], decimals_r.data)[0])
    except AbiDecodeError:
        return None, "price feed returned malformed data"
    if answer <= 0:
        return None, f"price feed answered a non-positive price ({answer})"
    return from_raw(answer, feed_decimals), None


def _token_row(token: TokenInfo, rs: Sequence[CallResult]) -> AssetHolding:
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
    price, error = _price(rs[3:])
    return AssetHolding(symbol, token.address, decimals, balance, price, error)


def fetch_holdings(conn: "Connection", address: str, extra_tokens: Sequence[str] = (),
                   block: Any = "latest") -> Holdings:
    """Balances and USD values of ``address`` for the profile's tokens plus ``extra_tokens``."""
    profile = conn.profile
    mc = profile.multicall3
    known = {t.address.lower(): t for t in profile.tokens}
    tokens: list[TokenInfo] = list(profile.tokens)
    for extra in extra_tokens:
        if extra.lower() not in known:
            tokens.append(TokenInfo(symbol="?", address=extra, decimals=-1))
            known[extra.lower()] = tokens[-1]

    calls: list[Call] = [
        Call(mc, encode_call("getBlockNumber()")),
        Call(mc, encode_call("getEthBalance(address)", ["address"], [address])),
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

    results = fetch_aggregate3(conn, calls, block)
    block_number = int(decode(["uint256"], results[0].data)[0])
    native_balance = int(decode(["uint256"], results[1].data)[0])
    native_price, native_err = _price(results[2:2 + len(_feed_calls(profile.native_feed))])
    rows = [AssetHolding(profile.native_symbol, None, 18, native_balance, native_price, native_err)]
    rows += [_token_row(t, results[a:b]) for t, a, b in spans]
    return Holdings(conn.chain_id, block_number, address, tuple(rows))


__all__ = ["AssetHolding", "Holdings", "fetch_holdings"]
