"""GMX reads: markets and positions, each in two batched stages (reference §7-§9).

Each read is a ``chain.readplan`` reader (``markets_reader``, ``positions_reader``, and ``state_reader``
for both off one snapshot), so a command runs them beside the other venues' and the holdings, stage by
stage, in one HTTP request per stage; ``fetch_markets`` / ``fetch_positions`` run one alone.

Round trip 1: ``Reader.getMarkets`` plus the USD feeds of every token the profile knows, with the block
time and any L2 sequencer feed to judge their freshness (``hedgefi.chain.freshness``; a market priced
by a stale feed is marked ``price_stale``), and, for positions, ``Reader.getAccountOrders``. Round trip 2: per market ``Reader.getMarketInfo`` and the
DataStore keys for open interest, pool, reserve and OI caps and leverage (or, for positions,
``Reader.getAccountPositionInfoList`` with those prices). Index prices come from the same Chainlink
feeds on the devnet and on mainnet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.blocks import block_number_calls, block_number_from
from hedgefi.chain.freshness import context_calls, decode_round, note_feed, read_context, round_calls
from hedgefi.chain.multicall import Call, CallResult
from hedgefi.chain.readplan import Reader, read
from hedgefi.core.errors import ChainError
from hedgefi.core.units import CONTEXT, fmt, money
from hedgefi.venues.base import MarketQuote, PendingOrderView, PositionView
from hedgefi.venues.gmx import keys, liquidation
from hedgefi.venues.gmx.constants import FLOAT, SECONDS_PER_YEAR, OrderType, codec
from hedgefi.venues.gmx.deployment import ZERO, GmxDeployment
from hedgefi.venues.gmx.releases import codec_for, reader_codec

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

MAX_MARKETS = 500
PRICE_Q = Decimal("0.00000001")      # derived prices (entry, liquidation) are shown to 1e-8
RATIO_Q = Decimal("0.000001")
APR_Q = Decimal("0.0000000001")
MAX_ITEMS = 1000


@dataclass(frozen=True, slots=True)
class TokenMeta:
    address: str
    symbol: str
    asset: str
    decimals: int


@dataclass(frozen=True, slots=True)
class GmxMarket:
    key: str
    index_token: str
    long_token: str
    short_token: str
    asset: str
    index_decimals: int


@dataclass(frozen=True, slots=True)
class UnpricedMarket:
    """A market of ``MARKET_LIST`` hedgefi cannot price: ``missing`` are its tokens without a known feed."""

    key: str
    index_token: str
    long_token: str
    short_token: str
    missing: tuple[str, ...]

    @property
    def note(self) -> str:
        return f"not priced: hedgefi has no price feed for {', '.join(to_checksum(t) for t in self.missing)}"


@dataclass
class Snapshot:
    """What round trip 1 learned: the markets hedgefi can price, and prices per token (1e30 per unit)."""

    block: int
    markets: list[GmxMarket]
    prices_e30: dict[str, int]
    tokens: dict[str, TokenMeta]
    extra: list[CallResult]
    stale_tokens: frozenset[str] = frozenset()     # tokens (lower case) whose feed is stale, or all: sequencer down
    release: str = "v2.2c"                          # the GMX release whose layouts the Reader answers in
    unpriced: tuple[UnpricedMarket, ...] = ()       # markets in MARKET_LIST hedgefi has no price for

    def market_stale(self, m: GmxMarket) -> bool:
        return any(t.lower() in self.stale_tokens for t in (m.index_token, m.long_token, m.short_token))

    def market_prices(self, m: GmxMarket) -> dict[str, dict[str, int]]:
        def p(token: str) -> dict[str, int]:
            v = self.prices_e30[token.lower()]
            return {"min": v, "max": v}
        return {"indexTokenPrice": p(m.index_token), "longTokenPrice": p(m.long_token),
                "shortTokenPrice": p(m.short_token)}

    def market_by_asset(self, asset: str) -> list[GmxMarket]:
        return [m for m in self.markets if m.asset.upper() == asset.upper()]

    def market_by_key(self, key: str) -> GmxMarket | None:
        return next((m for m in self.markets if m.key.lower() == key.lower()), None)

    def market_name(self, m: GmxMarket) -> str:
        """GMX's own way of naming a market: ``ETH/USD [WETH-USDC]``."""
        def sym(t: str) -> str:
            meta = self.tokens.get(t.lower())
            return meta.symbol if meta else to_checksum(t)[:8]
        return f"{m.asset}/USD [{sym(m.long_token)}-{sym(m.short_token)}]"


