"""gTrade reads: markets and positions in two batched stages each (reference §6).

Each read is a ``chain.readplan`` reader (``markets_reader``, ``positions_reader``, ``state_reader`` for
both off one snapshot) that a command runs beside the other venues' and the holdings, one HTTP request
per stage; ``fetch_markets`` / ``fetch_positions`` run one alone.

Markets. Round trip 1: the USD feeds of the pairs hedgefi trades, the USDC collateral index, the
trading state and the block time (Multicall3), with any L2 sequencer feed: a pair whose feed is older
than its heartbeat is marked ``price_stale`` (``hedgefi.chain.freshness``). Round trip 2, per pair: ``pairs(i)`` (checked against
the expected asset), leverage and size limits, v10 token OI, pre-v10 OI, the max-OI and skew caps,
the current funding rate, funding and borrowing parameters, the position fee. Positions. 1: ``getTrades``,
``getPendingOrders``, collaterals, feeds and each pair's liquidation parameters; 2: the USD price of
each collateral in use (``getCollateralPriceUsd``: collateral is never assumed to be $1), per trade its pending
holding fees, its own liquidation parameters and its liquidation price computed with its pair's. A trade
whose stored parameters differ from its pair's (they are fixed when it opens) gets its price read again
with its own in a third stage; on the devnet replica and for trades opened since the pair's last change,
never.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.blocks import block_number_calls, block_number_from
from hedgefi.chain.freshness import context_calls, decode_round, note_feed, read_context, round_calls
from hedgefi.chain.multicall import Call, CallResult
from hedgefi.chain.readplan import Reader, both, read
from hedgefi.core.errors import ChainError
from hedgefi.core.units import CONTEXT, from_raw, money
from hedgefi.venues.base import MarketQuote, PendingOrderView, PositionView, TradingState
from hedgefi.venues.gtrade.constants import (BORROWING_RATE_SCALE, COLLATERAL_PRICE_DECIMALS, FUNDING_RATE_SCALE,
                                             GROUP_CLASS, LEVERAGE_SCALE, PERCENT_E10, PRICE_DECIMALS, SECONDS_PER_YEAR,
                                             USD_E18, PendingOrderType, codec)
from hedgefi.venues.gtrade import value
from hedgefi.venues.gtrade.deployment import GtradeDeployment
from hedgefi.venues.gtrade.margin import GtradeMargin
from hedgefi.venues.gtrade.schedule import describe, is_open_at

if TYPE_CHECKING:
    from hedgefi.chain.rpc import Connection

APR_Q = Decimal("0.0000000001")
PRICE_Q = Decimal("0.00000001")
RATIO_Q = Decimal("0.000001")
GET_TIMESTAMP = "getCurrentBlockTimestamp()"
TRADING_STATES: dict[int, TradingState] = {0: "open", 1: "close-only", 2: "paused"}   # the diamond's TradingState


ORDER_TYPE_NAMES = {PendingOrderType.MARKET_OPEN: "MarketOpen", PendingOrderType.MARKET_CLOSE: "MarketClose",
                    PendingOrderType.MARKET_PARTIAL_OPEN: "MarketPartialOpen",
                    PendingOrderType.MARKET_PARTIAL_CLOSE: "MarketPartialClose",
                    PendingOrderType.UPDATE_LEVERAGE: "UpdateLeverage"}


@dataclass(frozen=True, slots=True)
class PairInfo:
    asset: str
    index: int
    asset_class: str
    price_e10: int
    max_leverage_e3: int
    min_leverage_e3: int
    min_size_usd: Decimal
    spread_p_e10: int
    fee_p_e10: int                      # pairTotalPositionSizeFeeP: opening (and closing) fee, 1e10 % of size
    collateral_usd: Decimal = Decimal(1)    # USD per collateral token (getCollateralPriceUsd, 1e8), at this read


@dataclass
class Snapshot:
    block_time: int
    trading_state: int
    collateral_index: int
    prices_e10: dict[str, int]                 # asset -> 1e10 USD price
    stale_assets: frozenset[str] = frozenset()     # assets whose feed is stale (all of them: sequencer down)
    block: int = 0                             # the (L2) block the snapshot was read at (``chain.blocks``)


def _feed_calls(conn: "Connection", d: GtradeDeployment) -> tuple[list[tuple[str, str]], list[Call]]:
    assets: list[tuple[str, str]] = []
    calls: list[Call] = []
    for asset, _ in d.pairs:
        feed = conn.profile.feed_for_asset(asset)
        if feed is None:
            continue
        assets.append((asset, feed))
        calls += round_calls(feed)
    return assets, calls


def _prices(conn: "Connection", assets: list[tuple[str, str]], results: list[CallResult],
            block_time: int | None) -> tuple[dict[str, int], frozenset[str]]:
    """1e10 prices per asset, and the assets whose feed is not fresh (each round recorded on ``conn``)."""
    out: dict[str, int] = {}
    stale = set()
    for i, (asset, feed) in enumerate(assets):
        rd, dec = results[2 * i], results[2 * i + 1]
        rnd = decode_round(rd)
        if rnd is None or not dec.ok:
            continue
        answer = rnd[0]
        shift = PRICE_DECIMALS - int(decode(["uint8"], dec.data)[0])
        if answer > 0:
            out[asset] = answer * 10**shift if shift >= 0 else answer // 10**-shift
            note_feed(conn, feed, rnd[1], block_time)
            if not conn.prices.usable(feed):
                stale.add(asset)
    return out, frozenset(stale)


def fetch_snapshot(conn: "Connection", d: GtradeDeployment, extra: list[Call] | None = None
                   ) -> tuple[Snapshot, list[CallResult]]:
    """Round trip 1 (plus ``extra`` calls riding along, whose results are returned)."""
    return read(conn, snapshot_reader(conn, d, extra))


def snapshot_reader(conn: "Connection", d: GtradeDeployment, extra: list[Call] | None = None
                    ) -> Reader[tuple[Snapshot, list[CallResult]]]:
    """``fetch_snapshot`` as a one-stage reader."""
    c = codec()
    assets, feed_calls = _feed_calls(conn, d)
    head = [Call(d.diamond, c.encode("getCollateralIndex", d.usdc)), Call(d.diamond, c.encode("getTradingActivated")),
            Call(conn.profile.multicall3, encode_call(GET_TIMESTAMP))]
    extra = extra or []
    ctx = context_calls(conn.profile)
    blocks = block_number_calls(conn)
    r = yield head + feed_calls + ctx + blocks + extra
    if not (r[0].ok and r[1].ok and r[2].ok):
        raise ChainError(f"the gTrade diamond {d.diamond} did not answer; is gTrade deployed on this chain?")
    n_ctx = 3 + len(feed_calls)
    n_blocks = n_ctx + len(ctx)
    prices, stale = _prices(conn, assets, r[3:n_ctx], read_context(conn, r[n_ctx:n_blocks]))
    snap = Snapshot(int(decode(["uint256"], r[2].data)[0]), int(c.decode_output("getTradingActivated", r[1].data)),
                    int(c.decode_output("getCollateralIndex", r[0].data)), prices, stale,
                    block_number_from(r[n_blocks:n_blocks + len(blocks)]))
    if snap.collateral_index == 0:
        raise ChainError("the gTrade diamond does not list USDC as collateral")
    return snap, r[n_blocks + len(blocks):]


def _pair_calls(d: GtradeDeployment, snap: Snapshot, asset: str, i: int) -> list[Call]:
    c, ci, dia = codec(), snap.collateral_index, d.diamond
    return [Call(dia, c.encode("pairs", i)), Call(dia, c.encode("pairMaxLeverage", i)),
            Call(dia, c.encode("pairMinLeverage", i)), Call(dia, c.encode("pairMinPositionSizeUsd", i)),
            Call(dia, c.encode("getPairOiAfterV10Token", ci, i)), Call(dia, c.encode("getPairOisBeforeV10Collateral", ci, i)),
            Call(dia, c.encode("getPairMaxOiCollateral", ci, i)), Call(dia, c.encode("getMaxSkewCollateral", ci, i)),
            Call(dia, c.encode("getPairPendingAccFundingFees", ci, i, snap.prices_e10[asset])),
            Call(dia, c.encode("getPairFundingFeeParams", [ci], [i])),
            Call(dia, c.encode("getPairBorrowingFeeParams", [ci], [i])),
            Call(dia, c.encode("pairTotalPositionSizeFeeP", i))]


N_PAIR_CALLS = 12


@money
def short_funding_apr(rate_e18: int, oi_long_token: int, oi_short_token: int, apr_multiplier: bool) -> Decimal:
    """The yearly funding of a short as a fraction of notional; positive = the short pays (reference §6.3).

    gTrade's rate sign: positive -> longs pay and shorts earn; negative -> shorts pay. With the APR
    multiplier the earning side receives min(OI other / OI same, 100) times the rate.
    """
    r = CONTEXT.divide(Decimal(rate_e18), Decimal(FUNDING_RATE_SCALE))            # percent per second
    yearly = CONTEXT.divide(r * SECONDS_PER_YEAR, Decimal(100))
    if rate_e18 <= 0:
        return -yearly
    m = Decimal(1)
    if apr_multiplier and oi_short_token > 0:
        m = min(CONTEXT.divide(Decimal(oi_long_token), Decimal(oi_short_token)), Decimal(100))
    return -yearly * m


@money
def borrowing_apr(rate_e10: int) -> Decimal:
    return CONTEXT.divide(Decimal(rate_e10) * SECONDS_PER_YEAR, Decimal(BORROWING_RATE_SCALE) * 100)


MarketsRead = tuple[int, list[MarketQuote], dict[str, PairInfo]]


def fetch_markets(conn: "Connection", d: GtradeDeployment) -> MarketsRead:
    return read(conn, markets_reader(conn, d))


def markets_reader(conn: "Connection", d: GtradeDeployment) -> Reader[MarketsRead]:
    """``fetch_markets`` as a reader: the snapshot, then every pair's data."""
    snap, _ = yield from snapshot_reader(conn, d)
    return (yield from _markets_stage(conn, d, snap))