def _token_table(conn: "Connection", d: GmxDeployment) -> dict[str, tuple[TokenMeta, str | None]]:
    table: dict[str, tuple[TokenMeta, str | None]] = {}
    for t in conn.profile.tokens:
        table[t.address.lower()] = (TokenMeta(t.address, t.symbol, t.asset or t.symbol, t.decimals), t.feed)
    for address, asset, decimals in d.synthetic_index:
        feed = next((t.feed for t in conn.profile.tokens if (t.asset or t.symbol) == asset), None)
        table[address.lower()] = (TokenMeta(address, asset, asset, decimals), feed)
    return table


def fetch_snapshot(conn: "Connection", d: GmxDeployment, extra: list[Call] | None = None) -> Snapshot:
    """Round trip 1: the market list, feed prices and any ``extra`` calls, at one block."""
    return read(conn, snapshot_reader(conn, d, extra))


def snapshot_reader(conn: "Connection", d: GmxDeployment, extra: list[Call] | None = None) -> Reader[Snapshot]:
    """``fetch_snapshot`` as a one-stage reader."""
    reader = reader_codec(d)
    table = _token_table(conn, d)
    feeds = sorted({feed for _, feed in table.values() if feed})
    blocks = block_number_calls(conn)             # the L2 block on Arbitrum, not Multicall3's block.number
    calls = [Call(d.reader, reader.encode("getMarkets", d.data_store, 0, MAX_MARKETS))]
    for feed in feeds:
        calls += round_calls(feed)
    ctx = context_calls(conn.profile)
    calls += ctx
    calls += blocks
    calls += extra or []
    r = yield calls
    if not r[0].ok:
        raise ChainError(f"GMX Reader {d.reader} did not answer getMarkets; is GMX deployed on this chain?")
    n_ctx = 1 + 2 * len(feeds)
    n_blocks = n_ctx + len(ctx)
    block = block_number_from(r[n_blocks:n_blocks + len(blocks)])
    block_time = read_context(conn, r[n_ctx:n_blocks])
    feed_answer: dict[str, tuple[int, int]] = {}
    for i, feed in enumerate(feeds):
        a, dec = r[1 + 2 * i], r[2 + 2 * i]
        rnd = decode_round(a)
        if rnd is not None and dec.ok:
            answer = rnd[0]
            if answer > 0:
                feed_answer[feed] = (answer, int(decode(["uint8"], dec.data)[0]))
                note_feed(conn, feed, rnd[1], block_time)
    prices: dict[str, int] = {}
    tokens: dict[str, TokenMeta] = {}
    for address, (meta, token_feed) in table.items():
        tokens[address] = meta
        if token_feed in feed_answer:
            answer, fdec = feed_answer[token_feed]
            exp = 30 - meta.decimals - fdec
            prices[address] = answer * 10**exp if exp >= 0 else answer // 10**-exp
    markets, unpriced = [], []
    for m in reader.decode_output("getMarkets", r[0].data):
        idx, lng, sht = m["indexToken"].lower(), m["longToken"].lower(), m["shortToken"].lower()
        if int(idx, 16) == 0:
            continue  # swap-only market
        missing = tuple(dict.fromkeys(t for t in (idx, lng, sht) if t not in prices))
        if missing:
            unpriced.append(UnpricedMarket(m["marketToken"], m["indexToken"], m["longToken"], m["shortToken"],
                                           missing))
            continue
        meta = tokens[idx]
        markets.append(GmxMarket(m["marketToken"], m["indexToken"], m["longToken"], m["shortToken"], meta.asset,
                                 meta.decimals))
    stale = frozenset(address for address, (_, token_feed) in table.items()
                      if token_feed in feed_answer and not conn.prices.usable(token_feed))
    return Snapshot(block, markets, prices, tokens, r[n_blocks + len(blocks):], stale, d.release, tuple(unpriced))


def to_checksum(address: str) -> str:
    from eth_utils.address import to_checksum_address

    return str(to_checksum_address(address))


def _uint(r: CallResult) -> int:
    return int(decode(["uint256"], r.data)[0]) if r.ok else 0


@money
def _usd(raw: int) -> Decimal:
    return CONTEXT.divide(Decimal(raw), Decimal(FLOAT))


@money
def human_price(price_e30: int, decimals: int) -> Decimal:
    return CONTEXT.divide(Decimal(price_e30) * (Decimal(10) ** decimals), Decimal(FLOAT))


def fetch_markets(conn: "Connection", d: GmxDeployment) -> tuple[int, list[MarketQuote], tuple[UnpricedMarket, ...]]:
    """Every market hedgefi can price, with funding and borrowing for a short and short capacity, and the
    markets it cannot price."""
    return read(conn, markets_reader(conn, d))


def _min_size_call(d: GmxDeployment) -> Call:
    return Call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [keys.name_key("MIN_POSITION_SIZE_USD")]))


def markets_reader(conn: "Connection", d: GmxDeployment
                   ) -> Reader[tuple[int, list[MarketQuote], tuple[UnpricedMarket, ...]]]:
    """``fetch_markets`` as a reader: the snapshot, then every market's Reader and DataStore values."""
    snap = yield from snapshot_reader(conn, d, [_min_size_call(d)])
    r = yield _market_calls(d, snap)
    return snap.block, _market_quotes(snap, r, snap.extra[0]), snap.unpriced


PER_MARKET = 17


def _market_calls(d: GmxDeployment, snap: Snapshot) -> list[Call]:
    reader = reader_codec(d)
    calls: list[Call] = []
    for m in snap.markets:
        calls += [
            Call(d.reader, reader.encode("getMarketInfo", d.data_store, snap.market_prices(m), m.key)),
            *[Call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [k])) for k in (
                keys.open_interest_key(m.key, m.long_token, True), keys.open_interest_key(m.key, m.short_token, True),
                keys.open_interest_key(m.key, m.long_token, False), keys.open_interest_key(m.key, m.short_token, False),
                keys.pool_amount_key(m.key, m.short_token), keys.reserve_factor_key(m.key, False),
                keys.open_interest_reserve_factor_key(m.key, False), keys.max_open_interest_key(m.key, False),
                keys.min_collateral_factor_key(m.key), keys.position_fee_factor_key(m.key, False))],
            Call(d.data_store, encode_call("getBool(bytes32)", ["bytes32"], [keys.is_market_disabled_key(m.key)])),
            # the funding balance: OI in tokens when USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE (mainnet: true)
            *[Call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [keys._param_key(
                "OPEN_INTEREST_IN_TOKENS", ["address", "address", "bool"], [m.key, t, side])]))
              for side in (True, False) for t in (m.long_token, m.short_token)],
            Call(d.data_store, encode_call("getBool(bytes32)", ["bytes32"],
                                           [keys.name_key("USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE")])),
        ]
    return calls