def _markets_stage(conn: "Connection", d: GtradeDeployment, snap: Snapshot) -> Reader[MarketsRead]:
    c = codec()
    ci = snap.collateral_index
    wanted = [(a, i) for a, i in d.pairs if a in snap.prices_e10]
    calls = [Call(d.diamond, c.encode("getCollateral", ci)), Call(d.diamond, c.encode("getCollateralPriceUsd", ci))]
    for asset, i in wanted:
        calls += _pair_calls(d, snap, asset, i)
    r = yield calls
    return _market_quotes(snap, wanted, r)


@money
def _market_quotes(snap: Snapshot, wanted: list[tuple[str, int]], r: list[CallResult]) -> MarketsRead:
    c = codec()
    if not (r[0].ok and r[1].ok):
        raise ChainError("the gTrade diamond did not return its USDC collateral")
    coll = c.decode_output("getCollateral", r[0].data)
    pd = int(coll["precisionDelta"])
    coll_usd = CONTEXT.divide(Decimal(c.decode_output("getCollateralPriceUsd", r[1].data)), Decimal(10**8))
    precision = Decimal(int(coll["precision"]))
    block = snap.block
    now = datetime.fromtimestamp(snap.block_time, timezone.utc)
    quotes, infos = [], {}
    for n, (asset, i) in enumerate(wanted):
        rr = r[2 + n * N_PAIR_CALLS: 2 + (n + 1) * N_PAIR_CALLS]
        if not all(x.ok for x in rr):
            continue
        pair = c.decode_output("pairs", rr[0].data)
        if str(pair["from"]).upper() != asset.upper() or str(pair["to"]).upper() != "USD":
            continue  # the pinned index no longer is this pair: never trade it
        price = snap.prices_e10[asset]
        max_lev, min_lev = c.decode_output("pairMaxLeverage", rr[1].data), c.decode_output("pairMinLeverage", rr[2].data)
        min_size = CONTEXT.divide(Decimal(c.decode_output("pairMinPositionSizeUsd", rr[3].data)), Decimal(USD_E18))
        oi_tok = c.decode_output("getPairOiAfterV10Token", rr[4].data)
        before_long, before_short = c.decode_output("getPairOisBeforeV10Collateral", rr[5].data)
        max_oi = int(c.decode_output("getPairMaxOiCollateral", rr[6].data))
        max_skew = int(c.decode_output("getMaxSkewCollateral", rr[7].data))
        _, _, rate = c.decode_output("getPairPendingAccFundingFees", rr[8].data)
        fparams = c.decode_output("getPairFundingFeeParams", rr[9].data)[0]
        bparams = c.decode_output("getPairBorrowingFeeParams", rr[10].data)[0]
        fee_p = int(c.decode_output("pairTotalPositionSizeFeeP", rr[11].data))      # 1e10 %, open and close
        long_tok, short_tok = int(oi_tok["oiLongToken"]), int(oi_tok["oiShortToken"])
        long_coll = int(before_long) + long_tok * price // 10**PRICE_DECIMALS // pd
        short_coll = int(before_short) + short_tok * price // 10**PRICE_DECIMALS // pd
        room = max(0, max_oi - short_coll)
        if max_skew:
            skew_e10 = (long_tok - short_tok) * price // 10**18
            room = min(room, max(0, skew_e10 + max_skew) * 10**8 // pd)

        def usd(raw: int) -> Decimal:
            return (CONTEXT.divide(Decimal(raw), precision) * coll_usd).quantize(Decimal("0.01"))

        klass = GROUP_CLASS.get(int(pair["groupIndex"]), "crypto")
        funding = short_funding_apr(int(rate), long_tok, short_tok, bool(fparams["aprMultiplierEnabled"])) \
            if fparams["fundingFeesEnabled"] else Decimal(0)
        hours_open = is_open_at(klass, now)
        quotes.append(MarketQuote(
            venue="gtrade", market=f"{asset}/USD", asset=asset, asset_class=klass,
            price=from_raw(price, PRICE_DECIMALS), short_funding_apr=funding.quantize(APR_Q),
            short_borrowing_apr=borrowing_apr(int(bparams["borrowingRatePerSecondP"])).quantize(APR_Q),
            long_oi_usd=usd(long_coll), short_oi_usd=usd(short_coll), available_short_liquidity_usd=usd(room),
            max_leverage=CONTEXT.divide(Decimal(max_lev), Decimal(LEVERAGE_SCALE)),
            open=snap.trading_state == 0 and hours_open,
            position_fee_rate=CONTEXT.divide(Decimal(fee_p), Decimal(100 * PERCENT_E10)), min_size_usd=min_size,
            min_fee_basis_usd=min_size,
            min_leverage=CONTEXT.divide(Decimal(min_lev), Decimal(LEVERAGE_SCALE)),
            # CLOSE_ONLY (1) still takes decreases and closes, within market hours
            trading=TRADING_STATES.get(snap.trading_state, "paused"), hours_open=hours_open,
            hours=describe(klass, now), pair_index=i, price_stale=asset in snap.stale_assets))
        infos[asset.upper()] = PairInfo(asset, i, klass, price, int(max_lev), int(min_lev), min_size,
                                        int(pair["spreadP"]), fee_p, coll_usd)
    return block, quotes, infos


def _trade_size_raw(t: dict[str, Any]) -> int:
    return int(t["collateralAmount"]) * int(t["leverage"]) // LEVERAGE_SCALE


def _pending_size_raw(o: dict[str, Any], trade: dict[str, Any] | None) -> tuple[int, int]:
    """(size change in collateral units, collateral index) of a pending market order, as v10 stores it:
    an open carries the whole trade; a close only names the trade (its size is the trade's); an increase
    or decrease carries (collateral delta, leverage delta) with exactly the meaning v10 gives them."""
    t = o["trade"]
    kind = int(o["orderType"])
    coll, lev = int(t["collateralAmount"]), int(t["leverage"])
    ci = int(trade["collateralIndex"]) if trade is not None else int(t["collateralIndex"])
    if kind == PendingOrderType.MARKET_OPEN:
        return coll * lev // LEVERAGE_SCALE, ci
    if trade is None:
        return 0, ci
    if kind == PendingOrderType.MARKET_CLOSE:
        return _trade_size_raw(trade), ci
    if kind == PendingOrderType.MARKET_PARTIAL_OPEN:
        base = coll if coll else int(trade["collateralAmount"])
        return base * lev // LEVERAGE_SCALE, ci
    if kind == PendingOrderType.MARKET_PARTIAL_CLOSE:
        if coll:                                   # collateral delta, at the trade's leverage
            return coll * int(trade["leverage"]) // LEVERAGE_SCALE, ci
        return int(trade["collateralAmount"]) * lev // LEVERAGE_SCALE, ci
    return 0, ci


PositionsRead = tuple[int, list[PositionView], list[PendingOrderView], list[dict[str, Any]]]
LIQ_FIELDS = ("maxLiqSpreadP", "startLiqThresholdP", "endLiqThresholdP", "startLeverage", "endLeverage")
NO_LIQ_PARAMS: dict[str, int] = {k: 0 for k in LIQ_FIELDS}


def fetch_positions(conn: "Connection", d: GtradeDeployment, account: str) -> PositionsRead:
    """(block, positions, pending orders, raw trades) for ``account``."""
    return read(conn, positions_reader(conn, d, account))


def positions_reader(conn: "Connection", d: GtradeDeployment, account: str) -> Reader[PositionsRead]:
    """``fetch_positions`` as a reader: the snapshot with the account's trades, then their fees and prices."""
    snap, extra = yield from snapshot_reader(conn, d, _positions_extra(conn, d, account))
    return (yield from _positions_stage(conn, d, account, snap, extra))


def state_reader(conn: "Connection", d: GtradeDeployment, account: str
                 ) -> Reader[tuple[MarketsRead, PositionsRead]]:
    """Markets and the account's positions off one snapshot, in two stages (what a hedge plan reads)."""
    snap, extra = yield from snapshot_reader(conn, d, _positions_extra(conn, d, account))
    return (yield from both(_markets_stage(conn, d, snap), _positions_stage(conn, d, account, snap, extra)))


def _positions_extra(conn: "Connection", d: GtradeDeployment, account: str) -> list[Call]:
    c, dia = codec(), d.diamond
    return [Call(dia, c.encode("getTrades", account)), Call(dia, c.encode("getPendingOrders", account)),
            Call(dia, c.encode("getCollaterals")), Call(dia, c.encode("getTradeInfos", account)),
            Call(dia, c.encode("getMarketOrdersTimeoutBlocks")),
            *[Call(dia, c.encode("getPairLiquidationParams", i)) for _, i in d.pairs]]


def _liq_params(r: CallResult, name: str) -> dict[str, int]:
    if not r.ok:
        return dict(NO_LIQ_PARAMS)
    decoded = codec().decode_output(name, r.data)
    return {k: int(decoded[k]) for k in LIQ_FIELDS}


def _positions_stage(conn: "Connection", d: GtradeDeployment, account: str, snap: Snapshot,
                     extra: list[CallResult]) -> Reader[PositionsRead]:
    """After the snapshot: one stage for the price of each collateral in use (pending orders are sized in
    collateral units: their USD is at that price) and the trades' fees and liquidation prices (a second
    only for a trade whose own liquidation parameters differ from its pair's)."""
    c = codec()
    dia = d.diamond
    if not all(x.ok for x in extra[:5]):
        raise ChainError("the gTrade diamond did not return this account's trades")
    trades = [t for t in c.decode_output("getTrades", extra[0].data) if t["isOpen"] and t["tradeType"] == 0]
    orders = [o for o in c.decode_output("getPendingOrders", extra[1].data) if o["isOpen"]]
    collats = c.decode_output("getCollaterals", extra[2].data)
    timeout_blocks = int(c.decode_output("getMarketOrdersTimeoutBlocks", extra[4].data))
    n_pairs = len(d.pairs)
    pair_params = {int(i): _liq_params(r, "getPairLiquidationParams")
                   for (_, i), r in zip(d.pairs, extra[5:5 + n_pairs])}
    block = snap.block
    names = {int(p_i): a for a, p_i in d.pairs}
    priced = [t for t in trades if names.get(int(t["pairIndex"])) in snap.prices_e10]
    if not priced and not orders:
        return block, [], [], trades
    # each collateral in use valued at its own price (1e8 USD), read once in the next stage
    indices = sorted(({int(t["collateralIndex"]) for t in trades} | {int(o["trade"]["collateralIndex"]) for o in orders})
                     - {0})

    def liq_call(t: dict[str, Any], params: dict[str, int]) -> Call:
        return Call(dia, c.encode("getTradeLiquidationPrice", {
            "collateralIndex": t["collateralIndex"], "trader": account, "pairIndex": t["pairIndex"],
            "index": t["index"], "openPrice": t["openPrice"], "long": t["long"], "collateral": t["collateralAmount"],
            # 0: for an open trade v10 adds its own realised and pending holding fees (reference 6.7)
            "leverage": t["leverage"], "additionalFeeCollateral": 0, "liquidationParams": params,
            "currentPairPrice": snap.prices_e10[names[int(t["pairIndex"])]], "isCounterTrade": t["isCounterTrade"],
            "partialCloseMultiplier": 10**18, "beforeOpened": False}))

    guesses = [pair_params.get(int(t["pairIndex"]), NO_LIQ_PARAMS) for t in priced]
    calls = [Call(dia, c.encode("getCollateralPriceUsd", ci)) for ci in indices]
    for t, guess in zip(priced, guesses):
        price = snap.prices_e10[names[int(t["pairIndex"])]]
        calls += [Call(dia, c.encode("getTradePendingHoldingFeesCollateral", account, t["index"], price)),
                  Call(dia, c.encode("getTradeLiquidationParams", account, t["index"])),
                  liq_call(t, guess),
                  *_value_calls(dia, account, t)]
    r = yield calls
    coll_prices = {ci: int(c.decode_output("getCollateralPriceUsd", x.data)) for ci, x in zip(indices, r) if x.ok}
    missing = [ci for ci in indices if ci not in coll_prices]
    if missing:
        raise ChainError(f"the gTrade diamond did not return the price of collateral {missing[0]}")
    r = r[len(indices):]
    pending = _pending_views(orders, trades, collats, names, block, timeout_blocks, coll_prices)
    per_trade = len(r) // len(priced) if priced else 0
    fees, liq, again, worth, owns = [], [], [], [], []
    for n, t in enumerate(priced):
        h, lp, lq = r[per_trade * n: per_trade * n + 3]
        hold = c.decode_output("getTradePendingHoldingFeesCollateral", h.data) if h.ok else None
        coll_price = coll_prices[int(t["collateralIndex"])]
        fees.append((hold, coll_price))
        liq.append(lq)
        own = _liq_params(lp, "getTradeLiquidationParams")
        owns.append(own)
        worth.append(_trade_value(t, snap.prices_e10[names[int(t["pairIndex"])]], collats, hold, coll_price, own,
                                  r[per_trade * n + 3: per_trade * (n + 1)]))
        if own != guesses[n]:
            again.append((n, liq_call(t, own)))
    if again:
        redo = yield [call for _, call in again]
        for (n, _), result in zip(again, redo):
            liq[n] = result
    positions = []
    for n, t in enumerate(priced):
        hold, coll_price = fees[n]
        liq_e10 = int(c.decode_output("getTradeLiquidationPrice", liq[n].data)) if liq[n].ok else 0
        price = snap.prices_e10[names[int(t["pairIndex"])]]
        model = _margin_model(t, price, collats, hold, coll_price, owns[n],
                              r[per_trade * n + 3: per_trade * (n + 1)], liq_e10)
        positions.append(_position_view(t, names[int(t["pairIndex"])], snap.prices_e10, collats, conn, hold,
                                        coll_price, liq_e10, account,
                                        stale=names[int(t["pairIndex"])] in snap.stale_assets, worth=worth[n],
                                        margin=model))
    return block, positions, pending, trades


SKEW_IMPACT = "getTradeSkewPriceImpactP"


def _value_calls(dia: str, account: str, t: dict[str, Any]) -> list[Call]:
    """What a trade's value needs beyond its holding fees: its realised fees and PnL, and its pair's
    fee rate, minimum position size (the fee basis floor) and spread (a close's fixed spread); and, where the
    diamond's interface declares it, the skew price impact a full close would meet."""
    c, pair = codec(), int(t["pairIndex"])
    calls = [Call(dia, c.encode("getTradeFeesData", account, t["index"])),
             Call(dia, c.encode("pairTotalPositionSizeFeeP", pair)),
             Call(dia, c.encode("pairMinPositionSizeUsd", pair)), Call(dia, c.encode("pairs", pair)),
             Call(dia, c.encode("pairMinLeverage", pair))]
    if SKEW_IMPACT in c.functions:
        calls.append(Call(dia, c.encode(SKEW_IMPACT, t["collateralIndex"], pair, t["long"], t["positionSizeToken"],
                                        False)))
    return calls


def _trade_value(t: dict[str, Any], price_e10: int, collats: list[dict[str, Any]], hold: dict[str, Any] | None,
                 coll_price_e8: int, liq_params: dict[str, int], r: list[CallResult]) -> value.TradeValue | None:
    """The trade's uPnL, closing fee and close value (``venues.gtrade.value``), or None when a read failed."""
    if hold is None or not all(x.ok for x in r):
        return None
    c = codec()
    fd = c.decode_output("getTradeFeesData", r[0].data)
    ci = int(t["collateralIndex"])
    delta = int(collats[ci - 1]["precisionDelta"]) if 0 < ci <= len(collats) else 10**12
    min_coll = value.min_position_size_collateral(int(c.decode_output("pairMinPositionSizeUsd", r[2].data)),
                                                  coll_price_e8, delta)
    return value.trade_value(
        collateral=int(t["collateralAmount"]), leverage_e3=int(t["leverage"]), open_e10=int(t["openPrice"]),
        price_e10=price_e10, long=bool(t["long"]), holding_fees=int(hold["totalFeeCollateral"]),
        realized_pnl=int(fd["realizedPnlCollateral"]), realized_trading_fees=int(fd["realizedTradingFeesCollateral"]),
        fee_p_e10=int(c.decode_output("pairTotalPositionSizeFeeP", r[1].data)), min_size_collateral=min_coll,
        pair_spread_p_e10=int(c.decode_output("pairs", r[3].data)["spreadP"]), liq_params=liq_params,
        close_impact_p_e10=int(c.decode_output(SKEW_IMPACT, r[5].data)) if len(r) > 5 else 0)


def _margin_model(t: dict[str, Any], price_e10: int, collats: list[dict[str, Any]], hold: dict[str, Any] | None,
                  coll_price_e8: int, liq_params: dict[str, int], r: list[CallResult], liq_e10: int
                  ) -> GtradeMargin | None:
    """The trade's ``GtradeMargin`` (from the same reads as its value), or None when a read failed or the
    model does not reproduce the diamond's own liquidation price."""
    if hold is None or not liq_e10 or not all(x.ok for x in r[:5]):
        return None
    c = codec()
    fd = c.decode_output("getTradeFeesData", r[0].data)
    ci = int(t["collateralIndex"])
    delta = int(collats[ci - 1]["precisionDelta"]) if 0 < ci <= len(collats) else 10**12
    model = GtradeMargin(
        open_e10=int(t["openPrice"]), long=bool(t["long"]), collateral_raw=int(t["collateralAmount"]),
        leverage_e3=int(t["leverage"]),
        holding_net_raw=int(hold["totalFeeCollateral"]) - (int(fd["realizedPnlCollateral"])
                                                           - int(fd["realizedTradingFeesCollateral"])),
        fee_p_e10=int(c.decode_output("pairTotalPositionSizeFeeP", r[1].data)),
        min_size_collateral_raw=value.min_position_size_collateral(
            int(c.decode_output("pairMinPositionSizeUsd", r[2].data)), coll_price_e8, delta),
        liq_params=liq_params, pair_spread_p_e10=int(c.decode_output("pairs", r[3].data)["spreadP"]),
        precision_delta=delta, price_e10=price_e10, collateral_decimals=_decimals(collats, ci),
        min_leverage_e3=max(100, int(c.decode_output("pairMinLeverage", r[4].data))))
    return model if model.matches(liq_e10) else None


@money
def _pending_views(orders: list[dict[str, Any]], trades: list[dict[str, Any]], collats: list[dict[str, Any]],
                   names: dict[int, str], block: int, timeout_blocks: int,
                   coll_prices_e8: dict[int, int]) -> list[PendingOrderView]:
    """Pending market orders; their size (collateral units in v10) valued at the collateral's price."""
    open_by_index = {int(t["index"]): t for t in trades}
    pending = []
    for o in orders:
        t = o["trade"]
        kind = ORDER_TYPE_NAMES.get(PendingOrderType(int(o["orderType"])), PendingOrderType(int(o["orderType"])).name) \
            if int(o["orderType"]) in PendingOrderType._value2member_map_ else str(o["orderType"])
        size_raw, ci = _pending_size_raw(o, open_by_index.get(int(t["index"])))
        dec = _decimals(collats, ci)
        if size_raw and ci not in coll_prices_e8:
            raise ChainError(f"no price for gTrade collateral {ci} (pending order {o['index']})")
        usd = from_raw(size_raw, dec) * CONTEXT.divide(Decimal(coll_prices_e8.get(ci, 0)),
                                                       Decimal(10**COLLATERAL_PRICE_DECIMALS))
        pending.append(PendingOrderView(
            venue="gtrade", key=f"{str(o['user']).lower()}:{o['index']}", type=kind,
            asset=names.get(int(t["pairIndex"]), f"pair {t['pairIndex']}"),
            size_delta_usd=usd.quantize(Decimal("0.000001")),
            created_at=int(o["createdBlock"]), market=f"{names.get(int(t['pairIndex']), t['pairIndex'])}/USD",
            expired=block >= int(o["createdBlock"]) + timeout_blocks))
    return pending


def _decimals(collats: list[dict[str, Any]], ci: int) -> int:
    precision = int(collats[ci - 1]["precision"]) if 0 < ci <= len(collats) else 10**6
    return len(str(precision)) - 1


@money
def _position_view(t: dict[str, Any], asset: str, prices: dict[str, int], collats: list[dict[str, Any]],
                   conn: "Connection", hold: dict[str, Any] | None, coll_price_e8: int, liq_e10: int,
                   account: str, *, stale: bool = False, worth: value.TradeValue | None = None,
                   margin: GtradeMargin | None = None) -> PositionView:
    ci = int(t["collateralIndex"])
    dec = _decimals(collats, ci)
    coll_addr = str(collats[ci - 1]["collateral"]) if 0 < ci <= len(collats) else ""
    symbol = next((tk.symbol for tk in conn.profile.tokens if tk.address.lower() == coll_addr.lower()), coll_addr)
    cusd = CONTEXT.divide(Decimal(coll_price_e8), Decimal(10**COLLATERAL_PRICE_DECIMALS))

    def usd(raw: int) -> Decimal:
        return (from_raw(raw, dec) * cusd).quantize(Decimal("0.000001"))

    entry, mark = from_raw(int(t["openPrice"]), PRICE_DECIMALS), from_raw(prices[asset], PRICE_DECIMALS)
    size_raw = _trade_size_raw(t)
    size_usd = usd(size_raw)
    long = bool(t["long"])
    move = (mark - entry) if long else (entry - mark)
    pnl = CONTEXT.divide(size_usd * move, entry) if entry else Decimal(0)
    pnl = max(pnl, -usd(int(t["collateralAmount"]))).quantize(Decimal("0.000001"))
    funding = usd(int(hold["fundingFeeCollateral"])) if hold else Decimal(0)
    borrowing = usd(int(hold["borrowingFeeCollateral"]) + int(hold["borrowingFeeCollateral_old"])) if hold else Decimal(0)
    liq_h = from_raw(liq_e10, PRICE_DECIMALS).quantize(PRICE_Q) if liq_e10 else None
    distance = CONTEXT.divide(abs(liq_h - mark), mark).quantize(RATIO_Q) if liq_h is not None and mark else None
    return PositionView(
        venue="gtrade", market=f"{asset}/USD", asset=asset, side="long" if long else "short", size_usd=size_usd,
        size_tokens=from_raw(int(t["positionSizeToken"]), 18), collateral_token=symbol,
        collateral_amount=from_raw(int(t["collateralAmount"]), dec), entry_price=entry, mark_price=mark,
        pnl_usd=pnl, funding_fee_usd=funding, borrowing_fee_usd=borrowing, liquidation_price=liq_h,
        liquidation_distance=distance, key=f"{account.lower()}:{t['index']}", collateral_token_address=coll_addr,
        size_collateral_raw=size_raw, collateral_value_usd=usd(int(t["collateralAmount"])), price_stale=stale,
        net_pnl_usd=usd(worth.net_pnl) if worth else None, close_value_usd=usd(worth.close_value) if worth else None,
        closing_fee_usd=usd(worth.closing_fee) if worth else None,
        realized_trading_fees_usd=usd(worth.realized_trading_fees) if worth else Decimal(0),
        realized_pnl_usd=usd(worth.realized_pnl) if worth else Decimal(0), margin=margin)


__all__ = ["fetch_markets", "fetch_positions", "fetch_snapshot", "snapshot_reader", "markets_reader",
           "positions_reader", "state_reader", "PairInfo", "Snapshot", "short_funding_apr",
           "borrowing_apr", "ORDER_TYPE_NAMES", "PERCENT_E10"]