@money
def _market_quotes(snap: Snapshot, r: list[CallResult], min_size: CallResult) -> list[MarketQuote]:
    reader = codec_for(snap.release, "Reader")
    min_size_usd = _usd(_uint(min_size))
    quotes = []
    for i, m in enumerate(snap.markets):
        rs = r[i * PER_MARKET:(i + 1) * PER_MARKET]
        if not rs[0].ok:
            continue
        info = reader.decode_output("getMarketInfo", rs[0].data)
        divisor = 2 if m.long_token.lower() == m.short_token.lower() else 1
        long_oi = (_uint(rs[1]) + _uint(rs[2])) // divisor
        short_oi = (_uint(rs[3]) + _uint(rs[4])) // divisor
        pool_usd = _uint(rs[5]) // divisor * snap.prices_e30[m.short_token.lower()]
        by_reserve = pool_usd * _uint(rs[6]) // FLOAT - short_oi
        by_oi_reserve = pool_usd * _uint(rs[7]) // FLOAT - short_oi
        by_max_oi = _uint(rs[8]) - short_oi
        available = max(0, min(by_reserve, by_oi_reserve, by_max_oi))
        min_coll = _uint(rs[9])
        fee_rate = _usd(_uint(rs[10]))
        disabled = bool(decode(["bool"], rs[11].data)[0]) if rs[11].ok else False
        nf = info["nextFunding"]
        f = int(nf["fundingFactorPerSecond"])
        long_bal, short_bal = long_oi, short_oi
        if rs[16].ok and bool(decode(["bool"], rs[16].data)[0]):   # balance in tokens (x price: it cancels)
            long_bal, short_bal = _uint(rs[12]) + _uint(rs[13]), _uint(rs[14]) + _uint(rs[15])
        if nf["longsPayShorts"]:
            # shorts receive: f x longOI / shortOI per second (an income: negative cost)
            funding = -_usd(f * SECONDS_PER_YEAR) * (Decimal(long_bal) / Decimal(short_bal)) if short_bal else Decimal(0)
        else:
            funding = _usd(f * SECONDS_PER_YEAR)
        borrowing = _usd(int(info["borrowingFactorPerSecondForShorts"]) * SECONDS_PER_YEAR)
        funding, borrowing = funding.quantize(APR_Q), borrowing.quantize(APR_Q)
        quotes.append(MarketQuote(
            venue="gmx", market=to_checksum(m.key), asset=m.asset, asset_class="crypto",
            price=human_price(snap.prices_e30[m.index_token.lower()], m.index_decimals),
            short_funding_apr=funding, short_borrowing_apr=borrowing,
            long_oi_usd=_usd(long_oi), short_oi_usd=_usd(short_oi),
            available_short_liquidity_usd=_usd(available),
            max_leverage=CONTEXT.divide(Decimal(FLOAT), Decimal(min_coll)).quantize(RATIO_Q) if min_coll else Decimal(0),
            open=not (disabled or bool(info["isDisabled"])),
            position_fee_rate=fee_rate, min_size_usd=min_size_usd,
            trading="paused" if disabled or bool(info["isDisabled"]) else "open",
            index_token=to_checksum(m.index_token), long_token=to_checksum(m.long_token),
            short_token=to_checksum(m.short_token), price_stale=snap.market_stale(m), market_name=snap.market_name(m),
            collateral_symbols=tuple(dict.fromkeys(snap.tokens[t.lower()].symbol.upper()
                                                   for t in (m.long_token, m.short_token))),
        ))
    return quotes


def fetch_positions(conn: "Connection", d: GmxDeployment, account: str
                    ) -> tuple[int, list[PositionView], list[PendingOrderView], list[str]]:
    """The account's GMX positions (with fees, PnL and liquidation price) and pending orders, and a warning
    line per position in a market hedgefi cannot price (left out of the positions)."""
    return read(conn, positions_reader(conn, d, account))


def _positions_extra(d: GmxDeployment, account: str) -> list[Call]:
    """Round trip 1's part of a positions read: the orders, MIN_COLLATERAL_USD and the raw positions
    (``getAccountPositions`` needs no prices, so a position in a market hedgefi cannot price does not make
    the read revert, as ``getAccountPositionInfoList`` does with ``EmptyMarketPrice``)."""
    reader = reader_codec(d)
    return [Call(d.reader, reader.encode("getAccountOrders", d.data_store, account, 0, MAX_ITEMS)),
            Call(d.data_store, encode_call("getUint(bytes32)", ["bytes32"], [keys.name_key("MIN_COLLATERAL_USD")])),
            Call(d.reader, reader.encode("getAccountPositions", d.data_store, account, 0, MAX_ITEMS))]


@dataclass(frozen=True, slots=True)
class RawPositions:
    """What round trip 2 reads for the account: ``priced`` (position key, market) is every position the
    account could hold in a market hedgefi prices (each collateral token, each side), each a ``getPositionInfo``
    that fails with ``EmptyPosition`` where there is none. So round trip 2 depends on the market list and
    prices only, never on what round trip 1 found: a dry-run by simulation can read it before the bundle is
    simulated (``sim.simulate``). Each ``warnings`` line names a position ``getAccountPositions`` lists in a
    market hedgefi cannot value (its market token and what is missing)."""

    priced: tuple[tuple[bytes, GmxMarket], ...]
    warnings: tuple[str, ...]


def raw_positions(snap: Snapshot, account: str, answer: CallResult) -> RawPositions:
    if not answer.ok:
        from hedgefi.venues.gmx.errors import decoder

        raise ChainError(f"GMX Reader could not list positions: {decoder().decode(answer.data)}")
    reader = codec_for(snap.release, "Reader")
    by_key = {m.key.lower(): m for m in snap.markets}
    unpriced = {u.key.lower(): u for u in snap.unpriced}
    priced = [(keys.position_key(account, m.key, token, is_long), m) for m in snap.markets
              for token in dict.fromkeys((m.long_token.lower(), m.short_token.lower())) for is_long in (True, False)]
    warnings = []
    for p in reader.decode_output("getAccountPositions", answer.data):
        a, n = p["addresses"], p["numbers"]
        market, is_long = a["market"].lower(), bool(p["flags"]["isLong"])
        if market in by_key:
            continue
        u = unpriced.get(market)
        why = u.note if u else "not priced: the market is not in GMX's market list"
        warnings.append(f"GMX {'long' if is_long else 'short'} of ${fmt(_usd(int(n['sizeInUsd'])))} in market "
                        f"{to_checksum(a['market'])} left out: {why}")
    return RawPositions(tuple(priced), tuple(warnings))


def positions_reader(conn: "Connection", d: GmxDeployment, account: str
                     ) -> Reader[tuple[int, list[PositionView], list[PendingOrderView], list[str]]]:
    """``fetch_positions`` as a reader: the snapshot with the orders, then the positions at its prices."""
    snap = yield from snapshot_reader(conn, d, _positions_extra(d, account))
    raw = raw_positions(snap, account, snap.extra[2])
    r = yield _position_calls(d, snap, raw)
    views, pending = _positions(snap, snap.extra, raw, r)
    return snap.block, views, pending, list(raw.warnings)


def state_reader(conn: "Connection", d: GmxDeployment, account: str
                 ) -> Reader[tuple[Snapshot, list[MarketQuote], list[PositionView], list[PendingOrderView], list[str]]]:
    """Markets and the account's positions off one snapshot, in two stages (what a hedge plan reads); the
    snapshot comes first (its block, and what a plan of orders at that block needs)."""
    snap = yield from snapshot_reader(conn, d, [_min_size_call(d), *_positions_extra(d, account)])
    raw = raw_positions(snap, account, snap.extra[3])
    market_calls = _market_calls(d, snap)
    r = yield market_calls + _position_calls(d, snap, raw)
    quotes = _market_quotes(snap, r[:len(market_calls)], snap.extra[0])
    views, pending = _positions(snap, snap.extra[1:], raw, r[len(market_calls):])
    return snap, quotes, views, pending, list(raw.warnings)


def _position_calls(d: GmxDeployment, snap: Snapshot, raw: RawPositions) -> list[Call]:
    """Per priced position ``getPositionInfo`` as a full close now (what ``getAccountPositionInfoList`` asks:
    size delta 0 with ``usePositionSizeAsSizeDeltaUsd``), then the liquidation keys of every market."""
    reader = reader_codec(d)
    calls = [Call(d.reader, reader.encode("getPositionInfo", d.data_store, d.referral_storage, key,
                                          snap.market_prices(m), 0, ZERO, True)) for key, m in raw.priced]
    calls += [c for m in snap.markets for c in liquidation.market_calls(d.data_store, m.key)]
    return calls


@money
def _positions(snap: Snapshot, extra: list[CallResult], raw: RawPositions, r: list[CallResult]
               ) -> tuple[list[PositionView], list[PendingOrderView]]:
    """Decode the pending orders (``extra``: orders, MIN_COLLATERAL_USD) and the priced positions (``r``: one
    ``getPositionInfo`` per ``raw.priced``, then the markets' liquidation keys)."""
    reader = codec_for(snap.release, "Reader")
    by_key = {m.key.lower(): m for m in snap.markets}
    pending = []
    if extra[0].ok:
        for o in reader.decode_output("getAccountOrders", extra[0].data):
            n, a = o["order"]["numbers"], o["order"]["addresses"]
            m = by_key.get(a["market"].lower())
            pending.append(PendingOrderView(
                venue="gmx", key="0x" + bytes(o["orderKey"]).hex(), type=OrderType(n["orderType"]).name,
                asset=m.asset if m else a["market"], size_delta_usd=_usd(n["sizeDeltaUsd"]),
                created_at=int(n["updatedAtTime"]), market=to_checksum(a["market"]),
                trigger_price=human_price(n["triggerPrice"], m.index_decimals) if m and n["triggerPrice"] else None,
                frozen=bool(o["order"]["flags"]["isFrozen"])))
    min_collateral_usd = _uint(extra[1])
    n = len(raw.priced)
    infos = []
    for res in r[:n]:
        if not res.ok:
            from hedgefi.venues.gmx.errors import decoder

            why = decoder().decode(res.data)
            if why.name == "EmptyPosition":
                continue     # no position under this key (or it closed since round trip 1)
            raise ChainError(f"GMX Reader could not read a position: {why}")
        info = reader.decode_output("getPositionInfo", res.data)
        if int(info["position"]["addresses"]["account"], 16) == 0 or not int(info["position"]["numbers"]["sizeInUsd"]):
            continue         # a Reader that answers an empty position with zeros instead of EmptyPosition
        infos.append(info)
    min_factor = liquidation.market_params([m.key for m in snap.markets], r[n:], min_collateral_usd)
    views = [_position_view(info, snap, by_key, min_factor, min_collateral_usd) for info in infos]
    return views, pending


def _position_view(info: dict[str, Any], snap: Snapshot, by_key: dict[str, GmxMarket],
                   min_factor: dict[str, liquidation.LiquidationParams], min_collateral_usd: int) -> PositionView:
    p = info["position"]
    a, n = p["addresses"], p["numbers"]
    m = by_key[a["market"].lower()]
    is_long = bool(p["flags"]["isLong"])
    coll = snap.tokens[a["collateralToken"].lower()]
    fees = info["fees"]
    cp_min = int(fees["collateralTokenPrice"]["min"]) or snap.prices_e30[a["collateralToken"].lower()]
    size_usd, size_tokens_raw, coll_raw = int(n["sizeInUsd"]), int(n["sizeInTokens"]), int(n["collateralAmount"])
    mark = int(info["executionPriceResult"]["executionPrice"])
    funding_usd = int(fees["funding"]["fundingFeeAmount"]) * cp_min
    borrowing_usd = int(fees["borrowing"]["borrowingFeeUsd"])
    worth = _position_worth(info, snap, m, cp_min, funding_usd)   # claimables each at its own token's price
    coll_is_index = a["collateralToken"].lower() == m.index_token.lower()
    index_e30 = snap.prices_e30[m.index_token.lower()]
    liq_inputs = liquidation.inputs_from_position_info(info, cp_min, coll_is_index, index_e30, index_e30)
    liq_e30 = liquidation.liquidation_price_e30(liq_inputs, min_factor[m.key.lower()])
    mark_h = human_price(mark, m.index_decimals)
    liq_h = human_price(liq_e30, m.index_decimals).quantize(PRICE_Q) if liq_e30 else None
    entry = (CONTEXT.divide(Decimal(size_usd) * Decimal(10) ** m.index_decimals, Decimal(size_tokens_raw) * FLOAT)
             .quantize(PRICE_Q)) if size_tokens_raw else Decimal(0)
    distance = CONTEXT.divide(abs(liq_h - mark_h), mark_h).quantize(RATIO_Q) if liq_h is not None and mark_h else None
    return PositionView(
        venue="gmx", market=to_checksum(m.key), asset=m.asset, side="long" if is_long else "short",
        size_usd=_usd(size_usd), size_tokens=CONTEXT.divide(Decimal(size_tokens_raw), Decimal(10) ** m.index_decimals),
        collateral_token=coll.symbol, collateral_amount=CONTEXT.divide(Decimal(coll_raw), Decimal(10) ** coll.decimals),
        entry_price=entry, mark_price=mark_h, pnl_usd=_usd(int(info["basePnlUsd"])),
        funding_fee_usd=_usd(funding_usd - worth[3]), borrowing_fee_usd=_usd(borrowing_usd),
        liquidation_price=liq_h, liquidation_distance=distance,
        key="0x" + bytes(info["positionKey"]).hex(), collateral_token_address=a["collateralToken"], size_usd_e30=size_usd,
        collateral_value_usd=_usd(coll_raw * cp_min),
        price_stale=snap.market_stale(m), net_pnl_usd=_usd(worth[0]), close_value_usd=_usd(worth[1]),
        closing_fee_usd=_usd(worth[2]), claimable_funding_usd=_usd(worth[3]),
        size_tokens_raw=size_tokens_raw, pending_impact_amount_raw=int(n["pendingImpactAmount"]),
        margin=liquidation.GmxMargin(liq_inputs, min_factor[m.key.lower()], m.index_decimals, coll.decimals),
    )


def _position_worth(info: dict[str, Any], snap: Snapshot, m: GmxMarket, cp_min: int, funding_usd: int
                    ) -> tuple[int, int, int, int]:
    """(net PnL, close value, closing fee, claimable funding), 1e30 USD, from a ``PositionInfo`` read with the
    position's size as the size delta (``getAccountPositionInfoList`` does): net PnL = PnL after price impact -
    pending borrowing - funding owed; close value = collateral + PnL after impact - every cost of a full close
    (``totalCostAmount``: borrowing, funding, the closing position fee, net of discounts), at the collateral's
    min price, floored at 0; claimable funding priced per its own token (long token / short token)."""
    fees = info["fees"]
    coll_raw = int(info["position"]["numbers"]["collateralAmount"])
    pnl = int(info["pnlAfterPriceImpactUsd"])
    borrowing = int(fees["borrowing"]["borrowingFeeUsd"])
    closing = max(0, int(fees["positionFeeAmount"]) - int(fees["totalDiscountAmount"])) * cp_min
    close_value = max(0, coll_raw * cp_min + pnl - int(fees["totalCostAmount"]) * cp_min)
    claimable = (int(fees["funding"]["claimableLongTokenAmount"]) * snap.prices_e30.get(m.long_token.lower(), 0)
                 + int(fees["funding"]["claimableShortTokenAmount"]) * snap.prices_e30.get(m.short_token.lower(), 0))
    return pnl - borrowing - funding_usd, close_value, closing, claimable


__all__ = ["TokenMeta", "GmxMarket", "UnpricedMarket", "RawPositions", "raw_positions", "Snapshot", "fetch_snapshot", "fetch_markets", "fetch_positions", "human_price",
           "snapshot_reader", "markets_reader", "positions_reader", "state_reader"]
